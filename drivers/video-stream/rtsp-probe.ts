// Probes an rtsp:// (or rtsps://) source the way a video client starts: OPTIONS, then DESCRIBE with
// `Accept: application/sdp` (RFC 2326 §10.1, §10.2), answering a 401 with Basic or Digest auth
// (§15 / RFC 2617) and following a redirect (3xx + Location, §11.3). The SDP tells whether there is
// a video track and which codec it has. Asked to `play` (the pre-session check, never the routine
// poll), it goes on as a player does — SETUP of the video track with RTP interleaved on the same TCP
// connection (§10.4, §10.12), PLAY — counts the video RTP bytes for the measuring window, and says
// TEARDOWN: the stream's real bitrate, through any firewall that lets RTSP itself through.
import type { MetricValue } from '../contract.js'
import { Authenticator, parseChallenges, pickChallenge } from './auth.js'
import type { Credentials, StreamTarget } from './config.js'
import { deadline } from './deadline.js'
import { spsFromSpropParameterSets } from './h264-sps.js'
import { classifyError, failed, ProbeError, round, type StreamProbe } from './probe.js'
import { parseSdp, videoMedia } from './sdp.js'
import { header, RtspConnection, type InterleavedListener, type RtspEndpoint, type RtspResponse } from './rtsp-client.js'
import { measureRtspPlay } from './rtsp-play.js'

const MAX_REDIRECTS = 2

export interface RtspProbeOptions {
  /** Pull the video for `target.measureWindowMs` and time it (SETUP + PLAY); default: DESCRIBE only. */
  play?: boolean
}

export async function probeRtsp (target: StreamTarget, stop: AbortSignal, mode: RtspProbeOptions = {}): Promise<StreamProbe> {
  const metrics: Record<string, MetricValue> = { scheme: target.scheme }
  const session = new RtspSession(target.credentials)
  let url = new URL(target.url.href)
  try {
    for (let redirects = 0; ; redirects++) {
      const endpoint: RtspEndpoint = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port !== '' ? Number(url.port) : target.port,
        tls: url.protocol === 'rtsps:',
        tlsVerify: target.tlsVerify
      }
      const uri = url.href

      const started = Date.now()
      await session.connect(endpoint, target.timeoutMs, stop)
      metrics.connectMs = Date.now() - started

      // OPTIONS is the liveness ping; a camera that does not implement it may still DESCRIBE.
      const options = await session.request('OPTIONS', uri, {}, target.timeoutMs, stop)
      metrics.optionsStatus = options.status

      const asked = Date.now()
      const described = await session.request('DESCRIBE', uri, { Accept: 'application/sdp' }, target.timeoutMs, stop)
      metrics.responseMs = Date.now() - asked
      metrics.server = header(described, 'server') ?? header(options, 'server') ?? null
      metrics.auth = session.authScheme

      const location = header(described, 'location')
      if (described.status >= 300 && described.status < 400 && location !== undefined && redirects < MAX_REDIRECTS) {
        session.close()
        url = new URL(location, url)
        continue
      }
      if (described.status === 404) throw new ProbeError({ kind: 'not-found', status: 404, detail: `RTSP DESCRIBE ${uri}: 404 ${described.reason}` })
      if (described.status !== 200) throw new ProbeError({ kind: 'status', status: described.status, detail: `RTSP DESCRIBE ${uri}: ${described.status} ${described.reason}` })
      const result = describeResult(described, metrics)
      if (mode.play === true && result.hasVideo === true) {
        result.kbps = await measureRtspPlay(session, { uri, described, windowMs: target.measureWindowMs, timeoutMs: target.timeoutMs, stop }, metrics)
        metrics.kbps = result.kbps === null ? null : round(result.kbps)
      }
      return result
    }
  } catch (err) {
    return failed(classifyError(err, `RTSP ${target.host}:${target.port}`), metrics)
  } finally {
    session.close()
  }
}

function describeResult (described: RtspResponse, metrics: Record<string, MetricValue>): StreamProbe {
  const sdp = parseSdp(described.body.toString('utf8'))
  if (sdp === null) {
    throw new ProbeError({ kind: 'protocol', detail: `DESCRIBE answered ${header(described, 'content-type') ?? 'no content type'} without an SDP description` })
  }
  const video = videoMedia(sdp)
  const audio = sdp.media.find((m) => m.type === 'audio') ?? null
  const sps = video?.codec === 'H264' ? spsFromSpropParameterSets(video.fmtp['sprop-parameter-sets']) : null
  const width = sps?.width ?? video?.width ?? null
  const height = sps?.height ?? video?.height ?? null
  Object.assign(metrics, {
    hasVideo: video !== null,
    codec: video?.codec ?? null,
    profile: sps?.profile ?? null,
    resolution: width !== null && height !== null ? `${width}x${height}` : null,
    fps: video?.framerate ?? null,
    declaredKbps: video?.declaredKbps ?? null,
    audioCodec: audio?.codec ?? null,
    tracks: sdp.media.map((m) => m.type).join(',')
  })
  const answerMs = Number(metrics.connectMs ?? 0) + Number(metrics.responseMs ?? 0)
  return { failure: null, metrics, hasVideo: video !== null, kbps: null, answerMs: round(answerMs) }
}

/** One connection plus the auth state that carries from OPTIONS to DESCRIBE (and SETUP, PLAY). */
export class RtspSession {
  private connection: RtspConnection | null = null
  private endpoint: RtspEndpoint | null = null
  private authenticator: Authenticator | null = null

  constructor (private readonly credentials: Credentials | null) {}

  get authScheme (): string {
    return this.authenticator?.challenge.scheme ?? 'none'
  }

  async connect (endpoint: RtspEndpoint, timeoutMs: number, stop: AbortSignal): Promise<void> {
    this.endpoint = endpoint
    const limit = deadline(timeoutMs, `connecting to ${endpoint.host}:${endpoint.port}`, stop)
    try {
      this.connection = await RtspConnection.open(endpoint, limit.signal)
    } finally {
      limit.clear()
    }
  }

  /** A request, answered once more with credentials when the server challenges it (401). */
  async request (method: string, uri: string, headers: Record<string, string>, timeoutMs: number, stop: AbortSignal): Promise<RtspResponse> {
    let response = await this.send(method, uri, headers, timeoutMs, stop)
    if (response.status !== 401) return response
    if (this.credentials === null) {
      throw new ProbeError({ kind: 'auth', status: 401, detail: `RTSP ${method} needs a username and password, and none is configured` })
    }
    const challenge = pickChallenge(parseChallenges(response.headers.get('www-authenticate') ?? []))
    if (challenge === null) {
      throw new ProbeError({ kind: 'auth', status: 401, detail: `RTSP ${method}: no supported auth scheme in ${JSON.stringify(response.headers.get('www-authenticate') ?? [])}` })
    }
    this.authenticator = new Authenticator(challenge, this.credentials)
    // Some servers close the connection after a 401; answer the challenge on a new one then.
    if (this.connection?.isClosed !== false && this.endpoint !== null) await this.connect(this.endpoint, timeoutMs, stop)
    response = await this.send(method, uri, headers, timeoutMs, stop)
    if (response.status === 401) {
      throw new ProbeError({ kind: 'auth', status: 401, detail: `RTSP ${method}: the username or password was refused (${challenge.scheme})` })
    }
    return response
  }

  /** Receives the RTP/RTCP packets interleaved on the connection after PLAY. */
  onInterleaved (listener: InterleavedListener | null): void {
    if (this.connection !== null) this.connection.onInterleaved = listener
  }

  /** Ends a played session (§10.7), as a player does; the answer is waited for briefly and not needed. */
  async teardown (uri: string, session: string, timeoutMs: number, stop: AbortSignal): Promise<void> {
    if (this.isClosed) return
    await this.send('TEARDOWN', uri, { Session: session }, timeoutMs, stop).catch(() => {})
  }

  /** Whether the server has closed (or we have). */
  get isClosed (): boolean {
    return this.connection?.isClosed !== false
  }

  close (): void {
    this.connection?.close()
    this.connection = null
  }

  private async send (method: string, uri: string, headers: Record<string, string>, timeoutMs: number, stop: AbortSignal): Promise<RtspResponse> {
    if (this.connection === null) throw new Error('not connected')
    const all = this.authenticator !== null ? { ...headers, Authorization: this.authenticator.header(method, uri) } : headers
    const limit = deadline(timeoutMs, `RTSP ${method}`, stop)
    try {
      return await this.connection.request(method, uri, all, limit.signal)
    } finally {
      limit.clear()
    }
  }
}
