// A hub in its own process for the benchmarks that need a few named rooms (not a whole simulated
// fleet): the rooms' passwords, an IT token for the WebSocket client, and a room config skeleton
// for a gateway of one of those rooms.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { generateToken, hashPassword, hashToken } from '../../protocol/credentials.js'
import { tempDir } from '../../test/helpers/index.js'
import type { HubProcessInput, HubProcessReady } from '../processes/hub-process.js'
import { startChild, type ChildHandle, type ChildMode, type Teardown } from './children.js'

export interface BenchHub {
  child: ChildHandle<HubProcessReady>
  passwords: Record<string, string>
  itToken: string
}

export interface BenchHubOptions {
  rooms: string[]
  broker?: Record<string, unknown>
  store?: Record<string, unknown>
  http?: Record<string, unknown>
  mqtt?: Record<string, unknown>
  probeEcho?: boolean
  mode?: ChildMode
  /** Reuse these passwords (a hub started again for the same gateways). */
  passwords?: Record<string, string>
  dataDir?: string
}

export async function startBenchHub (t: Teardown, options: BenchHubOptions): Promise<BenchHub> {
  const passwords = options.passwords ?? Object.fromEntries(options.rooms.map((r) => [r, randomBytes(12).toString('base64url')]))
  const itToken = generateToken()
  const gateways = []
  for (const room of options.rooms) gateways.push({ room, name: `Benk ${room}`, passwordHash: await hashPassword(passwords[room]!, { N: 1024, r: 8, p: 1 }) })
  const child = await startChild<HubProcessReady>(t, 'hub-process', {
    config: {
      http: { host: '127.0.0.1', port: 0, ...options.http },
      mqtt: { host: '127.0.0.1', port: 0, ...options.mqtt },
      dataDir: options.dataDir ?? join(tempDir(t, 'helserom-bench-hub-'), 'hub'),
      gateways,
      users: [{ name: 'it-bench', role: 'it', tokenHash: hashToken(itToken) }],
      ...(options.broker !== undefined ? { broker: options.broker } : {}),
      ...(options.store !== undefined ? { store: options.store } : {})
    },
    ...(options.probeEcho === true ? { probeEcho: true } : {})
  } satisfies HubProcessInput, { mode: options.mode ?? 'bundle' })
  return { child, passwords, itToken }
}

/** A room config for a gateway of `room` at this hub; network monitor and pre-session check off unless given. */
export function benchRoomConfig (t: Teardown, hub: { url: string, http?: string, password: string }, room: string, fields: Record<string, unknown>): Record<string, unknown> {
  const dataDir = tempDir(t, 'helserom-bench-gw-')
  return {
    room,
    name: `Benk ${room}`,
    site: 'Benkekommune',
    hub: { url: hub.url, password: hub.password, ...(hub.http !== undefined ? { http: hub.http } : {}) },
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0 },
    dataDir,
    profiles: { standard: { label: { nb: 'Standard', en: 'Standard' }, requires: [] } },
    network: { enabled: false },
    check: { enabled: false },
    ...fields
  }
}
