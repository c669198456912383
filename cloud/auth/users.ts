// The hub's users and what each may see. Roles (DESIGN.md, "HTTP surfaces"):
//   it          every room, everything, including live readings (IT troubleshoots sensors too)
//   specialist  the rooms listed in `rooms` (or every room with rooms: ["*"]), everything including
//               live readings — the listing is required, so that access to patient data is always a
//               deliberate line in the config, never a default
//   staff       the rooms listed in `rooms`: readiness and online state only (what the light shows)
// Tokens are checked against `tokenHash`: sha256 hashes by lookup, scrypt hashes one by one with a
// bounded cache so that a dashboard polling with the same token does not pay scrypt every time.
import { createHash } from 'node:crypto'
import type { Role, UserConfig } from '../config.js'
import { parseHash, tokenDigest, verifyPassword } from './passwords.js'

export type { Role }

export interface HubUser {
  readonly name: string
  readonly role: Role
  /** '*' for every room. */
  readonly rooms: '*' | ReadonlySet<string>
}

export function canSeeRoom (user: HubUser, room: string): boolean {
  return user.rooms === '*' || user.rooms.has(room)
}

/** Live sensor readings (patient data): specialists and IT only, in rooms they may see. */
export function canSeeReadings (user: HubUser, room: string): boolean {
  return (user.role === 'specialist' || user.role === 'it') && canSeeRoom(user, room)
}

/** Everything about a room beyond readiness (devices, network, checks, schedule). */
export function canSeeRoomDetail (user: HubUser, room: string): boolean {
  return user.role !== 'staff' && canSeeRoom(user, room)
}

export function seesEveryRoom (user: HubUser): boolean {
  return user.rooms === '*'
}

const CACHE_LIMIT = 1000
const NEGATIVE_TTL_MS = 60_000

export class UserDirectory {
  private readonly byDigest = new Map<string, HubUser>()
  private readonly scryptUsers: Array<{ user: HubUser, hash: string }> = []
  private readonly verified = new Map<string, HubUser>()
  private readonly refused = new Map<string, number>()
  readonly users: readonly HubUser[]

  constructor (configs: readonly UserConfig[], private readonly clock: () => number = Date.now) {
    const users: HubUser[] = []
    for (const c of configs) {
      const user: HubUser = {
        name: c.name,
        role: c.role,
        rooms: c.role === 'it' || c.rooms?.includes('*') === true ? '*' : new Set(c.rooms ?? [])
      }
      users.push(user)
      const parsed = parseHash(c.tokenHash)
      if (parsed?.algorithm === 'sha256') this.byDigest.set(parsed.key.toString('base64'), user)
      else if (parsed?.algorithm === 'scrypt') this.scryptUsers.push({ user, hash: c.tokenHash })
    }
    this.users = users
  }

  byName (name: string): HubUser | undefined {
    return this.users.find((u) => u.name === name)
  }

  /** The user a bearer token belongs to, or null. Never throws. */
  async authenticateToken (token: string | undefined): Promise<HubUser | null> {
    if (token === undefined || token.length === 0 || token.length > 1024) return null
    const digest = tokenDigest(token)
    const direct = this.byDigest.get(digest)
    if (direct !== undefined) return direct
    if (this.scryptUsers.length === 0) return null
    const key = createHash('sha256').update('cache:').update(digest).digest('base64')
    const cached = this.verified.get(key)
    if (cached !== undefined) return cached
    const refusedAt = this.refused.get(key)
    if (refusedAt !== undefined && this.clock() - refusedAt < NEGATIVE_TTL_MS) return null
    for (const { user, hash } of this.scryptUsers) {
      if (await verifyPassword(token, hash)) {
        remember(this.verified, key, user)
        return user
      }
    }
    remember(this.refused, key, this.clock())
    return null
  }
}

function remember<V> (map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_LIMIT) {
    const oldest = map.keys().next().value
    if (oldest !== undefined) map.delete(oldest)
  }
  map.set(key, value)
}
