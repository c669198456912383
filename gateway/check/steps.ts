// The verdict of each pre-session check step from what was measured: pass, fail, or unverified (it
// could not be measured, which is not a pass), the value, and unless it passed the reason (device
// named, what to do). Pure: collecting the measurements (camera commands, waiting for a reading, the
// hub's clock, timing a stream) is pre-session-check.ts's job.
import type { CheckStep, NetworkMessage, ReadingsMessage, Reason } from '../../protocol/messages.js'
import { CONDITIONS } from '../../drivers/serial-sensor/sensor-conditions.js'
import type { DeviceView } from '../readiness/evaluate.js'
import type { NetworkThresholds } from '../config.js'
import { checkReasons, labels, num } from './check-reasons.js'

type Step = Omit<CheckStep, 'ts'>

function pass (name: string, extra: Partial<Step> = {}): Step {
  return { name, passed: true, ...extra }
}

function fail (name: string, reason: Reason, extra: Partial<Step> = {}): Step {
  return { name, passed: false, reason, ...extra }
}

/** Nothing could be measured: not a pass, and the reason says what could not be checked. */
function unverified (name: string, reason: Reason, extra: Partial<Step> = {}): Step {
  return { name, passed: false, unverified: true, reason, ...extra }
}

/** A device that is down fails any step about it, with its driver's sentence. */
function unavailable (name: string, d: DeviceView, label: Step['label']): Step | null {
  if (!d.enabled || d.state === 'down') return fail(name, checkReasons.deviceDown(d.id, d.name, d.reason), { device: d.id, label, value: d.state })
  return null
}

export function judgeHealth (d: DeviceView): Step {
  const label = labels.deviceHealth(d.name)
  const down = unavailable('device.health', d, label)
  if (down !== null) return down
  if (d.state === 'degraded') return fail('device.health', checkReasons.deviceDegraded(d.id, d.name, d.reason), { device: d.id, label, value: d.state })
  return pass('device.health', { device: d.id, label, value: d.state })
}

/** The battery must last the consultation and a margin, unless the device is charging. */
export function judgeBattery (d: DeviceView, sessionMinutes: number, marginMinutes: number): Step {
  const label = labels.battery(d.name)
  const down = unavailable('battery', d, label)
  if (down !== null) return down
  const left = d.metrics.batteryMinutesLeft
  const pct = d.metrics.batteryPct
  const need = sessionMinutes + marginMinutes
  if (d.metrics.charging === true) return pass('battery', { device: d.id, label, value: typeof pct === 'number' ? pct : null, unit: '%' })
  if (typeof left === 'number') {
    return left >= need
      ? pass('battery', { device: d.id, label, value: Math.round(left), unit: 'min' })
      : fail('battery', checkReasons.batteryShort(d.id, d.name, left, need), { device: d.id, label, value: Math.round(left), unit: 'min' })
  }
  return fail('battery', checkReasons.batteryUnknown(d.id, d.name), { device: d.id, label, value: typeof pct === 'number' ? pct : null, unit: '%' })
}

/** What the check found when it timed a stream itself. */
export type StreamEvidence =
  | { kind: 'measured', kbps: number }
  /** The source offers nothing the check can time (or no way to ask): the driver's figure, if any, stands. */
  | { kind: 'unmeasurable' }
  /** Timing it failed because the source stopped answering: the driver's sentence says what is wrong. */
  | { kind: 'failed', reason: Reason | null }
  /** Not pulled while a consultation runs: the driver's figure, if any, stands. */
  | { kind: 'skipped' }

/**
 * The stream's bitrate against the device's `minKbps`: timed by the check itself when the source
 * allows it (RTSP over TCP), else the driver's own measurement (byte streams, HLS). A source that
 * could not be timed at all is unverified, whatever its health says.
 */
export function judgeStream (d: DeviceView, minKbps: number, evidence: StreamEvidence = { kind: 'unmeasurable' }): Step {
  const label = labels.streamBitrate(d.name)
  const about = { device: d.id, label, unit: 'kbit/s' }
  const down = unavailable('stream.bitrate', d, label)
  if (down !== null) return down
  if (evidence.kind === 'failed') return fail('stream.bitrate', checkReasons.deviceDown(d.id, d.name, evidence.reason), { ...about, value: null })
  const kbps = evidence.kind === 'measured' ? evidence.kbps : d.metrics.kbps
  if (typeof kbps !== 'number') {
    if (evidence.kind === 'skipped') return pass('stream.bitrate', { ...about, skipped: true, value: null })
    return d.state === 'ok'
      ? unverified('stream.bitrate', checkReasons.streamUnverified(d.id, d.name), { ...about, value: null })
      : fail('stream.bitrate', checkReasons.deviceDegraded(d.id, d.name, d.reason), { ...about, value: null })
  }
  return kbps >= minKbps
    ? pass('stream.bitrate', { ...about, value: Math.round(kbps) })
    : fail('stream.bitrate', checkReasons.streamLow(d.id, d.name, kbps, minKbps), { ...about, value: Math.round(kbps) })
}

const FAULT_CONCERNS = new Set(['no-sensor', 'sensor-fault'])
const STANDBY_CONCERNS = new Set(['sensor-off-patient', 'no-signal'])

/**
 * A sensor passes when it sends a reading whose values are plausible. Before a consultation there
 * is usually no patient on it: a reading that says so (sensor off patient, searching) proves the
 * sensor and its link work, and passes as "standby"; a reading that reports a sensor fault fails.
 */
export function judgeReading (d: Pick<DeviceView, 'id' | 'name'>, reading: ReadingsMessage | null, waitedMs: number): Step {
  const label = labels.sensorReading(d.name)
  if (reading === null) return fail('sensor.reading', checkReasons.noReading(d.id, d.name, waitedMs / 1000), { device: d.id, label, value: null })
  const conditions = reading.conditions ?? []
  const faults = conditions.filter((c) => FAULT_CONCERNS.has(CONDITIONS[c]?.concern ?? ''))
  if (faults.length > 0) return fail('sensor.reading', checkReasons.sensorFault(d.id, d.name, faults), { device: d.id, label, value: faults.join(',') })
  const invalid = new Set(reading.invalid ?? [])
  const good = Object.entries(reading.values).filter(([k, v]) => typeof v === 'number' && !invalid.has(k))
  if (good.length > 0) {
    const value = good.map(([k, v]) => `${k} ${String(v)}${reading.units[k] !== undefined ? ' ' + reading.units[k] : ''}`).join(', ')
    return pass('sensor.reading', { device: d.id, label, value })
  }
  if (conditions.some((c) => STANDBY_CONCERNS.has(CONDITIONS[c]?.concern ?? '')) || Object.values(reading.values).every((v) => v === null)) {
    return pass('sensor.reading', { device: d.id, label, value: 'standby' })
  }
  return fail('sensor.reading', checkReasons.implausible(d.id, d.name, [...invalid]), { device: d.id, label, value: [...invalid].join(',') })
}

/** Round trip, jitter and loss of the latest `network` message against the profile's limits. */
export function judgeNetwork (network: NetworkMessage | null, limits: NetworkThresholds, now: number, maxAgeMs: number): Step {
  const label = labels.networkQuality()
  if (network === null || network.rttMs === null || now - network.ts > maxAgeMs) return fail('network.quality', checkReasons.networkUnmeasured(), { label, value: null })
  const over: Array<{ nb: string, en: string }> = []
  const check = (value: number | null, max: number, nb: string, en: string, unit: string): void => {
    if (value !== null && value > max) over.push({ nb: `${nb} ${num(value, 'nb')} ${unit}, grense ${num(max, 'nb')} ${unit}`, en: `${en} ${num(value, 'en')} ${unit}, limit ${num(max, 'en')} ${unit}` })
  }
  check(network.rttMs, limits.maxRttMs, 'svartid', 'round trip', 'ms')
  check(network.jitterMs, limits.maxJitterMs, 'variasjon', 'jitter', 'ms')
  check(network.lossPct, limits.maxLossPct, 'tap', 'loss', '%')
  const value = `${network.rttMs} ms / ${network.jitterMs ?? '–'} ms / ${network.lossPct ?? '–'} %`
  if (over.length === 0) return pass('network.quality', { label, value })
  return fail('network.quality', checkReasons.networkPoor({ nb: over.map((o) => o.nb).join('; '), en: over.map((o) => o.en).join('; ') }), { label, value })
}

export type ThroughputEvidence =
  | { kind: 'measured', upMbps: number | null, downMbps: number | null }
  | { kind: 'skipped' }
  | { kind: 'failed', reason: Reason | null }
  /** The hub refused the gateway's credentials: the reason says so, whole. */
  | { kind: 'refused', reason: Reason }

/** The throughput test against the profile's need each way; a test that gave no figure is unverified. */
export function judgeThroughput (e: ThroughputEvidence, limits: NetworkThresholds): Step {
  const label = labels.throughput()
  if (e.kind === 'skipped') return pass('network.throughput', { label, skipped: true, value: null })
  if (e.kind === 'refused') return unverified('network.throughput', e.reason, { label, value: null })
  if (e.kind === 'failed' || (e.upMbps === null && e.downMbps === null)) {
    return unverified('network.throughput', checkReasons.throughputFailed(e.kind === 'failed' ? e.reason : null), { label, value: null })
  }
  const value = `${e.upMbps === null ? '–' : e.upMbps.toFixed(1)} / ${e.downMbps === null ? '–' : e.downMbps.toFixed(1)}`
  if (e.upMbps !== null && e.upMbps < limits.minUpMbps) return fail('network.throughput', checkReasons.bandwidthShort('up', e.upMbps, limits.minUpMbps), { label, value, unit: 'Mbit/s (up / down)' })
  if (e.downMbps !== null && e.downMbps < limits.minDownMbps) return fail('network.throughput', checkReasons.bandwidthShort('down', e.downMbps, limits.minDownMbps), { label, value, unit: 'Mbit/s (up / down)' })
  return pass('network.throughput', { label, value, unit: 'Mbit/s (up / down)' })
}

export interface ClockEvidence {
  /** What keeps time on the box says (null: nothing to ask). */
  synced: boolean | null
  /** Our clock minus the hub's, null when the hub could not be asked. */
  offsetMs: number | null
  /** Why the hub could not be asked, when that is worth telling (it refused the gateway's credentials). */
  hubProblem?: Reason | null
  maxOffsetMs: number
  /** The host device, if the room config has one: failures are about it. */
  device?: string
}

export function judgeClock (e: ClockEvidence): Step {
  const label = labels.clock()
  const device = e.device !== undefined ? { device: e.device } : {}
  const value = e.offsetMs === null ? null : Math.round(e.offsetMs)
  if (e.offsetMs !== null && Math.abs(e.offsetMs) > e.maxOffsetMs) return fail('clock', checkReasons.clockOff(e.offsetMs, e.device), { ...device, label, value, unit: 'ms' })
  if (e.synced === false) return fail('clock', checkReasons.clockNotSynced(e.device), { ...device, label, value, unit: 'ms' })
  if (e.synced === null && e.offsetMs === null) {
    const why = e.hubProblem ?? checkReasons.clockUnverified(e.device)
    return unverified('clock', { ...why, level: 'amber', ...device }, { ...device, label, value, unit: 'ms' })
  }
  return pass('clock', { ...device, label, value, unit: 'ms' })
}
