// HTTP-style authentication as RTSP (RFC 2326 §15, which borrows RFC 2617) and HTTP stream sources
// use it: parse the WWW-Authenticate challenges of a 401, and answer with Basic or Digest
// (RFC 2617 / RFC 7616: MD5, MD5-sess, SHA-256; qop=auth or the older RFC 2069 form). Pure.
import { createHash, randomBytes } from 'node:crypto'
import type { Credentials } from './config.js'

export interface AuthChallenge {
  scheme: 'basic' | 'digest' | string
  params: Record<string, string>
}

/**
 * Every challenge in the WWW-Authenticate header lines of a response. One line normally holds one
 * challenge; a line holding several (`Digest realm="a", nonce="b", Basic realm="a"`) is split where
 * a comma-separated element starts with a scheme name instead of `param=`.
 */
export function parseChallenges (headerLines: readonly string[]): AuthChallenge[] {
  const challenges: AuthChallenge[] = []
  for (const line of headerLines) {
    let current: AuthChallenge | null = null
    for (const element of splitOutsideQuotes(line)) {
      const param = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/s.exec(element)
      const start = param === null ? /^([A-Za-z][A-Za-z0-9_-]*)(?:\s+(.*))?$/s.exec(element) : null
      if (start !== null) {
        current = { scheme: (start[1] ?? '').toLowerCase(), params: {} }
        challenges.push(current)
        const rest = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/s.exec(start[2] ?? '')
        if (rest !== null) current.params[(rest[1] ?? '').toLowerCase()] = unquote(rest[2] ?? '')
      } else if (param !== null && current !== null) {
        current.params[(param[1] ?? '').toLowerCase()] = unquote(param[2] ?? '')
      }
    }
  }
  return challenges
}

function splitOutsideQuotes (line: string): string[] {
  const out: string[] = []
  let quoted = false
  let item = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '\\' && quoted) { item += c + (line[i + 1] ?? ''); i++; continue }
    if (c === '"') quoted = !quoted
    if (c === ',' && !quoted) { out.push(item.trim()); item = ''; continue }
    item += c
  }
  out.push(item.trim())
  return out.filter((e) => e !== '')
}

function unquote (value: string): string {
  const v = value.trim()
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v
}

/** The challenge we answer: Digest (SHA-256 before MD5) over Basic, which sends the password in clear. */
export function pickChallenge (challenges: readonly AuthChallenge[]): AuthChallenge | null {
  const digest = challenges.filter((c) => c.scheme === 'digest' && hashOf(c.params.algorithm) !== null)
  const strongest = digest.find((c) => /sha-256/i.test(c.params.algorithm ?? '')) ?? digest[0]
  return strongest ?? challenges.find((c) => c.scheme === 'basic') ?? null
}

/** Answers one challenge; `nc` counts the requests made with the same nonce (RFC 2617 §3.2.2). */
export class Authenticator {
  private nc = 0

  constructor (readonly challenge: AuthChallenge, private readonly credentials: Credentials, private readonly cnonce = randomBytes(8).toString('hex')) {}

  /** The Authorization header value for `method uri`. */
  header (method: string, uri: string): string {
    if (this.challenge.scheme === 'basic') {
      return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`
    }
    this.nc++
    return digestHeader(this.challenge.params, this.credentials, method, uri, this.nc, this.cnonce)
  }
}

function hashOf (algorithm: string | undefined): ((s: string) => string) | null {
  const name = (algorithm ?? 'MD5').toUpperCase().replace(/-SESS$/, '')
  const node = name === 'MD5' ? 'md5' : name === 'SHA-256' ? 'sha256' : null
  if (node === null) return null
  return (s: string) => createHash(node).update(s, 'utf8').digest('hex')
}

export function digestResponse (params: Record<string, string>, credentials: Credentials, method: string, uri: string, nc: number, cnonce: string): { response: string, qop: string | null, ncHex: string } {
  const h = hashOf(params.algorithm) ?? hashOf('MD5')
  if (h === null) throw new Error('unreachable: MD5 is always available')
  const realm = params.realm ?? ''
  const nonce = params.nonce ?? ''
  let ha1 = h(`${credentials.username}:${realm}:${credentials.password}`)
  if (/-sess$/i.test(params.algorithm ?? '')) ha1 = h(`${ha1}:${nonce}:${cnonce}`)
  const ha2 = h(`${method}:${uri}`)
  const offered = (params.qop ?? '').split(',').map((q) => q.trim().toLowerCase())
  const ncHex = nc.toString(16).padStart(8, '0')
  if (offered.includes('auth')) {
    return { response: h(`${ha1}:${nonce}:${ncHex}:${cnonce}:auth:${ha2}`), qop: 'auth', ncHex }
  }
  return { response: h(`${ha1}:${nonce}:${ha2}`), qop: null, ncHex }
}

function digestHeader (params: Record<string, string>, credentials: Credentials, method: string, uri: string, nc: number, cnonce: string): string {
  const { response, qop, ncHex } = digestResponse(params, credentials, method, uri, nc, cnonce)
  const quote = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(params.realm ?? '')}`,
    `nonce=${quote(params.nonce ?? '')}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`
  ]
  if (params.algorithm !== undefined) parts.push(`algorithm=${params.algorithm}`)
  if (params.opaque !== undefined) parts.push(`opaque=${quote(params.opaque)}`)
  if (qop !== null) parts.push(`qop=${qop}`, `nc=${ncHex}`, `cnonce=${quote(cnonce)}`)
  return `Digest ${parts.join(', ')}`
}
