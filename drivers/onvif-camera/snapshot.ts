// Fetches the camera's still image from the URI GetSnapshotUri gave, the way a browser would:
// plain GET, answering an HTTP Digest or Basic challenge with the camera's credentials, with a
// deadline and a size limit. A good snapshot is an image/jpeg whose bytes start with the JPEG
// SOI marker — a camera that serves an HTML error page with status 200 does not pass.
import { request, type Agent } from 'node:http'

export interface SnapshotResult {
  ok: boolean
  /** Null when the check could not be made at all (e.g. an https URI we do not fetch). */
  checked: boolean
  status: number | null
  contentType: string | null
  bytes: number
  image: Buffer | null
  detail: string
}

export interface SnapshotOptions {
  agent: Agent
  timeoutMs: number
  username: string
  password: string
  /** The configured camera address: used when the URI names another host (NAT, stale DHCP). */
  host: string
  port: number
  /** Answers a Digest challenge (the `onvif` library's implementation). */
  digest: (challenges: string[], method: string, path: string) => string
  maxBytes?: number
}

const JPEG_SOI = [0xff, 0xd8, 0xff]

export function looksLikeJpeg (contentType: string | null, body: Buffer): boolean {
  return /^image\/jpe?g\b/i.test(contentType ?? '') && JPEG_SOI.every((b, i) => body[i] === b)
}

/** The URL to fetch: the camera's own, but at the configured host when it names another one. */
export function snapshotTarget (uri: string, host: string, port: number): URL {
  const url = new URL(uri, `http://${host}:${port}/`)
  if (url.hostname !== host && url.hostname !== `[${host}]`) {
    url.hostname = host
    url.port = String(port)
  }
  return url
}

interface RawReply { status: number, headers: Record<string, string | string[] | undefined>, rawHeaders: string[], body: Buffer, truncated: boolean }

async function get (url: URL, authorization: string | undefined, options: SnapshotOptions): Promise<RawReply> {
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024
  return await new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? 80 : Number(url.port),
      path: url.pathname + url.search,
      method: 'GET',
      agent: options.agent,
      headers: authorization === undefined ? {} : { Authorization: authorization }
    }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      let truncated = false
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBytes) { truncated = true; req.destroy(); return }
        chunks.push(chunk)
      })
      const done = (): void => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks), truncated }) }
      res.on('end', done)
      res.on('close', done) // after destroy() for size, 'end' never comes
      res.on('error', () => {})
    })
    const timer = setTimeout(() => { req.destroy(new Error(`no snapshot within ${options.timeoutMs} ms`)) }, options.timeoutMs)
    req.on('error', (err) => { clearTimeout(timer); reject(err) })
    req.end()
  })
}

function challengesOf (reply: RawReply, scheme: string): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < reply.rawHeaders.length; i += 2) {
    if ((reply.rawHeaders[i] as string).toLowerCase() === 'www-authenticate' && (reply.rawHeaders[i + 1] as string).toLowerCase().startsWith(scheme)) out.push(reply.rawHeaders[i + 1] as string)
  }
  return out
}

export async function fetchSnapshot (uri: string, options: SnapshotOptions): Promise<SnapshotResult> {
  let url: URL
  try {
    url = snapshotTarget(uri, options.host, options.port)
  } catch {
    return { ok: false, checked: true, status: null, contentType: null, bytes: 0, image: null, detail: `invalid snapshot URI ${uri}` }
  }
  if (url.protocol !== 'http:') {
    return { ok: false, checked: false, status: null, contentType: null, bytes: 0, image: null, detail: `snapshot over ${url.protocol} is not checked` }
  }
  try {
    let reply = await get(url, undefined, options)
    if (reply.status === 401 && options.username !== '') {
      const digest = challengesOf(reply, 'digest')
      const basic = challengesOf(reply, 'basic')
      const authorization = digest.length > 0
        ? options.digest(digest, 'GET', url.pathname + url.search)
        : basic.length > 0 ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}` : undefined
      if (authorization !== undefined) reply = await get(url, authorization, options)
    }
    const contentType = typeof reply.headers['content-type'] === 'string' ? reply.headers['content-type'] : null
    const base = { checked: true, status: reply.status, contentType, bytes: reply.body.length }
    if (reply.truncated) return { ...base, ok: false, image: null, detail: 'snapshot larger than the limit' }
    if (reply.status !== 200) return { ...base, ok: false, image: null, detail: `HTTP ${reply.status}` }
    if (!looksLikeJpeg(contentType, reply.body)) return { ...base, ok: false, image: null, detail: `not a JPEG (${contentType ?? 'no content type'})` }
    return { ...base, ok: true, image: reply.body, detail: 'ok' }
  } catch (err) {
    return { ok: false, checked: true, status: null, contentType: null, bytes: 0, image: null, detail: (err as Error).message }
  }
}
