// What one poll of a HoloLens means for the room: a pure function from what the driver read
// (battery, thermal stage, stream check, …) to health state, the one reason that matters most, and
// the metrics. The metric names batteryPct, charging, batteryMinutesLeft, thermalStage and
// streamKbps are read by the readiness engine (it compares batteryMinutesLeft with the next
// consultation's length): keep them.
import type { DriverHealth, MetricValue } from '../contract.js'
import type { DeviceInfo, HealthState, Reason } from '../../protocol/messages.js'
import type { DevicePortalError } from './device-portal-client.js'
import type { BatteryState, MrcStatus, NetworkAdapter, PowerState, SystemPerf } from './replies.js'
import { primaryAdapter } from './replies.js'
import { failureReason, hololensReasons } from './reasons.js'

export interface HoloLensThresholds {
  /** Below this (and not on the charger): degraded. */
  batteryLowPct: number
  /** Below this (and not on the charger): down — it will not last a consultation. */
  batteryCriticalPct: number
  /** Thermal stage from which the device counts as warm (degraded) and as critical (down). */
  thermalWarmStage: number
  thermalCriticalStage: number
}

export const DEFAULT_THRESHOLDS: HoloLensThresholds = {
  batteryLowPct: 25,
  batteryCriticalPct: 10,
  thermalWarmStage: 1,
  thermalCriticalStage: 2
}

/** Fewer bytes than this in a stream check is no video at all. */
const NO_VIDEO_BYTES = 1024

export interface StreamCheck {
  at: number
  path: string
  /** Null when nothing could be measured (an error before any byte). */
  kbps: number | null
  bytes: number
  endedEarly: boolean
  error: DevicePortalError | null
}

export interface BatteryMinutes {
  minutes: number
  source: 'observed' | 'device'
}

/** What one poll read; null where a read failed or was not made. */
export interface HoloLensObservation {
  battery: BatteryState | null
  /** Why the battery could not be read, when it could not (the device answered otherwise). */
  batteryError: DevicePortalError | null
  batteryMinutes: BatteryMinutes | null
  thermalStage: number | null
  powerState: PowerState | null
  network: NetworkAdapter[] | null
  mrc: MrcStatus | null
  perf: SystemPerf | null
  machineName: string | null
  deviceFamily: string | null
}

export interface AssessContext {
  /** The device's name as staff know it. */
  name: string
  minStreamKbps: number
  thresholds?: HoloLensThresholds
}

interface Finding { state: Exclude<HealthState, 'ok' | 'unknown'>, reason: Reason }

/** Health of a device that answered. */
export function assessObservation (obs: HoloLensObservation, stream: StreamCheck | null, ctx: AssessContext, info?: DeviceInfo): DriverHealth {
  const t = ctx.thresholds ?? DEFAULT_THRESHOLDS
  const findings: Finding[] = []
  const battery = obs.battery
  const pct = battery?.pct !== null && battery?.pct !== undefined ? Math.round(battery.pct) : null
  // On the charger counts as charging: a full battery on the charger reports Charging 0, AcOnline 1
  // (the recorded reply), and neither is a battery about to run out.
  const charging = battery !== null ? battery.charging || battery.acOnline : null

  if (battery === null) {
    const err = obs.batteryError
    findings.push({ state: 'degraded', reason: hololensReasons.badReply(ctx.name, err?.path ?? '/api/power/battery', err?.detail ?? 'no battery state') })
  } else if (pct !== null && charging === false && battery.batteryPresent) {
    if (pct < t.batteryCriticalPct) findings.push({ state: 'down', reason: hololensReasons.batteryCritical(ctx.name, pct) })
    else if (pct < t.batteryLowPct) findings.push({ state: 'degraded', reason: hololensReasons.batteryLow(ctx.name, pct) })
  }

  const stage = obs.thermalStage
  if (stage !== null && stage >= t.thermalCriticalStage && stage < 9999) findings.push({ state: 'down', reason: hololensReasons.thermalCritical(ctx.name) })
  else if (stage !== null && stage >= t.thermalWarmStage && stage < 9999) findings.push({ state: 'degraded', reason: hololensReasons.thermalWarm(ctx.name, stage) })

  const streamFinding = assessStream(stream, ctx)
  if (streamFinding !== null) findings.push(streamFinding)

  const worst = findings.find((f) => f.state === 'down') ?? findings[0]
  const health: DriverHealth = {
    state: worst?.state ?? 'ok',
    reason: worst?.reason ?? null,
    metrics: metricsOf(obs, stream, pct, charging, ctx.minStreamKbps)
  }
  if (info !== undefined) health.info = info
  return health
}

/** Health of a device that could not be asked (unreachable, refused us, untrusted certificate). */
export function assessFailure (err: DevicePortalError, ctx: { name: string, origin: string }, info?: DeviceInfo): DriverHealth {
  const health: DriverHealth = {
    state: 'down',
    reason: failureReason(ctx.name, ctx.origin, err),
    metrics: {
      reachable: false,
      batteryPct: null,
      charging: null,
      batteryMinutesLeft: null,
      thermalStage: null,
      error: err.kind
    }
  }
  if (info !== undefined) health.info = info
  return health
}

/** The check saw video at all (whatever its rate): no error, more than a header, not cut short. */
export function streamDelivered (stream: StreamCheck): boolean {
  return stream.error === null && stream.bytes >= NO_VIDEO_BYTES && !stream.endedEarly
}

function assessStream (stream: StreamCheck | null, ctx: AssessContext): Finding | null {
  if (stream === null) return null
  if (stream.error !== null) {
    // Credentials and certificates are reported by the poll itself; here only "no video".
    return { state: 'degraded', reason: hololensReasons.streamNone(ctx.name, stream.path, stream.error.detail) }
  }
  // A stalled encoder still sends the stream's header (an fMP4 ftyp box, a few dozen bytes): that is
  // no video, not slow video. Even live_low gives ~150 KB in the 2 s window.
  if (stream.bytes < NO_VIDEO_BYTES) return { state: 'degraded', reason: hololensReasons.streamNone(ctx.name, stream.path, `only ${stream.bytes} bytes within the check window`) }
  if (stream.endedEarly) return { state: 'degraded', reason: hololensReasons.streamNone(ctx.name, stream.path, `the stream ended after ${stream.bytes} bytes`) }
  const kbps = Math.round(stream.kbps ?? 0)
  if (kbps < ctx.minStreamKbps) return { state: 'degraded', reason: hololensReasons.streamSlow(ctx.name, kbps, ctx.minStreamKbps) }
  return null
}

function metricsOf (obs: HoloLensObservation, stream: StreamCheck | null, pct: number | null, charging: boolean | null, minStreamKbps: number): Record<string, MetricValue> {
  const m: Record<string, MetricValue> = {
    reachable: true,
    batteryPct: pct,
    charging,
    batteryMinutesLeft: charging === true ? null : (obs.batteryMinutes?.minutes ?? null),
    batteryEstimate: charging === true ? null : (obs.batteryMinutes?.source ?? null),
    thermalStage: obs.thermalStage
  }
  if (obs.battery !== null) m.acOnline = obs.battery.acOnline
  if (stream !== null) {
    if (stream.kbps !== null) m.streamKbps = Math.round(stream.kbps)
    m.streamOk = streamDelivered(stream) && stream.kbps !== null && Math.round(stream.kbps) >= minStreamKbps
  }
  if (obs.powerState?.lowPowerState !== null && obs.powerState?.lowPowerState !== undefined) m.lowPowerState = obs.powerState.lowPowerState
  const primary = obs.network !== null ? primaryAdapter(obs.network) : null
  if (primary !== null) m.ipAddress = primary.address
  if (obs.mrc !== null) {
    if (obs.mrc.isRecording !== null) m.mrcRecording = obs.mrc.isRecording
    if (obs.mrc.mrcProcess !== null) m.mrcProcess = obs.mrc.mrcProcess
  }
  if (obs.perf !== null) {
    if (obs.perf.cpuLoadPct !== null) m.cpuLoadPct = obs.perf.cpuLoadPct
    if (obs.perf.memoryUsedPct !== null) m.memoryUsedPct = obs.perf.memoryUsedPct
    if (obs.perf.gpuLoadPct !== null) m.gpuLoadPct = obs.perf.gpuLoadPct
  }
  if (obs.machineName !== null) m.machineName = obs.machineName
  if (obs.deviceFamily !== null) m.deviceFamily = obs.deviceFamily
  return m
}
