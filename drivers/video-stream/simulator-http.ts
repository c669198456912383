// The HTTP side of the video-stream simulator, at a controllable bitrate:
//   /mjpeg            MJPEG (multipart/x-mixed-replace) of valid JPEG frames
//   /live.ts          a plain MPEG-TS byte stream (null packets)
//   /hls/index.m3u8   an HLS multivariant playlist → /hls/live.m3u8 (live, 2 s segments) → /hls/seg-N.ts
//   /status.json      the device's status with its battery level
// `hang` leaves requests unanswered and stalls running streams; `offline` closes the port; a latency
// delays every answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { SimulatorPort } from '../simulator-port.js'
import { jpegFrame, tsPackets } from './simulator-media.js'
import type { OutageMode, SimulatedAuth } from './simulator-rtsp.js'

export interface HttpSourceState {
  mode: OutageMode
  kbps: number
  fps: number
  width: number
  height: number
  noVideo: boolean
  batteryPct: number | null
  /** HLS: the live playlist stops adding segments (a frozen encoder). */
  hlsFrozen: boolean
  auth: SimulatedAuth | null
  /** Extra delay before every answer, as a camera whose CPU is overloaded. */
  latencyMs: number
}

export const MJPEG_BOUNDARY = 'helseromframe'
const HLS_SEGMENT_S = 2
const TICK_MS = 50

export class HttpStreamSource {
  private readonly port: SimulatorPort
  private readonly startedAt = Date.now()
  private frozenSequence: number | null = null

  constructor (private readonly state: HttpSourceState, host: string, port: number) {
    this.port = new SimulatorPort(host, port)
  }

  get boundPort (): number {
    return this.port.number
  }

  async listen (): Promise<void> {
    await this.port.open(createServer((req, res) => { this.handle(req, res) }))
  }

  async close (): Promise<void> {
    await this.port.close()
  }

  /** The media sequence number of the newest HLS segment. */
  private hlsSequence (): number {
    const live = Math.floor((Date.now() - this.startedAt) / (HLS_SEGMENT_S * 1000)) + 3
    if (this.state.hlsFrozen) {
      this.frozenSequence ??= live
      return this.frozenSequence
    }
    this.frozenSequence = null
    return live
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    if (this.state.mode === 'hang') return // never answered; the socket stays open until the client gives up
    if (this.state.latencyMs <= 0) { this.route(req, res); return }
    const timer = setTimeout(() => { if (!res.destroyed) this.route(req, res) }, this.state.latencyMs)
    res.on('close', () => clearTimeout(timer))
  }

  private route (req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://sim').pathname
    if (path === '/status.json') { this.status(res); return }
    if (this.state.auth !== null && !this.authorised(req)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Jodapro"', 'Content-Length': '0' }).end()
      return
    }
    if (path === '/mjpeg') this.mjpeg(res)
    else if (path === '/live.ts') this.byteStream(res)
    else if (path === '/hls/index.m3u8') this.multivariant(res)
    else if (path === '/hls/live.m3u8') this.mediaPlaylist(res)
    else if (/^\/hls\/seg-\d+\.ts$/.test(path)) this.hlsSegment(res)
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n')
  }

  private authorised (req: IncomingMessage): boolean {
    const auth = this.state.auth
    if (auth === null) return true
    // The HTTP side speaks Basic only; Digest is exercised on the RTSP side.
    return req.headers.authorization === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
  }

  private status (res: ServerResponse): void {
    const body = JSON.stringify({
      device: { vendor: 'Jodapro', model: 'simulator' },
      power: { batteryPct: this.state.batteryPct, charging: false },
      stream: { kbps: this.state.kbps, noVideo: this.state.noVideo }
    })
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body)
  }

  /** Sends frames on a timer until the client leaves; each frame sized so the stream runs at `kbps`. */
  private mjpeg (res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`, 'Cache-Control': 'no-cache' })
    this.every(res, () => 1000 / this.state.fps, () => {
      const frameBytes = (this.state.kbps * 1000) / 8 / this.state.fps
      const type = this.state.noVideo ? 'application/json' : 'image/jpeg'
      const body = this.state.noVideo ? Buffer.from(JSON.stringify({ frame: 'no video' }).padEnd(frameBytes, ' ')) : jpegFrame(frameBytes)
      return Buffer.concat([Buffer.from(`--${MJPEG_BOUNDARY}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n')])
    })
  }

  private byteStream (res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': this.state.noVideo ? 'audio/aac' : 'video/mp2t', 'Cache-Control': 'no-cache' })
    let owed = 0 // fractional packets carried to the next tick, so low rates come out right
    this.every(res, () => TICK_MS, () => {
      owed += (this.state.kbps * 1000) / 8 * (TICK_MS / 1000)
      const packets = Math.floor(owed / 188)
      if (packets === 0) return null
      owed -= packets * 188
      return tsPackets(packets * 188)
    })
  }

  private every (res: ServerResponse, intervalMs: () => number, next: () => Buffer | null): void {
    let timer: NodeJS.Timeout | null = null
    const tick = (): void => {
      if (this.state.mode === 'online' && res.writableLength < 4 * 1024 * 1024) { // a full buffer drops frames, as a camera would
        const chunk = next()
        if (chunk !== null) res.write(chunk)
      }
      timer = setTimeout(tick, intervalMs())
    }
    res.on('close', () => { if (timer !== null) clearTimeout(timer) })
    tick()
  }

  private multivariant (res: ServerResponse): void {
    const codecs = this.state.noVideo ? 'mp4a.40.2' : 'avc1.640028,mp4a.40.2'
    const resolution = this.state.noVideo ? '' : `,RESOLUTION=${this.state.width}x${this.state.height}`
    const body = ['#EXTM3U', '#EXT-X-VERSION:3',
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(this.state.kbps * 1000)},CODECS="${codecs}"${resolution}`, 'live.m3u8', ''].join('\n')
    res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' }).end(body)
  }

  private mediaPlaylist (res: ServerResponse): void {
    const newest = this.hlsSequence()
    const first = newest - 2
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${HLS_SEGMENT_S}`, `#EXT-X-MEDIA-SEQUENCE:${first}`]
    for (let n = first; n <= newest; n++) lines.push(`#EXTINF:${HLS_SEGMENT_S.toFixed(3)},`, `seg-${n}.ts`)
    res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-cache' }).end(lines.join('\n') + '\n')
  }

  private hlsSegment (res: ServerResponse): void {
    const body = tsPackets((this.state.kbps * 1000) / 8 * HLS_SEGMENT_S)
    res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': String(body.length) }).end(body)
  }
}
