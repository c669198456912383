// What one look at a stream source found, the same shape whatever the scheme, and the one place
// where socket and protocol errors become a failure kind that the health assessment can word for
// staff. Each scheme's probe (rtsp-probe, http-probe, tcp-probe) returns a StreamProbe.
import type { MetricValue } from '../contract.js'

export type FailureKind =
  | 'refused' // nothing listens: the device is off or the service stopped
  | 'unreachable' // no route / host down: not on the network
  | 'dns' // the name does not resolve
  | 'timeout' // no answer within timeoutMs
  | 'reset' // the connection was dropped mid-answer
  | 'auth' // credentials missing or refused
  | 'not-found' // 404: the stream path is wrong
  | 'status' // any other error status
  | 'protocol' // the answer is not what the scheme speaks
  | 'no-data' // answered, but sent no media
  | 'tls' // certificate refused

export interface ProbeFailure {
  kind: FailureKind
  /** For logs and IT, in English: what exactly happened. */
  detail: string
  status?: number
}

export interface StreamProbe {
  failure: ProbeFailure | null
  /** Named measurements; null when not measured by this scheme. */
  metrics: Record<string, MetricValue>
  /** false when a media description positively says there is no video; null when unknown. */
  hasVideo: boolean | null
  /** Media bitrate in kbit/s, when the probe could measure it (byte streams, HLS). */
  kbps: number | null
  /** The slowest answer time that matters to a viewer (ms), for the "slow" check. */
  answerMs: number | null
  /** HLS only: what identifies the newest segment, to notice a live stream that stopped moving. */
  progressKey?: string
  /** HLS only: how long a live playlist may keep the same newest segment. */
  targetDurationS?: number | null
}

export class ProbeError extends Error {
  constructor (readonly failure: ProbeFailure) {
    super(failure.detail)
    this.name = 'ProbeError'
  }
}

/** Turns whatever a socket, TLS or our own parser threw into a failure kind. */
export function classifyError (err: unknown, where: string): ProbeFailure {
  if (err instanceof ProbeError) return err.failure
  const e = err as NodeJS.ErrnoException & { name?: string }
  const code = e?.code ?? ''
  const message = e?.message ?? String(err)
  if (code === 'ECONNREFUSED') return { kind: 'refused', detail: `${where}: connection refused` }
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL'].includes(code)) return { kind: 'unreachable', detail: `${where}: ${code}` }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'dns', detail: `${where}: the name does not resolve (${code})` }
  if (code === 'ETIMEDOUT' || e?.name === 'TimeoutError') return { kind: 'timeout', detail: `${where}: ${message}` }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return { kind: 'reset', detail: `${where}: the connection was dropped (${code})` }
  if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) return { kind: 'tls', detail: `${where}: TLS: ${message}` }
  return { kind: 'protocol', detail: `${where}: ${message}` }
}

export function failed (failure: ProbeFailure, metrics: Record<string, MetricValue> = {}): StreamProbe {
  return { failure, metrics, hasVideo: null, kbps: null, answerMs: null }
}

/** Rounds a measurement for people to read (and so health does not flap on noise digits). */
export function round (n: number, digits = 0): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
