// A minimal RTSP/1.0 client connection (RFC 2326) over node:net or node:tls: enough to ask a camera
// OPTIONS and DESCRIBE and read its answers, and — for the pre-session check's bitrate, never the
// routine poll — to SETUP and PLAY with RTP interleaved on the connection (§10.12) and hand each
// `$`-framed packet to a listener. Responses are parsed by `parseRtspResponse`.
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { abortReason } from './deadline.js'
import { ProbeError } from './probe.js'

export interface RtspResponse {
  status: number
  reason: string
  /** Header values by lower-case name; a header sent several times (WWW-Authenticate) keeps each. */
  headers: Map<string, string[]>
  body: Buffer
}

export function header (response: RtspResponse, name: string): string | undefined {
  return response.headers.get(name.toLowerCase())?.[0]
}

/** Limits that keep a broken or hostile device from making us buffer without end. */
const MAX_HEADER_BYTES = 64 * 1024
const MAX_BODY_BYTES = 1024 * 1024

/**
 * Parses one response from the start of `buf`. Returns null when more bytes are needed; throws a
 * `protocol` ProbeError when the bytes are not an RTSP response. Interleaved binary frames
 * (RFC 2326 §10.12, `$` + channel + length) in front of it are skipped.
 */
export function parseRtspResponse (buf: Buffer): { response: RtspResponse, rest: Buffer } | null {
  let offset = 0
  while (buf[offset] === 0x24) { // '$'
    if (buf.length < offset + 4) return null
    offset += 4 + buf.readUInt16BE(offset + 2)
    if (buf.length < offset) return null
  }
  const data = buf.subarray(offset)
  if (data.length >= 5 && data.subarray(0, 5).toString('latin1') !== 'RTSP/') {
    throw new ProbeError({ kind: 'protocol', detail: `the answer is not RTSP (starts with ${JSON.stringify(data.subarray(0, 16).toString('latin1'))})` })
  }
  let end = data.indexOf('\r\n\r\n')
  let sepLength = 4
  if (end < 0) {
    end = data.indexOf('\n\n') // some cameras end lines with LF only
    sepLength = 2
  }
  if (end < 0) {
    if (data.length > MAX_HEADER_BYTES) throw new ProbeError({ kind: 'protocol', detail: 'RTSP response headers too long' })
    return null
  }
  const lines = data.subarray(0, end).toString('utf8').split(/\r?\n/)
  const statusLine = /^RTSP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(lines[0] ?? '')
  if (statusLine === null) throw new ProbeError({ kind: 'protocol', detail: `bad RTSP status line ${JSON.stringify(lines[0]?.slice(0, 80))}` })
  const headers = new Map<string, string[]>()
  let last: string | null = null
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && last !== null) { // folded continuation line
      const values = headers.get(last)
      if (values !== undefined && values.length > 0) values[values.length - 1] += ' ' + line.trim()
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    last = line.slice(0, colon).trim().toLowerCase()
    const values = headers.get(last) ?? []
    values.push(line.slice(colon + 1).trim())
    headers.set(last, values)
  }
  const length = Number(headers.get('content-length')?.[0] ?? '0')
  if (!Number.isInteger(length) || length < 0 || length > MAX_BODY_BYTES) {
    throw new ProbeError({ kind: 'protocol', detail: `bad RTSP Content-Length ${String(headers.get('content-length')?.[0])}` })
  }
  const bodyStart = end + sepLength
  if (data.length < bodyStart + length) return null
  return {
    response: { status: Number(statusLine[1]), reason: statusLine[2] ?? '', headers, body: data.subarray(bodyStart, bodyStart + length) },
    rest: data.subarray(bodyStart + length)
  }
}

export interface RtspEndpoint {
  host: string
  port: number
  tls: boolean
  tlsVerify: boolean
}

/** An RTP or RTCP packet interleaved on the RTSP connection (RFC 2326 §10.12). */
export type InterleavedListener = (channel: number, packet: Buffer) => void

/** One TCP (or TLS) connection to an RTSP server; requests go one at a time, each with its CSeq. */
export class RtspConnection {
  private buffer: Buffer = Buffer.alloc(0)
  private cseq = 0
  private waiting: { resolve: (r: RtspResponse) => void, reject: (e: unknown) => void } | null = null
  private closedWith: unknown = null
  /** Receives the interleaved packets after PLAY; without one they are read and dropped. */
  onInterleaved: InterleavedListener | null = null

  private constructor (private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => { this.onData(chunk) })
    socket.on('error', (err) => { this.fail(err) })
    socket.on('close', () => { this.fail(new ProbeError({ kind: 'reset', detail: 'the RTSP server closed the connection' })) })
  }

  /** Connects, or rejects with a socket error / the signal's reason. */
  static async open (endpoint: RtspEndpoint, signal: AbortSignal): Promise<RtspConnection> {
    return await new Promise((resolve, reject) => {
      const socket = endpoint.tls
        ? tlsConnect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: endpoint.tlsVerify, ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}) })
        : netConnect({ host: endpoint.host, port: endpoint.port })
      const onAbort = (): void => { socket.destroy(); reject(abortReason(signal)) }
      const cleanup = (): void => {
        signal.removeEventListener('abort', onAbort)
        socket.removeListener('error', onError)
      }
      const onError = (err: Error): void => { cleanup(); socket.destroy(); reject(err) }
      socket.once('error', onError)
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => { cleanup(); resolve(new RtspConnection(socket)) })
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Sends a request and waits for its response. `uri` is the request URI, without credentials. */
  async request (method: string, uri: string, headers: Record<string, string>, signal: AbortSignal): Promise<RtspResponse> {
    if (this.closedWith !== null) throw this.closedWith
    if (this.waiting !== null) throw new Error('one RTSP request at a time')
    this.cseq++
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${this.cseq}`, 'User-Agent: helserom-edge', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
    const sent = this.cseq
    const response = await new Promise<RtspResponse>((resolve, reject) => {
      const onAbort = (): void => { this.waiting = null; reject(abortReason(signal)) }
      if (signal.aborted) { onAbort(); return }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiting = {
        resolve: (r) => { signal.removeEventListener('abort', onAbort); resolve(r) },
        reject: (e) => { signal.removeEventListener('abort', onAbort); reject(e) }
      }
      this.socket.write(lines.join('\r\n') + '\r\n\r\n')
      this.onData(Buffer.alloc(0))
    })
    const echoed = response.headers.get('cseq')?.[0]
    if (echoed !== undefined && Number(echoed) !== sent) {
      throw new ProbeError({ kind: 'protocol', detail: `RTSP answer to CSeq ${echoed}, expected ${sent}` })
    }
    return response
  }

  get isClosed (): boolean {
    return this.closedWith !== null
  }

  close (): void {
    this.closedWith ??= new ProbeError({ kind: 'reset', detail: 'connection closed' })
    this.socket.destroy()
  }

  private onData (chunk: Buffer): void {
    if (chunk.length > 0) this.buffer = Buffer.concat([this.buffer, chunk])
    for (;;) {
      this.takeInterleaved()
      if (this.waiting === null || this.buffer.length === 0 || this.buffer[0] === 0x24) break
      try {
        const parsed = parseRtspResponse(this.buffer)
        if (parsed === null) break
        this.buffer = parsed.rest
        const waiting = this.waiting
        this.waiting = null
        waiting.resolve(parsed.response)
      } catch (err) {
        this.fail(err)
        return
      }
    }
    if (this.buffer.length > MAX_HEADER_BYTES + MAX_BODY_BYTES) this.fail(new ProbeError({ kind: 'protocol', detail: 'the RTSP server sends data nobody asked for' }))
  }

  /** Hands every whole `$` + channel + length frame at the front of the buffer to the listener. */
  private takeInterleaved (): void {
    let offset = 0
    while (this.buffer[offset] === 0x24 && this.buffer.length >= offset + 4) {
      const length = this.buffer.readUInt16BE(offset + 2)
      if (this.buffer.length < offset + 4 + length) break
      this.onInterleaved?.(this.buffer[offset + 1]!, this.buffer.subarray(offset + 4, offset + 4 + length))
      offset += 4 + length
    }
    if (offset > 0) this.buffer = this.buffer.subarray(offset)
  }

  private fail (err: unknown): void {
    this.closedWith ??= err
    const waiting = this.waiting
    this.waiting = null
    waiting?.reject(err)
    this.socket.destroy()
  }
}
