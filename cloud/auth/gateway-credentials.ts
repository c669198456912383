// Gateways' credentials: a user name (the room's, unless the config names one) and a password whose
// scrypt hash is in the hub config. One place checks them for every surface a gateway uses — the
// MQTT broker's authenticate hook (mqtt-auth.ts) and HTTP Basic auth on the probe endpoints
// (gateway-basic-auth.ts) — so both accept exactly the same passwords.
//
// scrypt is slow on purpose (tens of ms), too slow to pay on every reconnect of a fleet or every
// throughput request: a password that passed is remembered as its SHA-256 digest (memory only) and
// compared in constant time next time. A wrong password is always checked the slow way, and an
// unknown user name costs the same as a wrong password, so timing does not tell which names exist.
import type { GatewayConfig } from '../config.js'
import { safeEqual, tokenDigest, verifyPassword } from './passwords.js'

// A fixed scrypt hash ("not-a-password", N=2^15) verified for unknown user names.
const DUMMY_HASH = 'scrypt$32768$8$3$mG4bY3a5xQ1l6vJc0ZkQxA==$3pX0cN8Yv3M7q0r7bqQ0lC8c1rQm1xkO3K5m6Vb0u9Q='

export class GatewayCredentials {
  private readonly byUsername = new Map<string, GatewayConfig>()
  /** Gateways verified before: username → digest of the password that passed scrypt. */
  private readonly verified = new Map<string, string>()

  constructor (gateways: readonly GatewayConfig[]) {
    for (const g of gateways) this.byUsername.set(g.username ?? g.room, g)
  }

  /** The gateway with this user name, or undefined (no password checked). */
  byName (username: string): GatewayConfig | undefined {
    return this.byUsername.get(username)
  }

  /** The gateway whose credentials these are, or null. Never throws for a bad password. */
  async verify (username: string, password: string): Promise<GatewayConfig | null> {
    const gateway = this.byUsername.get(username)
    if (gateway === undefined) {
      await verifyPassword(password, DUMMY_HASH)
      return null
    }
    const digest = tokenDigest(password)
    const known = this.verified.get(username)
    if ((known !== undefined && safeEqual(known, digest)) || await verifyPassword(password, gateway.passwordHash)) {
      this.verified.set(username, digest)
      return gateway
    }
    return null
  }
}
