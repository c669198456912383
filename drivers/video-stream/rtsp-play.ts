// Times an RTSP source's video the way a player receives it: SETUP of the video track asking for RTP
// interleaved on the RTSP connection (RFC 2326 §10.4, §12.39 `RTP/AVP/TCP;interleaved=0-1`), PLAY
// (§10.5), the video RTP packets counted for a window, TEARDOWN (§10.7). The first frame (the packets
// of the first RTP timestamp) only marks the start: it arrives at once however long the camera took
// to encode it, and a camera often sends a buffered burst on PLAY, which would flatter the bitrate —
// as the HTTP byte window leaves out its first chunk. A camera that will not send over TCP (461 Unsupported Transport, or any
// refusal of SETUP/PLAY) cannot be timed this way: that is "not measured" (kbps null), not a failure.
import { performance } from 'node:perf_hooks'
import type { MetricValue } from '../contract.js'
import { abortReason } from './deadline.js'
import { ProbeError, round } from './probe.js'
import { header, type RtspResponse } from './rtsp-client.js'
import type { RtspSession } from './rtsp-probe.js'
import { parseSdp, videoMedia } from './sdp.js'

export interface PlayRequest {
  /** The URI DESCRIBE was asked with. */
  uri: string
  described: RtspResponse
  windowMs: number
  timeoutMs: number
  stop: AbortSignal
}

/** The URL a track's `a=control` names, against Content-Base / Content-Location / the request (RFC 2326 C.1.1). */
export function controlUrl (control: string | null, described: RtspResponse, uri: string): string {
  const base = header(described, 'content-base') ?? header(described, 'content-location') ?? uri
  if (control === null || control === '*') return base
  if (/^rtsps?:\/\//i.test(control)) return control
  return new URL(control, base.endsWith('/') ? base : `${base}/`).href
}

/** The session id of a SETUP answer, without its `;timeout=` (§12.37). */
export function sessionId (setup: RtspResponse): string | null {
  return header(setup, 'session')?.split(';')[0]?.trim() || null
}

/** The RTP channel the server chose for interleaving (it may differ from the one asked). */
export function interleavedChannel (setup: RtspResponse, asked: number): number {
  const m = /interleaved=(\d+)(?:-\d+)?/i.exec(header(setup, 'transport') ?? '')
  return m === null ? asked : Number(m[1])
}

/**
 * kbit/s of the video RTP over `windowMs`, or null when the source will not play over TCP (the
 * reason in `metrics.playError`). Throws a ProbeError when it stops answering: no media at all
 * (`no-data`) or the connection cut mid-window (`reset`).
 */
export async function measureRtspPlay (session: RtspSession, r: PlayRequest, metrics: Record<string, MetricValue>): Promise<number | null> {
  const sdp = parseSdp(r.described.body.toString('utf8'))
  const video = sdp === null ? null : videoMedia(sdp)
  if (video === null) return null
  const track = controlUrl(video.control, r.described, r.uri)
  const aggregate = controlUrl(null, r.described, r.uri)
  const setup = await session.request('SETUP', track, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' }, r.timeoutMs, r.stop)
  const id = sessionId(setup)
  if (setup.status !== 200 || id === null) {
    metrics.playError = `SETUP ${setup.status} ${setup.reason}${id === null && setup.status === 200 ? ' (no Session)' : ''}`
    return null
  }
  const channel = interleavedChannel(setup, 0)
  let firstAt: number | null = null
  let firstFrame: number | null = null
  let bytes = 0
  let packets = 0
  let sawFirst: () => void = () => {}
  const first = new Promise<void>((resolve) => { sawFirst = resolve })
  session.onInterleaved((ch, packet) => {
    if (ch !== channel || packet.length < 12) return // RTCP, a track we did not ask for, not RTP
    const timestamp = packet.readUInt32BE(4)
    if (firstAt === null) { firstAt = performance.now(); firstFrame = timestamp; sawFirst(); return }
    if (timestamp === firstFrame) return
    firstFrame = null // a later frame with the same timestamp (after 2^32 ticks) counts
    bytes += packet.length
    packets++
  })
  try {
    const play = await session.request('PLAY', aggregate, { Session: id, Range: 'npt=0.000-' }, r.timeoutMs, r.stop)
    if (play.status !== 200) {
      metrics.playError = `PLAY ${play.status} ${play.reason}`
      return null
    }
    if (!(await within(first, r.timeoutMs, r.stop))) {
      throw new ProbeError({ kind: 'no-data', detail: `RTSP PLAY ${aggregate}: no video within ${r.timeoutMs} ms` })
    }
    await within(new Promise<never>(() => {}), r.windowMs, r.stop)
    if (session.isClosed) throw new ProbeError({ kind: 'reset', detail: 'the RTSP server cut the stream mid-window' })
    const ms = performance.now() - firstAt!
    Object.assign(metrics, { playBytes: bytes, playPackets: packets, playWindowMs: round(ms) })
    return ms < 100 ? null : (bytes * 8) / ms
  } finally {
    session.onInterleaved(null)
    await session.teardown(aggregate, id, Math.min(1000, r.timeoutMs), r.stop)
  }
}

/** Whether `promise` settled within `ms`; rejects when `stop` aborts. */
async function within (promise: Promise<unknown>, ms: number, stop: AbortSignal): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: () => void = () => {}
  try {
    return await Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) }),
      new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(abortReason(stop))
        if (stop.aborted) onAbort()
        else stop.addEventListener('abort', onAbort, { once: true })
      })
    ])
  } finally {
    clearTimeout(timer)
    stop.removeEventListener('abort', onAbort)
  }
}
