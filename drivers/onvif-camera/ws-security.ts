// WS-Security UsernameToken with PasswordDigest, as ONVIF cameras check it (ONVIF Core 5.12,
// OASIS UsernameToken Profile 1.0 §3.1): Digest = Base64(SHA-1(nonce bytes + Created + password)).
// The simulator uses this to check requests the way a camera does: right user, right digest,
// Created within the camera's clock tolerance, and no nonce used twice (replay protection).
import { createHash } from 'node:crypto'
import { textOf, path, type XmlElement } from './xml.js'

export interface UsernameToken {
  username: string
  password: string
  passwordType: 'digest' | 'text'
  nonce: string
  created: string
}

export type TokenCheck = { ok: true } | { ok: false, why: string }

export function passwordDigest (nonceBase64: string, created: string, password: string): string {
  const nonce = Buffer.from(nonceBase64, 'base64')
  return createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64')
}

/** The UsernameToken in a SOAP envelope's header, if there is one. */
export function readUsernameToken (envelope: XmlElement): UsernameToken | undefined {
  const token = path(envelope, 'Header', 'Security', 'UsernameToken')
  if (token === undefined) return undefined
  const passwordEl = token.children.find((c) => c.name === 'Password')
  return {
    username: textOf(token, 'Username') ?? '',
    password: passwordEl?.text.trim() ?? '',
    passwordType: (passwordEl?.attrs.Type ?? '').endsWith('#PasswordText') ? 'text' : 'digest',
    nonce: textOf(token, 'Nonce') ?? '',
    created: textOf(token, 'Created') ?? ''
  }
}

/** Remembers recent nonces for the tolerance window, so a captured request cannot be replayed. */
export class NonceCache {
  private readonly seen = new Map<string, number>()
  constructor (private readonly keepMs: number, private readonly max = 10_000) {}

  /** True the first time a nonce is offered within the window. */
  fresh (nonce: string, now: number): boolean {
    for (const [key, at] of this.seen) {
      if (now - at <= this.keepMs && this.seen.size <= this.max) break
      this.seen.delete(key) // insertion order = age order
    }
    if (this.seen.has(nonce)) return false
    this.seen.set(nonce, now)
    return true
  }

  clear (): void {
    this.seen.clear()
  }
}

export interface TokenCheckOptions {
  username: string
  password: string
  /** The camera's own clock (ms since epoch), which may be off from the client's. */
  cameraNow: number
  toleranceMs: number
  nonces: NonceCache
}

export function checkUsernameToken (token: UsernameToken, options: TokenCheckOptions): TokenCheck {
  if (token.username !== options.username) return { ok: false, why: 'unknown user' }
  if (token.passwordType === 'text') {
    return token.password === options.password ? { ok: true } : { ok: false, why: 'wrong password' }
  }
  const created = Date.parse(token.created)
  if (!Number.isFinite(created)) return { ok: false, why: 'no valid Created time' }
  if (Math.abs(created - options.cameraNow) > options.toleranceMs) {
    return { ok: false, why: `Created ${token.created} is outside the camera's clock window` }
  }
  if (token.nonce === '' || token.password !== passwordDigest(token.nonce, token.created, options.password)) {
    return { ok: false, why: 'wrong password digest' }
  }
  if (!options.nonces.fresh(token.nonce, options.cameraNow)) return { ok: false, why: 'nonce replayed' }
  return { ok: true }
}
