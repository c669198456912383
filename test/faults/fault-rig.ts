// The fault suite's rig: a real hub (in this process, restartable on the same ports) that keeps a
// ledger of every reading it accepted by (device, boot, seq) — the contract's own way to tell a
// loss — and real gateways streaming to it. A fault test injects one fault, then counts in the
// ledger what was lost. Durations come from the environment so `npm test` runs each fault for
// seconds and the benchmark runs the same scenario for a minute.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { hubConfig, type HubConfig } from '../../cloud/config.js'
import { Hub } from '../../cloud/hub.js'
import { driverFactories } from '../../drivers/registry.js'
import type { Gateway, GatewayOptions } from '../../gateway/gateway.js'
import { generateToken, hashPassword, hashToken } from '../../protocol/credentials.js'
import { loadDriver } from '../../bench/lib/load-driver.js'
import { freePort, tempDir, testLogger, waitFor, type Teardown } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'

/** How long an outage lasts in this run (HELSEROM_FAULT_OUTAGE_MS; default 5 s, the bench uses 60 s). */
export function outageMs (fallback = 5000): number {
  const v = Number(process.env.HELSEROM_FAULT_OUTAGE_MS ?? fallback)
  return Number.isFinite(v) && v > 0 ? v : fallback
}

export const ROOM = 'fault-1'
export const OTHER_ROOM = 'fault-2'
export const factories = { ...driverFactories, 'bench-load': loadDriver }

/** Every reading a hub accepted, by device → boot → seq; survives hub restarts. */
export class ReadingLedger {
  private readonly seen = new Map<string, Map<string, Set<number>>>()
  /** Readings that arrived again (possible across a hub restart, where de-duplication starts afresh). */
  duplicates = 0
  historical = 0
  total = 0
  /** When each device's latest reading arrived. */
  readonly lastAt = new Map<string, number>()

  attach (hub: Hub, room = ROOM): void {
    hub.ingest.on('reading', (e) => {
      if (e.room !== room) return
      let boots = this.seen.get(e.device)
      if (boots === undefined) this.seen.set(e.device, boots = new Map())
      let seqs = boots.get(e.reading.boot)
      if (seqs === undefined) boots.set(e.reading.boot, seqs = new Set())
      if (seqs.has(e.reading.seq)) { this.duplicates++; return }
      seqs.add(e.reading.seq)
      this.total++
      if (e.historical) this.historical++
      this.lastAt.set(e.device, Date.now())
    })
  }

  count (device: string, boot: string): number {
    return this.seen.get(device)?.get(boot)?.size ?? 0
  }

  /** The seqs in 1…last the hub never accepted. */
  missing (device: string, boot: string, last: number): number[] {
    const seqs = this.seen.get(device)?.get(boot) ?? new Set<number>()
    const out: number[] = []
    for (let s = 1; s <= last; s++) if (!seqs.has(s)) out.push(s)
    return out
  }

  /** True once every seq 1…last of each device has arrived. */
  complete (boot: string, lastSeq: Readonly<Record<string, number>>): boolean {
    return Object.entries(lastSeq).every(([device, last]) => this.count(device, boot) >= last)
  }
}

export interface FaultHubOptions {
  store?: Record<string, unknown>
  /** Extra hub config (http limits …). */
  overrides?: Partial<Record<keyof HubConfig, unknown>>
}

/** A hub on fixed free ports, so it can be stopped and started again where the gateways expect it. */
export class HubUnderTest {
  readonly ledger = new ReadingLedger()
  readonly passwords = { [ROOM]: randomBytes(12).toString('base64url'), [OTHER_ROOM]: randomBytes(12).toString('base64url') }
  readonly itToken = generateToken()
  hub: Hub | null = null
  config!: HubConfig
  starts = 0

  constructor (private readonly t: Teardown, private readonly options: FaultHubOptions = {}) {}

  get mqttUrl (): string { return `mqtt://127.0.0.1:${this.config.mqtt.port}` }
  get httpUrl (): string { return `http://127.0.0.1:${this.config.http.port}` }
  get wsUrl (): string { return `ws://127.0.0.1:${this.config.http.port}/ws` }

  async start (): Promise<Hub> {
    if (this.starts === 0) {
      const dir = tempDir(this.t, 'helserom-fault-hub-')
      const cheap = { N: 1024, r: 8, p: 1 }
      this.config = hubConfig({
        http: { host: '127.0.0.1', port: await freePort() },
        mqtt: { host: '127.0.0.1', port: await freePort() },
        dataDir: join(dir, 'hub'),
        gateways: [
          { room: ROOM, name: 'Feilrom', passwordHash: await hashPassword(this.passwords[ROOM]!, cheap) },
          { room: OTHER_ROOM, name: 'Nabo', passwordHash: await hashPassword(this.passwords[OTHER_ROOM]!, cheap) }
        ],
        users: [{ name: 'it-vakt', role: 'it', tokenHash: hashToken(this.itToken) }],
        ...(this.options.store !== undefined ? { store: this.options.store } : {}),
        ...this.options.overrides
      })
      this.t.teardown(async () => await this.stop())
    }
    // A port just given up may refuse a new listener for a moment after a restart: a failed hub
    // cannot be started again, so each attempt is a new one.
    const hub = await waitFor('the hub to listen', async () => {
      const attempt = new Hub(this.config, { logger: testLogger(), store: 'from-config' })
      this.ledger.attach(attempt) // before start: a gateway's backlog may arrive the moment MQTT listens
      await attempt.start()
      return attempt
    }, { timeoutMs: 10_000, intervalMs: 200 })
    this.hub = hub
    this.starts++
    return hub
  }

  async stop (): Promise<void> {
    const hub = this.hub
    this.hub = null
    await hub?.stop()
  }
}

export interface GatewayDevice { id: string, name?: string, kind: string, [field: string]: unknown }

/**
 * A gateway of ROOM streaming to the hub under test, in this process. The network monitor and the
 * pre-session check are off: a fault test injects one fault and should see only its effects.
 */
export async function startRoomGateway (t: Teardown, hub: HubUnderTest, devices: GatewayDevice[], options: { requires?: string[], fields?: Record<string, unknown>, gateway?: Partial<GatewayOptions> } = {}): Promise<Gateway> {
  const config = roomConfig(t, {
    room: ROOM,
    hub: { url: hub.mqttUrl, password: hub.passwords[ROOM] },
    devices: devices.map((d) => ({ name: d.id, ...d })),
    profiles: { standard: { label: { nb: 'Standard', en: 'Standard' }, requires: options.requires ?? [] } },
    network: { enabled: false },
    check: { enabled: false },
    ...options.fields
  })
  return await startGateway(t, config, factories, options.gateway)
}

/**
 * The room config of ROOM for a gateway in a process of its own (bench/processes/gateway-process.ts):
 * two load devices at `ratePerSecond` each, streaming to the hub under test, spooling in `dataDir`.
 */
export function loadRoomConfig (hub: HubUnderTest, dataDir: string, ratePerSecond: number): Record<string, unknown> {
  return {
    room: ROOM, name: 'Feilrom', site: 'Test',
    hub: { url: hub.mqttUrl, password: hub.passwords[ROOM] },
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0 },
    dataDir, spool: { dir: join(dataDir, 'spool') },
    devices: [{ id: 'load-1', name: 'Last 1', kind: 'bench-load', ratePerSecond }, { id: 'load-2', name: 'Last 2', kind: 'bench-load', ratePerSecond }],
    profiles: { standard: { label: { nb: 'Standard', en: 'Standard' }, requires: [] } },
    network: { enabled: false }, check: { enabled: false }
  }
}

/** The last seq a gateway gave each device's readings (from its `reading` events). */
export function trackSeqs (gateway: Gateway): Record<string, number> {
  const last: Record<string, number> = {}
  gateway.on('reading', (device, message) => { last[device] = message.seq })
  return last
}

export const goodNetwork = { rttMs: 12, jitterMs: 2, lossPct: 0, upMbps: 50, downMbps: 50, ifaceUtilPct: 1 }
