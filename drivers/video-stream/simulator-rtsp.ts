// The RTSP side of the video-stream simulator: answers OPTIONS and DESCRIBE (RFC 2326 §10.1, §10.2)
// as an IP camera does, with an H.264 + AAC SDP (or audio only in `no-video` mode), optionally behind
// Basic or Digest auth (§15 / RFC 2617); and SETUP, PLAY and TEARDOWN (§10.4, §10.5, §10.7) of the
// video track with RTP interleaved on the connection (§10.12), sending H.264 RTP (RFC 6184, FU-A) at
// the configured bitrate. It never sends RTP over UDP: a SETUP asking for UDP gets 461 Unsupported
// Transport, and so does one asking for TCP when set up as a camera that only streams over UDP
// (`udpOnly`), which no client can time through a NAT. Outages: `offline` closes the port and drops every
// connection, `hang` accepts and never answers and stalls the streams already playing.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Socket } from 'node:net'
import { SimulatorPort } from '../simulator-port.js'
import { parseChallenges } from './auth.js'
import { RtpVideoSender } from './simulator-rtp.js'

export interface SimulatedAuth {
  username: string
  password: string
  scheme: 'digest' | 'basic'
  /** Which requests need it: DESCRIBE only (common), or every request. */
  scope: 'describe' | 'all'
}

export type OutageMode = 'online' | 'hang' | 'offline'

export interface RtspResponderState {
  mode: OutageMode
  auth: SimulatedAuth | null
  /** Extra delay before every answer, as a camera whose CPU is overloaded. */
  latencyMs: number
  /** The SDP to answer DESCRIBE with, built fresh for each request. */
  sdp: () => string
  /** The video bitrate a played stream is sent at. */
  kbps: number
  /** A camera set to stream over UDP only: RTP interleaved on the connection is refused. */
  udpOnly: boolean
}

export class RtspResponder {
  readonly realm = 'Jodapro'
  /** Counts, for tests: what was asked and how often auth was refused. */
  readonly counts = { options: 0, describe: 0, unauthorized: 0, setup: 0, play: 0, teardown: 0 }
  private readonly port: SimulatorPort
  private nonce = randomBytes(16).toString('hex')

  constructor (private readonly state: RtspResponderState, host: string, port: number) {
    this.port = new SimulatorPort(host, port)
  }

  get boundPort (): number {
    return this.port.number
  }

  async listen (): Promise<void> {
    await this.port.open(createServer((socket) => { this.accept(socket) }))
  }

  /** Closes the port and drops every connection, as a camera that lost power. */
  async close (): Promise<void> {
    await this.port.close()
  }

  /** A new nonce, as a camera issues after a reboot: clients must authenticate again. */
  rotateNonce (): void {
    this.nonce = randomBytes(16).toString('hex')
  }

  private accept (socket: Socket): void {
    socket.on('error', () => socket.destroy())
    const streams = new RtspConnectionStreams()
    socket.once('close', () => streams.stopAll())
    let buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      if (buffer.length > 256 * 1024) { socket.destroy(); return }
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buffer.subarray(0, end).toString('utf8')
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0)
        if (buffer.length < end + 4 + length) return
        buffer = buffer.subarray(end + 4 + length)
        if (this.state.mode === 'hang') continue // swallow the request: a camera whose software froze
        if (this.state.latencyMs <= 0) { this.answer(socket, head, streams); continue }
        const timer = setTimeout(() => { if (!socket.destroyed) this.answer(socket, head, streams) }, this.state.latencyMs)
        socket.once('close', () => clearTimeout(timer))
      }
    })
  }

  private answer (socket: Socket, head: string, streams: RtspConnectionStreams): void {
    const [requestLine = '', ...headerLines] = head.split('\r\n')
    const headers = new Map<string, string>()
    for (const line of headerLines) {
      const colon = line.indexOf(':')
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    const [method = '', uri = '', version = ''] = requestLine.split(' ')
    const cseq = headers.get('cseq') ?? '0'
    const reply = (status: string, extra: Record<string, string> = {}, body = ''): void => {
      const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: Jodapro-sim/1.0 (helserom-edge)', `Date: ${new Date().toUTCString()}`]
      for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`)
      if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
      socket.write(lines.join('\r\n') + '\r\n\r\n' + body)
    }
    if (!version.startsWith('RTSP/1.')) { reply('505 RTSP Version Not Supported'); return }
    const needsAuth = this.state.auth !== null && (this.state.auth.scope === 'all' || method === 'DESCRIBE')
    if (needsAuth && !this.authorised(method, uri, headers.get('authorization'))) {
      this.counts.unauthorized++
      reply('401 Unauthorized', { 'WWW-Authenticate': this.challenge() })
      return
    }
    if (method === 'OPTIONS') {
      this.counts.options++
      reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN' })
    } else if (method === 'DESCRIBE') {
      this.counts.describe++
      const base = uri.endsWith('/') ? uri : `${uri}/`
      reply('200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': base }, this.state.sdp())
    } else if (method === 'SETUP') {
      this.counts.setup++
      const transport = headers.get('transport') ?? ''
      const channels = /RTP\/AVP\/TCP[^,]*interleaved=(\d+)(?:-(\d+))?/i.exec(transport)
      if (!/trackID=1$/.test(uri)) { reply('404 Not Found'); return } // only the video track plays
      if (channels === null || this.state.udpOnly) { reply('461 Unsupported Transport'); return }
      const rtp = Number(channels[1])
      const session = streams.setup(rtp)
      reply('200 OK', { Transport: `RTP/AVP/TCP;unicast;interleaved=${rtp}-${rtp + 1}`, Session: `${session};timeout=60` })
    } else if (method === 'PLAY' || method === 'TEARDOWN') {
      const session = headers.get('session')?.split(';')[0]?.trim() ?? ''
      if (!streams.has(session)) { reply('454 Session Not Found'); return }
      if (method === 'TEARDOWN') {
        this.counts.teardown++
        streams.stop(session)
        reply('200 OK')
        return
      }
      this.counts.play++
      reply('200 OK', { Session: session, Range: 'npt=now-', 'RTP-Info': `url=${uri.replace(/\/?$/, '/')}trackID=1;seq=0;rtptime=0` })
      streams.play(session, socket, {
        kbps: () => this.state.kbps,
        sending: () => this.state.mode === 'online'
      })
    } else {
      reply('501 Not Implemented')
    }
  }

  private challenge (): string {
    if (this.state.auth?.scheme === 'basic') return `Basic realm="${this.realm}"`
    return `Digest realm="${this.realm}", nonce="${this.nonce}", algorithm=MD5, qop="auth"`
  }

  /** Checks an Authorization header the way the camera would, computing the digest independently. */
  private authorised (method: string, uri: string, authorization: string | undefined): boolean {
    const auth = this.state.auth
    if (auth === null) return true
    if (authorization === undefined) return false
    if (auth.scheme === 'basic') {
      return authorization === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    }
    const given = parseChallenges([authorization])[0]
    if (given?.scheme !== 'digest') return false
    const p = given.params
    if (p.username !== auth.username || p.nonce !== this.nonce || p.realm !== this.realm || p.uri !== uri) return false
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex')
    const ha1 = md5(`${auth.username}:${this.realm}:${auth.password}`)
    const ha2 = md5(`${method}:${p.uri}`)
    const expected = p.qop === 'auth'
      ? md5(`${ha1}:${this.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:auth:${ha2}`)
      : md5(`${ha1}:${this.nonce}:${ha2}`)
    return p.response === expected
  }
}

/** The sessions set up on one connection, each with the RTP sender once it plays. */
class RtspConnectionStreams {
  private readonly sessions = new Map<string, { channel: number, sender: RtpVideoSender | null }>()

  setup (channel: number): string {
    const id = randomBytes(6).toString('hex')
    this.sessions.set(id, { channel, sender: null })
    return id
  }

  has (id: string): boolean {
    return this.sessions.has(id)
  }

  play (id: string, socket: Socket, source: { kbps: () => number, sending: () => boolean }): void {
    const session = this.sessions.get(id)
    if (session === undefined || session.sender !== null) return
    session.sender = new RtpVideoSender(socket, session.channel, source)
    session.sender.start()
  }

  stop (id: string): void {
    this.sessions.get(id)?.sender?.stop()
    this.sessions.delete(id)
  }

  stopAll (): void {
    for (const id of [...this.sessions.keys()]) this.stop(id)
  }
}
