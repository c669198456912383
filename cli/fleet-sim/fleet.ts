// A fleet of virtual gateways in one process: logs them in at a bounded rate (a thousand rooms
// coming back after a hub restart do not all arrive in the same millisecond either), runs their
// traffic, and sums what they sent, so a benchmark or `helserom fleet-sim` can compute the loss.
import { seededRandom } from '../../drivers/serial-sensor/simulator-lines.js'
import type { FleetRoom } from './rooms.js'
import { VirtualGateway, type GatewayCounts } from './virtual-gateway.js'

export interface FleetOptions {
  /** The broker the gateways connect to (the hub's embedded one, or the external broker). */
  url: string
  rooms: readonly FleetRoom[]
  /** Logins started per second (default 250). */
  connectPerSecond?: number
  keepaliveS?: number
  seed?: number
  readingEveryMs?: number
  /** start() gives up waiting after this long (default 120 s); the stragglers go on trying. */
  connectDeadlineMs?: number
}

export interface FleetReport extends GatewayCounts {
  rooms: number
  connected: number
  /** Readings per second the fleet sends when every room is connected. */
  nominalReadingsPerSecond: number
  /** room → device → last seq sent, and each room's boot. */
  lastSeq: Record<string, Record<string, number>>
  boots: Record<string, string>
  /** Login failures, by room. */
  failures: Record<string, string>
}

export class FleetSimulator {
  readonly gateways: VirtualGateway[]
  private readonly failures = new Map<string, string>()

  constructor (private readonly options: FleetOptions) {
    const random = seededRandom(options.seed ?? 42)
    this.gateways = options.rooms.map((room) => new VirtualGateway({
      url: options.url,
      room,
      random,
      ...(options.keepaliveS !== undefined ? { keepaliveS: options.keepaliveS } : {}),
      ...(options.readingEveryMs !== undefined ? { readingEveryMs: options.readingEveryMs } : {})
    }))
  }

  /**
   * Logs every gateway in and starts its traffic; resolves when all have answered (connected or
   * refused), or at the deadline — report().connected then says how many made it.
   */
  async start (): Promise<void> {
    const perSecond = this.options.connectPerSecond ?? 250
    const pending: Array<Promise<void>> = []
    for (const [i, gateway] of this.gateways.entries()) {
      if (i > 0 && i % Math.max(1, Math.round(perSecond / 20)) === 0) await new Promise((resolve) => setTimeout(resolve, 50))
      pending.push(gateway.connect().then(() => gateway.startTraffic(), (err: Error) => { this.failures.set(gateway.room, err.message) }))
    }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(pending),
      new Promise((resolve) => { timer = setTimeout(resolve, this.options.connectDeadlineMs ?? 120_000) })
    ])
    clearTimeout(timer)
  }

  /** Stops the traffic, keeping the connections (so that no Last Will fires while results are read). */
  stopTraffic (): void {
    for (const gateway of this.gateways) gateway.stopTraffic()
  }

  async stop (): Promise<FleetReport> {
    this.stopTraffic()
    const report = this.report()
    for (let i = 0; i < this.gateways.length; i += 100) {
      await Promise.all(this.gateways.slice(i, i + 100).map(async (g) => await g.stop()))
    }
    return report
  }

  report (): FleetReport {
    const totals: GatewayCounts = { readingsSent: 0, readingsAcked: 0, readingsFailed: 0, messagesSent: 0, connects: 0, healthChanges: 0 }
    const lastSeq: Record<string, Record<string, number>> = {}
    const boots: Record<string, string> = {}
    let connected = 0
    let sensors = 0
    for (const g of this.gateways) {
      for (const key of Object.keys(totals) as Array<keyof GatewayCounts>) totals[key] += g.counts[key]
      lastSeq[g.room] = Object.fromEntries(g.lastSeq)
      boots[g.room] = g.boot
      if (g.connected) connected++
    }
    for (const r of this.options.rooms) sensors += r.sensors
    return {
      ...totals,
      rooms: this.gateways.length,
      connected,
      nominalReadingsPerSecond: sensors * 1000 / (this.options.readingEveryMs ?? 1000),
      lastSeq,
      boots,
      failures: Object.fromEntries(this.failures)
    }
  }
}
