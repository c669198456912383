// A simulated stream source for tests, the demo and `helserom simulate video-stream`: a Jodapro-like
// camera with an RTSP responder (which plays RTP over TCP at the set bitrate) and an HTTP stream
// source side by side, with controls for what goes wrong in a room: the camera switched off
// (`offline`), its software frozen (`hang`), a weak link (`setKbps`), a sluggish camera
// (`setLatency`), the video encoder off (`setNoVideo`), a frozen live stream, a flat battery.
import { randomBytes } from 'node:crypto'
import type { RunningSimulator } from '../contract.js'
import type { VideoStreamConfig } from './config.js'
import { cameraSdp } from './simulator-media.js'
import { HttpStreamSource, type HttpSourceState } from './simulator-http.js'
import { RtspResponder, type OutageMode, type SimulatedAuth } from './simulator-rtsp.js'

export type SimulatedStream = 'rtsp' | 'mjpeg' | 'bytes' | 'hls'

export interface VideoStreamSimulatorOptions {
  /** Where to listen; default 127.0.0.1. */
  host?: string
  /** The host name put into URLs (when listening on 0.0.0.0, the address the room LAN reaches). */
  publicHost?: string
  /** 0 (the default) picks a free port. */
  rtspPort?: number
  httpPort?: number
  /** Which of the streams `deviceConfig` points a driver at. Default rtsp. */
  stream?: SimulatedStream
  /** Credentials the camera demands; Digest by default, on DESCRIBE only by default. */
  auth?: { username: string, password: string, scheme?: 'digest' | 'basic', scope?: 'describe' | 'all' }
  /** Put the credentials into the URL (`rtsp://user:pass@host/…`) rather than username/password fields. */
  credentialsInUrl?: boolean
  kbps?: number
  fps?: number
  width?: number
  height?: number
  noVideo?: boolean
  /** RTSP: a camera that streams over UDP only, so RTP interleaved on the connection is refused (461). */
  udpOnly?: boolean
  /** The status endpoint's battery level; null leaves statusUrl out of deviceConfig. Default 87. */
  batteryPct?: number | null
  /** Driver settings merged into deviceConfig (e.g. a short pollIntervalMs for tests). */
  driver?: Partial<VideoStreamConfig>
}

export interface VideoStreamSimulator extends RunningSimulator {
  readonly urls: { rtsp: string, mjpeg: string, bytes: string, hls: string, status: string }
  readonly mode: OutageMode
  /** What the RTSP side was asked, and how often it refused credentials. */
  readonly rtspCounts: RtspResponder['counts']
  /** The camera loses power or network: its ports refuse connections. */
  offline: () => Promise<void>
  /** The camera's software freezes: connections are accepted, nothing is answered. */
  hang: () => Promise<void>
  /** Back to normal on the same ports. */
  restore: () => Promise<void>
  setKbps: (kbps: number) => void
  setNoVideo: (noVideo: boolean) => void
  setBattery: (pct: number | null) => void
  setResolution: (width: number, height: number) => void
  freezeHls: (frozen: boolean) => void
  /** Delays every answer by this much, as a camera whose CPU is overloaded. */
  setLatency: (ms: number) => void
}

export async function startVideoStreamSimulator (options: VideoStreamSimulatorOptions = {}): Promise<VideoStreamSimulator> {
  const host = options.host ?? '127.0.0.1'
  const auth: SimulatedAuth | null = options.auth === undefined
    ? null
    : { username: options.auth.username, password: options.auth.password, scheme: options.auth.scheme ?? 'digest', scope: options.auth.scope ?? 'describe' }
  const state: HttpSourceState = {
    mode: 'online',
    kbps: options.kbps ?? 4000,
    fps: options.fps ?? 10,
    width: options.width ?? 1920,
    height: options.height ?? 1080,
    noVideo: options.noVideo ?? false,
    batteryPct: options.batteryPct === undefined ? 87 : options.batteryPct,
    hlsFrozen: false,
    auth,
    latencyMs: 0
  }
  const sessionId = String(BigInt(Date.now()) * 1000n + BigInt(randomBytes(2).readUInt16BE(0)))
  const rtsp = new RtspResponder({
    get mode () { return state.mode },
    get latencyMs () { return state.latencyMs },
    get kbps () { return state.kbps },
    udpOnly: options.udpOnly ?? false,
    auth,
    sdp: () => cameraSdp({ host: options.publicHost ?? host, sessionId, width: state.width, height: state.height, fps: 25, kbps: state.kbps, noVideo: state.noVideo })
  }, host, options.rtspPort ?? 0)
  const http = new HttpStreamSource(state, host, options.httpPort ?? 0)
  await rtsp.listen()
  try {
    await http.listen()
  } catch (err) {
    await rtsp.close()
    throw err
  }

  const shown = options.publicHost ?? (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host)
  const hostPart = shown.includes(':') ? `[${shown}]` : shown
  const userInfo = auth !== null && options.credentialsInUrl === true
    ? `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`
    : ''
  const urls = {
    rtsp: `rtsp://${userInfo}${hostPart}:${rtsp.boundPort}/live`,
    mjpeg: `http://${userInfo}${hostPart}:${http.boundPort}/mjpeg`,
    bytes: `http://${userInfo}${hostPart}:${http.boundPort}/live.ts`,
    hls: `http://${userInfo}${hostPart}:${http.boundPort}/hls/index.m3u8`,
    status: `http://${hostPart}:${http.boundPort}/status.json`
  }
  const stream = options.stream ?? 'rtsp'
  const deviceConfig: Record<string, unknown> = {
    url: urls[stream],
    ...(auth !== null && options.credentialsInUrl !== true ? { username: auth.username, password: auth.password } : {}),
    ...(state.batteryPct !== null ? { statusUrl: urls.status, batteryPath: 'power.batteryPct' } : {}),
    ...options.driver
  }

  let stopped = false
  const simulator: VideoStreamSimulator = {
    address: urls[stream].replace(userInfo, ''),
    deviceConfig,
    urls,
    get mode () { return state.mode },
    rtspCounts: rtsp.counts,
    offline: async () => {
      state.mode = 'offline'
      await Promise.all([rtsp.close(), http.close()])
    },
    hang: async () => {
      if (state.mode === 'offline') await Promise.all([rtsp.listen(), http.listen()])
      state.mode = 'hang'
    },
    restore: async () => {
      if (state.mode === 'offline' && !stopped) await Promise.all([rtsp.listen(), http.listen()])
      state.mode = 'online'
    },
    setKbps: (kbps) => { state.kbps = Math.max(0, kbps) },
    setNoVideo: (noVideo) => { state.noVideo = noVideo },
    setBattery: (pct) => { state.batteryPct = pct },
    setResolution: (width, height) => { state.width = width; state.height = height },
    freezeHls: (frozen) => { state.hlsFrozen = frozen },
    setLatency: (ms) => { state.latencyMs = Math.max(0, ms) },
    stop: async () => {
      stopped = true
      state.mode = 'offline'
      await Promise.all([rtsp.close(), http.close()])
    }
  }
  return simulator
}
