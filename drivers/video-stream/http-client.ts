// One HTTP(S) GET as a stream source's probe needs it: a fresh connection each time (no keep-alive:
// nothing may stay open between polls), redirects followed, a 401 answered with Basic or Digest when
// credentials are configured, and every error status turned into a ProbeError. The caller reads the
// body itself, because how it is read (a window, a whole playlist) is what it measures.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Authenticator, parseChallenges, pickChallenge } from './auth.js'
import type { Credentials } from './config.js'
import { abortReason } from './deadline.js'
import { ProbeError } from './probe.js'

export interface HttpGetOptions {
  credentials: Credentials | null
  tlsVerify: boolean
  /** Aborts the request (with the signal's reason) until the response headers are in. */
  signal: AbortSignal
  accept?: string
}

export interface HttpAnswer {
  response: IncomingMessage
  /** Where the answer finally came from, after redirects (for resolving relative URIs). */
  url: URL
}

const MAX_REDIRECTS = 3

export async function httpGet (start: URL, options: HttpGetOptions): Promise<HttpAnswer> {
  let url = start
  let authenticator: Authenticator | null = null
  let challenged = false
  for (let hops = 0; hops <= MAX_REDIRECTS + 1;) {
    const response = await send(url, options, authenticator)
    const status = response.statusCode ?? 0
    if (status === 401 && !challenged && options.credentials !== null) {
      const challenge = pickChallenge(parseChallenges(headerLines(response, 'www-authenticate')))
      response.destroy()
      if (challenge === null) throw new ProbeError({ kind: 'auth', status, detail: `GET ${url.href}: no supported auth scheme offered` })
      authenticator = new Authenticator(challenge, options.credentials)
      challenged = true
      continue
    }
    if (status >= 300 && status < 400 && response.headers.location !== undefined && hops < MAX_REDIRECTS) {
      response.destroy()
      url = new URL(response.headers.location, url)
      hops++
      continue
    }
    if (status >= 200 && status < 300) return { response, url }
    response.destroy()
    if (status === 401 || status === 403) {
      const detail = options.credentials === null ? 'needs a username and password, and none is configured' : 'the username or password was refused'
      throw new ProbeError({ kind: 'auth', status, detail: `GET ${url.href}: ${status}: ${detail}` })
    }
    if (status === 404 || status === 410) throw new ProbeError({ kind: 'not-found', status, detail: `GET ${url.href}: ${status} ${response.statusMessage ?? ''}`.trim() })
    throw new ProbeError({ kind: 'status', status, detail: `GET ${url.href}: ${status} ${response.statusMessage ?? ''}`.trim() })
  }
  throw new ProbeError({ kind: 'protocol', detail: `GET ${start.href}: too many redirects` })
}

async function send (url: URL, options: HttpGetOptions, authenticator: Authenticator | null): Promise<IncomingMessage> {
  const headers: Record<string, string> = { 'User-Agent': 'helserom-edge', Accept: options.accept ?? '*/*' }
  if (authenticator !== null) headers.Authorization = authenticator.header('GET', url.pathname + url.search)
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, headers, rejectUnauthorized: options.tlsVerify })
    const onAbort = (): void => { req.destroy(abortReason(options.signal) as Error) }
    const cleanup = (): void => { options.signal.removeEventListener('abort', onAbort) }
    req.once('response', (res) => { cleanup(); resolve(res) })
    req.once('error', (err) => { cleanup(); reject(err) })
    if (options.signal.aborted) onAbort()
    else options.signal.addEventListener('abort', onAbort, { once: true })
    req.end()
  })
}

function headerLines (response: IncomingMessage, name: string): string[] {
  const lines: string[] = []
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    if (response.rawHeaders[i]?.toLowerCase() === name) lines.push(response.rawHeaders[i + 1] ?? '')
  }
  return lines
}

/** Reads a whole (small) body, refusing one larger than `maxBytes`. */
export async function readBody (response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  return await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const onAbort = (): void => { response.destroy(); finish(abortReason(signal)) }
    const finish = (err: unknown, body?: Buffer): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      response.removeAllListeners('data')
      if (err !== null) reject(err)
      else resolve(body ?? Buffer.alloc(0))
    }
    response.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        response.destroy()
        finish(new ProbeError({ kind: 'protocol', detail: `the answer is larger than ${maxBytes} bytes` }))
        return
      }
      chunks.push(chunk)
    })
    response.once('end', () => { finish(null, Buffer.concat(chunks)) })
    response.once('error', (err) => { finish(err) })
    response.once('close', () => { if (!response.complete) finish(new ProbeError({ kind: 'reset', detail: 'the connection was dropped mid-answer' })) })
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}
