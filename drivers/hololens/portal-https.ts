// One HTTPS exchange with a Device Portal under one deadline. The TLS connection is opened first
// and the device's certificate checked — against the pinned fingerprint, or by ordinary CA and
// host-name verification when nothing is pinned — before a byte of the request (and so the Basic
// credentials) is written; only then does node:http speak HTTP/1.1 over that socket. Node's https
// client cannot do this for a pinned self-signed certificate: with rejectUnauthorized it refuses
// it outright, without it our check would run after the request had already left.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { describeCertificate, pinMatches, type CertPin, type SeenCertificate } from './cert-pin.js'

export type TransportFailure =
  | 'unreachable' | 'timeout' | 'aborted'
  | 'tls-failed' | 'tls-untrusted' | 'tls-pin-mismatch'
  | 'bad-reply'

export class TransportError extends Error {
  constructor (
    readonly kind: TransportFailure,
    message: string,
    /** A short technical cause (an errno code, an OpenSSL verify code) for logs and IT. */
    readonly detail: string,
    /** The certificate the device presented, when TLS got that far. */
    readonly certificate: SeenCertificate | null = null
  ) {
    super(message)
    this.name = 'TransportError'
  }
}

export interface ExchangeOptions {
  /** https://host[:port] */
  origin: URL
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path and query. */
  path: string
  headers: Record<string, string>
  body?: string
  /** Connect + TLS + request + reply all within this (plus `sampleForMs` when sampling). */
  timeoutMs: number
  pin: CertPin | null
  /** Extra trust anchors for CA verification (tests; a hospital CA). Ignored when a pin is set. */
  ca?: string | Buffer | Array<string | Buffer>
  signal?: AbortSignal
  /** Replies larger than this are refused; Device Portal JSON is a few KB (processes: ~13 KB). */
  maxBodyBytes?: number
  /** Count the body's bytes for this long after the headers instead of keeping it (a live stream). */
  sampleForMs?: number
}

export interface Exchange {
  status: number
  statusMessage: string
  headers: IncomingHttpHeaders
  /** Empty when sampling. */
  body: Buffer
  bytes: number
  /** From the reply's headers to the end of the body or of the sampling window. */
  bodyMs: number
  /** The server ended the body itself (false when we cut a stream off at the window's end). */
  ended: boolean
  certificate: SeenCertificate | null
}

const DEFAULT_MAX_BODY = 2 * 1024 * 1024
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT',
  'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'EADDRNOTAVAIL'
])

export async function exchange (options: ExchangeOptions): Promise<Exchange> {
  return await new Promise<Exchange>((resolve, reject) => {
    const host = options.origin.hostname.replace(/^\[|\]$/g, '')
    const port = options.origin.port === '' ? 443 : Number(options.origin.port)
    const where = `${options.origin.host}${options.path.split('?')[0] ?? ''}`
    let settled = false
    let socket: TLSSocket | null = null
    let sampleTimer: NodeJS.Timeout | null = null
    let certificate: SeenCertificate | null = null

    const finish = (error: TransportError | null, result?: Exchange): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      if (sampleTimer !== null) clearTimeout(sampleTimer)
      options.signal?.removeEventListener('abort', onAbort)
      socket?.destroy()
      if (error !== null) reject(error)
      else if (result !== undefined) resolve(result)
    }
    const deadline = setTimeout(() => {
      finish(new TransportError('timeout', `no complete answer from ${where} within ${options.timeoutMs} ms`, `no answer within ${options.timeoutMs} ms`, certificate))
    }, options.timeoutMs + (options.sampleForMs ?? 0))
    const onAbort = (): void => finish(new TransportError('aborted', `request to ${where} was cancelled`, 'aborted'))
    if (options.signal?.aborted === true) { onAbort(); return }
    options.signal?.addEventListener('abort', onAbort, { once: true })

    const tlsSocket = tlsConnect({
      host,
      port,
      // SNI carries host names only; Node warns when given an IP address.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      // We decide trust ourselves in onSecure, before anything is written.
      rejectUnauthorized: false,
      ...(options.pin === null && options.ca !== undefined ? { ca: options.ca } : {}),
      ALPNProtocols: ['http/1.1']
    })
    socket = tlsSocket
    tlsSocket.on('error', (err) => finish(classify(err, where, certificate)))
    tlsSocket.once('secureConnect', () => {
      const peer = tlsSocket.getPeerCertificate(false)
      certificate = describeCertificate(peer)
      const refusal = trustProblem(tlsSocket, peer, options.pin, certificate, where)
      if (refusal !== null) { finish(refusal); return }
      send(tlsSocket)
    })

    const send = (connected: TLSSocket): void => {
      const req = httpRequest({
        method: options.method,
        path: options.path,
        headers: { Host: options.origin.host, ...options.headers },
        createConnection: () => connected
      })
      req.on('error', (err) => finish(classify(err, where, certificate)))
      req.on('response', (res) => receive(res))
      req.end(options.body)
    }

    const receive = (res: IncomingMessage): void => {
      const started = performance.now()
      const chunks: Buffer[] = []
      const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY
      let bytes = 0
      const result = (ended: boolean): Exchange => ({
        status: res.statusCode ?? 0,
        statusMessage: res.statusMessage ?? '',
        headers: res.headers,
        body: Buffer.concat(chunks),
        bytes,
        bodyMs: performance.now() - started,
        ended,
        certificate
      })
      if (options.sampleForMs !== undefined) {
        sampleTimer = setTimeout(() => finish(null, result(false)), options.sampleForMs)
      }
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (options.sampleForMs !== undefined) return
        if (bytes > max) {
          finish(new TransportError('bad-reply', `${where} sent more than ${max} bytes`, 'reply too large', certificate))
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => finish(null, result(true)))
      res.on('error', (err) => finish(classify(err, where, certificate)))
      res.on('aborted', () => finish(new TransportError('unreachable', `${where} broke off its reply`, 'reply aborted', certificate)))
    }
  })
}

/** Null when the connection may carry our request; otherwise why not. */
function trustProblem (socket: TLSSocket, peer: { raw?: Buffer }, pin: CertPin | null, seen: SeenCertificate | null, where: string): TransportError | null {
  if (seen === null || peer.raw === undefined) {
    return new TransportError('tls-failed', `${where} presented no certificate`, 'no peer certificate')
  }
  if (pin !== null) {
    if (pinMatches(pin, peer)) return null
    return new TransportError('tls-pin-mismatch', `the certificate of ${where} is not the pinned one (seen ${seen.pin})`, 'pin mismatch', seen)
  }
  if (socket.authorized) return null
  const why = String(socket.authorizationError ?? 'unknown verification error')
  return new TransportError('tls-untrusted', `the certificate of ${where} is not trusted: ${why}`, why, seen)
}

function classify (err: unknown, where: string, certificate: SeenCertificate | null): TransportError {
  const e = err as NodeJS.ErrnoException & { library?: string, reason?: string }
  const code = e.code ?? ''
  if (UNREACHABLE_CODES.has(code) || /socket hang up/i.test(e.message)) {
    return new TransportError('unreachable', `cannot reach ${where}: ${code !== '' ? code : e.message}`, code !== '' ? code : e.message, certificate)
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || e.library !== undefined) {
    return new TransportError('tls-failed', `TLS with ${where} failed: ${e.reason ?? e.message}`, code !== '' ? code : (e.reason ?? e.message), certificate)
  }
  if (code.startsWith('HPE_')) {
    return new TransportError('bad-reply', `${where} did not answer HTTP: ${e.message}`, code, certificate)
  }
  return new TransportError('unreachable', `cannot reach ${where}: ${e.message}`, code !== '' ? code : e.message, certificate)
}
