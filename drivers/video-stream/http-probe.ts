// Probes an http(s):// source. A byte stream (MJPEG multipart, MP4, MPEG-TS …) is read for a short
// window: time to first byte, kbit/s, and for MJPEG the frames per second. An HLS playlist (.m3u8,
// RFC 8216) is followed to its best variant and its newest segment, whose size over its duration is
// the stream's bitrate.
import type { IncomingMessage } from 'node:http'
import type { MetricValue } from '../contract.js'
import { readWindow, windowKbps } from './byte-window.js'
import type { StreamTarget } from './config.js'
import { deadline } from './deadline.js'
import { bestVariant, codecName, parsePlaylist, type HlsPlaylist } from './hls.js'
import { httpGet, readBody } from './http-client.js'
import { classifyError, failed, ProbeError, round, type StreamProbe } from './probe.js'
import { mjpegBoundary, MultipartFrameCounter, sniffContainer } from './stream-sniff.js'

const MAX_PLAYLIST_BYTES = 1024 * 1024

export async function probeHttp (target: StreamTarget, stop: AbortSignal): Promise<StreamProbe> {
  const metrics: Record<string, MetricValue> = { scheme: target.scheme }
  const started = Date.now()
  // One limit for the answer to start: headers and the first byte of the body.
  const firstAnswer = deadline(target.timeoutMs, `GET ${target.url.href}`, stop)
  try {
    const { response, url } = await httpGet(target.url, { credentials: target.credentials, tlsVerify: target.tlsVerify, signal: firstAnswer.signal })
    metrics.headersMs = Date.now() - started
    const contentType = response.headers['content-type'] ?? null
    metrics.contentType = contentType
    if (isPlaylist(url, contentType)) {
      firstAnswer.clear()
      return await probeHls(response, url, target, stop, metrics)
    }
    return await measureByteStream(response, target, firstAnswer.signal, stop, started, metrics)
  } catch (err) {
    return failed(classifyError(err, `HTTP ${target.host}:${target.port}`), metrics)
  } finally {
    firstAnswer.clear()
  }
}

function isPlaylist (url: URL, contentType: string | null): boolean {
  return /\.m3u8?$/i.test(url.pathname) || /mpegurl/i.test(contentType ?? '')
}

async function measureByteStream (response: IncomingMessage, target: StreamTarget, firstByte: AbortSignal, stop: AbortSignal, started: number, metrics: Record<string, MetricValue>): Promise<StreamProbe> {
  const contentType = response.headers['content-type']
  const boundary = mjpegBoundary(contentType)
  const frames = boundary !== null ? new MultipartFrameCounter(boundary) : null
  const reading = await readWindow(response, {
    windowMs: target.measureWindowMs,
    firstByte,
    stop,
    ...(frames !== null ? { onChunk: (chunk: Buffer) => { frames.push(chunk) } } : {})
  })
  const ttfbMs = reading.firstByteAt - started
  const kbps = windowKbps(reading)
  const windowS = Math.max(0.001, (reading.endedAt - reading.firstByteAt) / 1000)
  const container = frames !== null ? 'mjpeg' : sniffContainer(reading.head)
  let hasVideo: boolean | null = null
  if (frames !== null) hasVideo = frames.parts === 0 ? null : frames.jpegParts > 0 // parts, but none a JPEG: not video
  else if (/^video\//i.test(contentType ?? '')) hasVideo = true
  else if (/^audio\//i.test(contentType ?? '')) hasVideo = false
  Object.assign(metrics, {
    format: container,
    ttfbMs,
    kbps: kbps === null ? null : round(kbps),
    bytes: reading.bytes,
    windowMs: reading.endedAt - reading.firstByteAt,
    ended: reading.complete,
    fps: frames !== null ? round(Math.max(0, frames.jpegParts - 1) / windowS, 1) : null,
    hasVideo
  })
  return { failure: null, metrics, hasVideo, kbps, answerMs: ttfbMs }
}

async function probeHls (first: IncomingMessage, firstUrl: URL, target: StreamTarget, stop: AbortSignal, metrics: Record<string, MetricValue>): Promise<StreamProbe> {
  metrics.format = 'hls'
  const started = Date.now()
  let playlist = await readPlaylist(first, target, stop)
  let playlistUrl = firstUrl
  let codecs: string[] = []
  if (playlist.kind === 'multivariant') {
    const variant = bestVariant(playlist.variants)
    if (variant === null) throw new ProbeError({ kind: 'no-data', detail: 'the HLS multivariant playlist lists no variant' })
    codecs = variant.codecs
    metrics.resolution = variant.resolution
    metrics.variantKbps = variant.bandwidth === null ? null : round(variant.bandwidth / 1000)
    const fetched = await fetchPlaylist(new URL(variant.uri, playlistUrl), target, stop)
    playlist = fetched.playlist
    playlistUrl = fetched.url
    if (playlist.kind !== 'media') throw new ProbeError({ kind: 'protocol', detail: 'an HLS variant points at another multivariant playlist' })
  }
  metrics.responseMs = Date.now() - started + Number(metrics.headersMs ?? 0)
  const newest = playlist.segments.at(-1)
  if (newest === undefined) throw new ProbeError({ kind: 'no-data', detail: 'the HLS playlist lists no segment yet' })

  const segment = await fetchSegment(new URL(newest.uri, playlistUrl), target, stop)
  const complete = segment.reading.complete
  const segmentBytes = complete ? segment.reading.bytes : segment.contentLength
  const kbps = segmentBytes !== null && newest.durationS > 0 ? (segmentBytes * 8) / (newest.durationS * 1000) : null
  const downloadMs = segment.reading.endedAt - segment.requestedAt

  const video = codecs.map(codecName).filter((c) => c?.video === true)
  const hasVideo = codecs.length === 0 ? null : video.length > 0
  Object.assign(metrics, {
    ttfbMs: segment.reading.firstByteAt - segment.requestedAt,
    kbps: kbps === null ? null : round(kbps),
    downloadKbps: downloadMs > 0 ? round((segment.reading.bytes * 8) / downloadMs) : null,
    segmentBytes,
    segmentS: newest.durationS,
    targetDurationS: playlist.targetDurationS,
    mediaSequence: playlist.mediaSequence,
    live: !playlist.ended,
    codec: video[0]?.name ?? null,
    hasVideo
  })
  return {
    failure: null,
    metrics,
    hasVideo,
    kbps,
    answerMs: Number(metrics.responseMs),
    ...(playlist.ended ? {} : { progressKey: `${playlist.mediaSequence}:${newest.uri}`, targetDurationS: playlist.targetDurationS })
  }
}

async function readPlaylist (response: IncomingMessage, target: StreamTarget, stop: AbortSignal): Promise<HlsPlaylist> {
  const limit = deadline(target.timeoutMs, 'reading the HLS playlist', stop)
  try {
    const text = (await readBody(response, MAX_PLAYLIST_BYTES, limit.signal)).toString('utf8')
    const playlist = parsePlaylist(text)
    if (playlist === null) throw new ProbeError({ kind: 'protocol', detail: 'the answer is not an HLS playlist (no #EXTM3U)' })
    return playlist
  } finally {
    limit.clear()
  }
}

async function fetchPlaylist (url: URL, target: StreamTarget, stop: AbortSignal): Promise<{ playlist: HlsPlaylist, url: URL }> {
  const limit = deadline(target.timeoutMs, `GET ${url.href}`, stop)
  try {
    const answer = await httpGet(url, { credentials: target.credentials, tlsVerify: target.tlsVerify, signal: limit.signal })
    return { playlist: await readPlaylist(answer.response, target, limit.signal), url: answer.url }
  } finally {
    limit.clear()
  }
}

async function fetchSegment (url: URL, target: StreamTarget, stop: AbortSignal): Promise<{ reading: Awaited<ReturnType<typeof readWindow>>, requestedAt: number, contentLength: number | null }> {
  const requestedAt = Date.now()
  const limit = deadline(target.timeoutMs, `GET ${url.href}`, stop)
  try {
    const { response } = await httpGet(url, { credentials: target.credentials, tlsVerify: target.tlsVerify, signal: limit.signal })
    const length = Number(response.headers['content-length'])
    // A segment is read to its end, or for a measuring window plus the timeout on a slow link.
    const reading = await readWindow(response, { windowMs: target.measureWindowMs + target.timeoutMs, firstByte: limit.signal, stop })
    return { reading, requestedAt, contentLength: Number.isFinite(length) && length >= 0 ? length : null }
  } finally {
    limit.clear()
  }
}
