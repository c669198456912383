// HTTP Digest authentication (RFC 7616, MD5 with qop=auth) as cameras demand it on their snapshot
// URI: the simulator issues challenges and checks answers with this. (The driver answers
// challenges with the `onvif` library's own digest code, which real cameras have tested.)
import { createHash, randomBytes } from 'node:crypto'

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/** Splits `Digest a="b", c=d` into its parameters; quoted values may hold commas. */
export function parseDigestParams (header: string): Record<string, string> {
  const params: Record<string, string> = {}
  const body = header.replace(/^\s*Digest\s+/i, '')
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g
  for (const m of body.matchAll(re)) params[(m[1] as string).toLowerCase()] = m[2] ?? m[3] ?? ''
  return params
}

export class DigestGuard {
  private readonly nonces = new Map<string, number>()

  constructor (private readonly realm: string, private readonly nonceLifetimeMs = 5 * 60_000) {}

  /** A WWW-Authenticate header value with a fresh nonce. */
  challenge (now: number): string {
    const nonce = randomBytes(16).toString('hex')
    for (const [n, at] of this.nonces) if (now - at > this.nonceLifetimeMs) this.nonces.delete(n)
    if (this.nonces.size > 1000) this.nonces.clear()
    this.nonces.set(nonce, now)
    return `Digest realm="${this.realm}", qop="auth", nonce="${nonce}", algorithm=MD5`
  }

  /** True when `authorization` answers one of our challenges with the right password. */
  verify (authorization: string | undefined, method: string, url: string, username: string, password: string, now: number): boolean {
    if (authorization === undefined || !/^\s*Digest\s/i.test(authorization)) return false
    const p = parseDigestParams(authorization)
    const issued = p.nonce === undefined ? undefined : this.nonces.get(p.nonce)
    if (issued === undefined || now - issued > this.nonceLifetimeMs) return false
    if (p.username !== username || p.realm !== this.realm || p.uri !== url) return false
    const ha1 = md5(`${username}:${this.realm}:${password}`)
    const ha2 = md5(`${method}:${p.uri}`)
    const expected = p.qop === 'auth'
      ? md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:auth:${ha2}`)
      : md5(`${ha1}:${p.nonce}:${ha2}`)
    return expected === p.response
  }
}
