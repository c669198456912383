// Password and token hashes in self-describing strings (what `helserom hash-password` prints),
// shared by the hub (gateway and user credentials) and the gateway (Node-RED login, local admin),
// so that one command and one format serve both configs. Self-describing, so that the cost can
// be raised later without breaking old hashes:
//   scrypt$N$r$p$<salt base64>$<hash base64>   for passwords (gateways) and human-chosen tokens
//   sha256$<hash base64>                        for generated bearer tokens (256 random bits: a slow
//                                               hash adds nothing, and it can be looked up in O(1))
// Verification is constant-time and never throws for a malformed hash (it is simply not a match).
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'

export interface ScryptParams { N: number, r: number, p: number }

/** OWASP's minimum for scrypt (N=2^17, r=8, p=1) costs 128 MiB per hash; 2^15 is its lower-memory equivalent with p=3. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 }
const KEY_LENGTH = 32
const SALT_LENGTH = 16

async function scrypt (password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 }
  return await new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => { err !== null ? reject(err) : resolve(key) })
  })
}

/** Hashes a password for the config (`helserom hash-password`). */
export async function hashPassword (password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (password.length === 0) throw new TypeError('refusing to hash an empty password')
  const salt = randomBytes(SALT_LENGTH)
  const key = await scrypt(password, salt, params)
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

interface ParsedScrypt { algorithm: 'scrypt', params: ScryptParams, salt: Buffer, key: Buffer }
interface ParsedSha256 { algorithm: 'sha256', key: Buffer }
export type ParsedHash = ParsedScrypt | ParsedSha256

const b64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Parses a stored hash; null when it is not one of ours. */
export function parseHash (stored: string): ParsedHash | null {
  const parts = stored.split('$')
  if (parts[0] === 'sha256' && parts.length === 2 && b64.test(parts[1] ?? '')) {
    const key = Buffer.from(parts[1] ?? '', 'base64')
    return key.length === 32 ? { algorithm: 'sha256', key } : null
  }
  if (parts[0] !== 'scrypt' || parts.length !== 6) return null
  const [, n, r, p, salt, key] = parts
  const params = { N: Number(n), r: Number(r), p: Number(p) }
  if (!Number.isInteger(params.N) || params.N < 2 || (params.N & (params.N - 1)) !== 0 || params.N > 2 ** 20) return null
  if (!Number.isInteger(params.r) || params.r < 1 || params.r > 32) return null
  if (!Number.isInteger(params.p) || params.p < 1 || params.p > 16) return null
  if (salt === undefined || key === undefined || !b64.test(salt) || !b64.test(key)) return null
  const keyBuf = Buffer.from(key, 'base64')
  const saltBuf = Buffer.from(salt, 'base64')
  if (keyBuf.length < 16 || saltBuf.length < 8) return null
  return { algorithm: 'scrypt', params, salt: saltBuf, key: keyBuf }
}

/** A sentence saying why a configured hash cannot be used, or null when it is fine. */
export function describeHashProblem (stored: string, allowed: ReadonlyArray<ParsedHash['algorithm']>): string | null {
  const parsed = parseHash(stored)
  const example = allowed.includes('sha256') ? 'sha256$… or scrypt$N$r$p$salt$hash' : 'scrypt$N$r$p$salt$hash'
  if (parsed === null) return `is not a hash from \`helserom hash-password\` (expected ${example})`
  if (!allowed.includes(parsed.algorithm)) return `${parsed.algorithm} hashes are only for generated tokens; use \`helserom hash-password\` (scrypt)`
  return null
}

/** Checks a password (or token) against a stored hash in constant time. Never throws. */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored)
  if (parsed === null) return false
  try {
    const actual = parsed.algorithm === 'sha256'
      ? sha256(password)
      : await scrypt(password, parsed.salt, parsed.params).then((k) => k.subarray(0, parsed.key.length))
    return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key)
  } catch {
    return false
  }
}

function sha256 (value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** A new bearer token: 32 random bytes, base64url (43 characters). */
export function generateToken (): string {
  return randomBytes(32).toString('base64url')
}

/** The stored form of a generated token (`helserom hash-password --token`). */
export function hashToken (token: string): string {
  if (token.length < 16) throw new TypeError('a token must be at least 16 characters (use a generated one)')
  return `sha256$${sha256(token).toString('base64')}`
}

/** The lookup key of a token: the same digest a `sha256$` hash stores. */
export function tokenDigest (token: string): string {
  return sha256(token).toString('base64')
}

/** Constant-time equality of two strings (for secrets compared in memory). */
export function safeEqual (a: string, b: string): boolean {
  const da = sha256(a)
  const db = sha256(b)
  return timingSafeEqual(da, db)
}
