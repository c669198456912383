// Fleet login: how long a fleet needs to be back after the hub (re)starts, with gateway passwords
// hashed at the default cost of `helserom hash-password` (scrypt N=2^15, r=8, p=3: ~0.2 s of CPU a
// check here) — the hub remembers verified passwords only in memory, so after a restart every
// gateway's first login is a full check, and they all come at once. Peer: the same fleet logging in
// to Mosquitto (its own password hashes) in the same run. Virtual gateways retry as the real uplink
// does (connect timeout 10 s, a new attempt 2 s later). Also measured: the same fleet with the
// `sha256$` hashes of generated passwords (`helserom hash-password --generate`), the fix this
// benchmark led to. Not part of the list: measured because a hub restart is when this matters.
import { chmodSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fleetRooms, writeMosquittoAuthFiles } from '../cli/fleet-sim/rooms.js'
import { DEFAULT_SCRYPT, hashPassword, hashToken } from '../protocol/credentials.js'
import { startMosquitto } from '../test/helpers/servers.js'
import { tempDir } from '../test/helpers/index.js'
import type { FleetProcessInput, FleetProcessReady } from './processes/fleet-process.js'
import type { HubProcessInput, HubProcessReady } from './processes/hub-process.js'
import { startChild } from './lib/children.js'
import { withCleanup } from './lib/cleanup.js'
import type { BenchResult } from './lib/report.js'

export interface FleetLoginOptions {
  rooms?: number
  log?: (line: string) => void
}

export async function fleetLogin (options: FleetLoginOptions = {}): Promise<BenchResult> {
  const n = options.rooms ?? 200
  const secret = randomBytes(12).toString('base64url')
  const rooms = fleetRooms(n, secret)
  const hashStart = performance.now()
  const gateways = await Promise.all(rooms.map(async (r) => ({ room: r.room, name: r.name, passwordHash: await hashPassword(r.password) })))
  const hashSeconds = (performance.now() - hashStart) / 1000
  const generatedHashes = rooms.map((r) => ({ room: r.room, name: r.name, passwordHash: hashToken(r.password) }))

  const login = async (broker: 'aedes' | 'mosquitto', gateways: Array<{ room: string, name: string, passwordHash: string }>): Promise<{ seconds: number, connected: number }> => await withCleanup(async (cleanup) => {
    let url: string | null = null
    let brokerSection: Record<string, unknown> = { mode: 'embedded' }
    if (broker === 'mosquitto') {
      const dir = tempDir(cleanup, 'helserom-bench-login-')
      chmodSync(dir, 0o755)
      const hub = { username: 'hub-bench', password: randomBytes(12).toString('base64url') }
      const mq = await startMosquitto(cleanup, writeMosquittoAuthFiles(dir, rooms, hub))
      url = mq.url
      brokerSection = { mode: 'external', url: mq.url, ...hub }
    }
    const hub = await startChild<HubProcessReady>(cleanup, 'hub-process', {
      config: { http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 }, broker: brokerSection, dataDir: join(tempDir(cleanup, 'helserom-bench-hub-'), 'hub'), gateways }
    } satisfies HubProcessInput, { mode: 'bundle' })
    const fleet = await startChild<FleetProcessReady>(cleanup, 'fleet-process', {
      url: url ?? hub.ready.urls.mqtt, rooms: n, secret, connectPerSecond: 1000
    } satisfies FleetProcessInput, { mode: 'bundle', readyTimeoutMs: 900_000 })
    await fleet.request('stop', undefined, 120_000)
    return { seconds: fleet.ready.connectSeconds, connected: fleet.ready.connected }
  })
  const ours = await login('aedes', gateways)
  const generated = await login('aedes', generatedHashes)
  const peer = await login('mosquitto', gateways)
  const perSecond = n / ours.seconds
  options.log?.(`  ${n} gateways logged in: hub ${ours.seconds.toFixed(1)} s (scrypt), ${generated.seconds.toFixed(1)} s (generated passwords, sha256), Mosquitto ${peer.seconds.toFixed(1)} s (hashing ${n} passwords took ${hashSeconds.toFixed(0)} s)`)
  return {
    name: 'fleet-login',
    title: `Fleet login: ${n} gateways logging in to a freshly started hub, default password cost`,
    ours: 'hub, embedded aedes (scrypt)',
    peer: 'Mosquitto (its password_file)',
    rows: [
      { figure: `all ${n} gateways connected after`, unit: 's', ours: ours.seconds, peer: peer.seconds, better: 'lower' },
      { figure: 'logins per second', unit: '1/s', ours: perSecond, peer: n / peer.seconds, better: 'higher' },
      { figure: 'at that rate, 2,000 rooms after a hub restart', unit: 's', ours: 2000 / perSecond, peer: 2000 / (n / peer.seconds), better: 'lower' },
      { figure: `all ${n} connected, generated passwords (sha256$ hashes)`, unit: 's', ours: generated.seconds, peer: peer.seconds, better: 'lower' }
    ],
    notes: [
      `scrypt N=${DEFAULT_SCRYPT.N}, r=${DEFAULT_SCRYPT.r}, p=${DEFAULT_SCRYPT.p} per gateway password, as \`helserom hash-password\` makes them; the hub caches a verified password in memory, so this is the cost of every hub start`,
      'the last row is an extrapolation from the measured rate, not a measurement'
    ],
    data: { rooms: n, ours, generated, peer, hashSeconds }
  }
}
