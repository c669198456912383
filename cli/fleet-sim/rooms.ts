// The simulated fleet's rooms and their credentials: room slugs `sim-00001`…, a password per room
// derived from one fleet secret (so the load generator and the hub config agree without a file
// passing between them), the hub config's `gateways` entries, and the password and ACL files that
// give a Mosquitto broker the same rules as the hub's own auth (cloud/auth/mqtt-auth.ts).
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { mosquittoAcl } from '../../cloud/broker/mosquitto-acl.js'
import { hashPassword, type ScryptParams } from '../../protocol/credentials.js'

export interface FleetRoom {
  room: string
  name: string
  /** The MQTT user name: the room slug, as the hub's default. */
  username: string
  password: string
  /** Sensors sending readings at 1 Hz: one or two, alternating through the fleet. */
  sensors: 1 | 2
}

/**
 * Cheap scrypt for a simulated fleet: the hub verifies each gateway's password once per run and
 * caches it, so the cost only shapes how fast a thousand gateways can log in at once. Real rooms
 * keep the default cost of `helserom hash-password`.
 */
export const FLEET_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 }

export function fleetRoom (index: number, secret: string, prefix = 'sim'): FleetRoom {
  const room = `${prefix}-${String(index + 1).padStart(5, '0')}`
  return {
    room,
    name: `Simulert helserom ${index + 1}`,
    username: room,
    password: createHmac('sha256', secret).update(room).digest('base64url'),
    sensors: index % 2 === 0 ? 2 : 1
  }
}

export function fleetRooms (count: number, secret: string, prefix = 'sim'): FleetRoom[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`the number of rooms must be a whole number of at least 1, got ${count}`)
  if (secret.length < 8) throw new RangeError('the fleet secret must be at least 8 characters')
  return Array.from({ length: count }, (_, i) => fleetRoom(i, secret, prefix))
}

/** The hub config's `gateways` entries for these rooms. */
export async function hubGatewayEntries (rooms: readonly FleetRoom[], params: ScryptParams = FLEET_SCRYPT): Promise<Array<{ room: string, name: string, site: string, passwordHash: string }>> {
  const out = []
  for (const r of rooms) out.push({ room: r.room, name: r.name, site: 'Simulert kommune', passwordHash: await hashPassword(r.password, params) })
  return out
}

export interface MosquittoAuthFiles {
  passwordFile: string
  aclFile: string
}

/**
 * A Mosquitto password file (hashed with mosquitto_passwd) and the ACL file `helserom mosquitto-acl`
 * writes for a hub config with these rooms: each gateway may write only its own room's gateway
 * topics and read its schedule, support and commands; the hub's account reads everything and
 * writes schedules, support and commands.
 */
export function writeMosquittoAuthFiles (dir: string, rooms: readonly FleetRoom[], hub: { username: string, password: string }): MosquittoAuthFiles {
  const passwordFile = join(dir, 'passwords')
  const aclFile = join(dir, 'acl')
  // Readable by the broker's own user: Mosquitto started as root drops to the `mosquitto` user
  // before it reads these files. The passwords are hashed in place a line below.
  writeFileSync(passwordFile, [`${hub.username}:${hub.password}`, ...rooms.map((r) => `${r.username}:${r.password}`), ''].join('\n'), { mode: 0o644 })
  const hashed = spawnSync('mosquitto_passwd', ['-U', passwordFile], { encoding: 'utf8' })
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd -U failed: ${hashed.stderr || hashed.error?.message || `exit ${String(hashed.status)}`}`)
  writeFileSync(aclFile, mosquittoAcl({ broker: { username: hub.username }, gateways: rooms, users: [] }))
  return { passwordFile, aclFile }
}
