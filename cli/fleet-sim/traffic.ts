// What one simulated room says, as pure functions of its state and a random source: the six devices
// a pilot room has, their health drifting now and then between ok, degraded and down, readiness
// following the required devices, network figures every 5 s, and 1 Hz readings from one or two
// serial sensors. Shapes follow protocol/messages.ts; the hub validates them like any gateway's.
import type { HealthMessage, HealthState, NetworkMessage, ReadinessMessage, ReadingsMessage, Reason, StatusMessage } from '../../protocol/messages.js'

export interface SimDevice {
  id: string
  kind: string
  name: string
  /** Whether the room's profile needs it (then down → red, degraded → amber). */
  required: boolean
}

export const SIM_DEVICES: readonly SimDevice[] = [
  { id: 'cam-1', kind: 'onvif-camera', name: 'Kamera', required: true },
  { id: 'jodapro-1', kind: 'video-stream', name: 'Jodapro', required: true },
  { id: 'hololens-1', kind: 'hololens', name: 'HoloLens', required: false },
  { id: 'box', kind: 'host', name: 'Boksen', required: false },
  { id: 'spo2-1', kind: 'serial-sensor', name: 'Pulsoksymeter', required: false },
  { id: 'bp-1', kind: 'serial-sensor', name: 'Blodtrykksmåler', required: false }
]

/** The sensors that send readings, first one or both. */
export const SENSOR_IDS = ['spo2-1', 'bp-1'] as const

/** A device changes state about once every this many seconds on average (so a room sees one change a minute or so). */
export const MEAN_SECONDS_BETWEEN_CHANGES = 360

const downReason = (d: SimDevice): Reason => ({ code: 'sim.down', message: { nb: `${d.name} svarer ikke`, en: `${d.name} does not answer` }, device: d.id, level: 'red' })
const degradedReason = (d: SimDevice): Reason => ({ code: 'sim.degraded', message: { nb: `${d.name} fungerer dårlig`, en: `${d.name} works poorly` }, device: d.id, level: 'amber' })

export function statusMessage (online: boolean, boot: string, startedAt: number, now: number): StatusMessage {
  return { online, version: 'fleet-sim', boot, startedAt, ts: now }
}

export function healthMessage (device: SimDevice, state: HealthState, random: () => number, now: number): HealthMessage {
  const reason = state === 'down' ? downReason(device) : state === 'degraded' ? degradedReason(device) : null
  return { kind: device.kind, name: device.name, state, reason, metrics: { rttMs: Math.round(5 + random() * 20), probes: 1, online: state !== 'down' }, ts: now }
}

/** Readiness from the required devices: red if one is down, amber if one is degraded. */
export function readinessMessage (states: ReadonlyMap<string, HealthState>, now: number): ReadinessMessage {
  const reasons: Reason[] = []
  for (const d of SIM_DEVICES) {
    if (!d.required) continue
    const state = states.get(d.id)
    if (state === 'down') reasons.push(downReason(d))
    else if (state === 'degraded') reasons.push(degradedReason(d))
  }
  const level = reasons.some((r) => r.level === 'red') ? 'red' : reasons.length > 0 ? 'amber' : 'green'
  return { level, profile: 'ortopedi', session: null, reasons, ts: now }
}

export function networkMessage (random: () => number, now: number): NetworkMessage {
  return {
    rttMs: Math.round((20 + random() * 15) * 10) / 10,
    jitterMs: Math.round((1 + random() * 4) * 10) / 10,
    lossPct: random() < 0.05 ? 0.4 : 0,
    upMbps: Math.round((18 + random() * 4) * 10) / 10,
    downMbps: Math.round((45 + random() * 10) * 10) / 10,
    ifaceUtilPct: Math.round(random() * 300) / 10,
    ts: now
  }
}

/**
 * A reading as the real gateway sends it, plus `sentAt`: the send time with sub-millisecond
 * precision (performance.timeOrigin + performance.now()), an extra field the contract allows, so a
 * receiver on the same machine can measure latencies below the 1 ms of `ts`.
 */
export function readingMessage (sensor: string, boot: string, seq: number, random: () => number, now: number): ReadingsMessage & { sentAt: number } {
  const sentAt = Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000
  if (sensor === 'bp-1') {
    return { ts: now, boot, seq, values: { sys: 118 + Math.round(random() * 10), dia: 76 + Math.round(random() * 8), pulse: 68 + Math.round(random() * 8) }, units: { sys: 'mmHg', dia: 'mmHg', pulse: '/min' }, sentAt }
  }
  return { ts: now, boot, seq, values: { spo2: 96 + Math.round(random() * 3), pulse: 66 + Math.round(random() * 10), pi: Math.round((2 + random() * 3) * 100) / 100 }, units: { spo2: '%', pulse: '/min', pi: '%' }, sentAt }
}

/** The next state of a device that changes: mostly back to ok, sometimes worse. */
export function nextState (current: HealthState, random: () => number): HealthState {
  if (current !== 'ok') return 'ok'
  return random() < 0.7 ? 'degraded' : 'down'
}
