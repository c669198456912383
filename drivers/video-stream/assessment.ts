// Turns what a probe found into the health staff and IT see: down when the source cannot be reached
// or refuses us, degraded when it works but not well enough for a consultation (no video track, low
// bitrate, slow, a live stream that stopped moving, a low battery), ok otherwise. Each reason names
// the device as staff know it and says what to do, in bokmål first. Pure.
import { reason, type DriverHealth, type MetricValue } from '../contract.js'
import type { Reason } from '../../protocol/messages.js'
import type { BatteryReading } from './battery.js'
import { round, type ProbeFailure, type StreamProbe } from './probe.js'

export interface StreamAssessmentInput {
  /** The device's name in the room config, e.g. "Jodapro". */
  name: string
  probe: StreamProbe
  battery: BatteryReading | null
  /** Seconds a live HLS stream has shown the same newest segment, when that is too long; else null. */
  stalledS: number | null
  minKbps: number
  slowMs: number
  minBatteryPct: number
  timeoutMs: number
}

/** Metrics every video-stream health carries, null when this scheme does not measure them. */
const alwaysPresent = ['kbps', 'ttfbMs', 'responseMs', 'codec', 'hasVideo', 'batteryPct'] as const

export function assessStream (input: StreamAssessmentInput): DriverHealth {
  const { probe, name } = input
  const metrics: Record<string, MetricValue> = {}
  for (const key of alwaysPresent) metrics[key] = null
  Object.assign(metrics, probe.metrics)
  metrics.reachable = probe.failure === null
  metrics.batteryPct = input.battery?.pct ?? null
  if (input.battery?.error !== null && input.battery?.error !== undefined) metrics.statusError = clip(input.battery.error)

  if (probe.failure !== null) {
    metrics.failure = probe.failure.kind
    metrics.issues = `video-stream.${probe.failure.kind}`
    return { state: 'down', reason: failureReason(name, probe.failure, input.timeoutMs), metrics }
  }

  const issues = degradations(input)
  metrics.issues = issues.map((r) => r.code).join(',')
  const first = issues[0]
  return first === undefined ? { state: 'ok', reason: null, metrics } : { state: 'degraded', reason: first, metrics }
}

/** Everything that is not right, most important first: the first one is the reason shown. */
function degradations (input: StreamAssessmentInput): Reason[] {
  const { probe, name } = input
  const found: Reason[] = []
  const amber = { level: 'amber' as const }
  if (probe.hasVideo === false) {
    found.push(reason('video-stream.no-video',
      `${name} sender ikke bilde, bare lyd eller data — kontakt IT`,
      `${name} offers no video track (audio or data only) — contact IT`, amber))
  }
  if (input.stalledS !== null) {
    found.push(reason('video-stream.stalled',
      `${name} har sluttet å sende nye bilder — slå kameraet av og på`,
      `${name}'s live stream has not moved for ${Math.round(input.stalledS)} s — switch the camera off and on`, amber))
  }
  if (probe.kbps !== null && input.minKbps > 0 && probe.kbps < input.minKbps) {
    const kbps = round(probe.kbps)
    found.push(reason('video-stream.low-bitrate',
      `${name} sender video med for lav kvalitet (${kbps} kbit/s, trenger ${input.minKbps}) — sjekk nettverkskabelen eller kontakt IT`,
      `${name} sends ${kbps} kbit/s, below the ${input.minKbps} kbit/s an HD consultation needs — check the network cable or contact IT`, amber))
  }
  if (probe.answerMs !== null && probe.answerMs > input.slowMs) {
    const ms = round(probe.answerMs)
    found.push(reason('video-stream.slow',
      `${name} svarer tregt (${ms} ms) — videoen kan starte sent eller hakke`,
      `${name} answers slowly (${ms} ms, limit ${input.slowMs} ms) — video may start late or stutter`, amber))
  }
  const pct = input.battery?.pct ?? null
  if (pct !== null && pct < input.minBatteryPct) {
    found.push(reason('video-stream.battery-low',
      `Batteriet i ${name} er på ${round(pct)} % — sett ${name} til lading`,
      `${name}'s battery is at ${round(pct)} % — put it on charge`, amber))
  }
  return found
}

function failureReason (name: string, failure: ProbeFailure, timeoutMs: number): Reason {
  const code = `video-stream.${failure.kind}`
  const red = { level: 'red' as const }
  const detail = ` (${clip(failure.detail)})`
  const offNb = `${name} sender ikke video — sjekk at kameraet er slått på og koblet til nettet`
  const offEn = `${name} is not sending video — check that the camera is switched on and connected to the network`
  switch (failure.kind) {
    case 'timeout':
      return reason(code, `${name} svarer ikke — sjekk at kameraet er slått på og koblet til nettet`,
        `${name} does not answer within ${round(timeoutMs / 1000, 1)} s — check that the camera is switched on and connected to the network${detail}`, red)
    case 'dns':
      return reason(code, `Boksen finner ikke ${name} på nettet — kontakt IT`, `Cannot find ${name} on the network — contact IT${detail}`, red)
    case 'auth':
      return reason(code, `${name} godtar ikke innloggingen fra boksen — kontakt IT`, `${name} refuses the gateway's username or password — contact IT${detail}`, red)
    case 'not-found':
      return reason(code, `${name} har ikke video på adressen boksen er satt opp med — kontakt IT`, `${name} has no stream at the configured address — contact IT${detail}`, red)
    case 'status':
      return reason(code, `${name} svarer med en feil (kode ${failure.status ?? '?'}) — slå kameraet av og på, eller kontakt IT`,
        `${name} answers with an error (${failure.status ?? '?'}) — switch the camera off and on, or contact IT${detail}`, red)
    case 'protocol':
      return reason(code, `${name} svarer ikke som en videokilde — kontakt IT`, `${name} does not answer as a video source — contact IT${detail}`, red)
    case 'tls':
      return reason(code, `${name} har et sertifikat boksen ikke godtar — kontakt IT`, `${name}'s TLS certificate is not accepted — contact IT${detail}`, red)
    default: // refused, unreachable, reset, no-data: to staff it is all the same: no video
      return reason(code, offNb, `${offEn}${detail}`, red)
  }
}

function clip (s: string): string {
  return s.length > 300 ? `${s.slice(0, 299)}…` : s
}
