// Spool replay, and the uplink-cut fault at full length: a gateway (its own process) streams to the
// hub, the hub is stopped for a minute, and comes back. Figures: readings lost (counted at the hub
// by (device, boot, seq)), and how fast the backlog on disk is replayed once the gateway is
// connected again, as records per second and as a multiple of the room's live rate (what it
// appends to its spool per second). The test room sends 2 × 50 readings/s so that a minute's
// backlog is large enough to time; a real room's 2–3 records/s make the multiple larger still.
import { tempDir } from '../test/helpers/index.js'
import { HubUnderTest, loadRoomConfig } from '../test/faults/fault-rig.js'
import type { GatewayProcessInput, GatewayProcessReady, GatewayProcessStatus } from './processes/gateway-process.js'
import { startChild } from './lib/children.js'
import { withCleanup } from './lib/cleanup.js'
import type { BenchResult } from './lib/report.js'
import { sleep } from './lib/wait.js'

export interface SpoolReplayOptions {
  outageMs?: number
  livePhaseMs?: number
  ratePerDevice?: number
  log?: (line: string) => void
}

export async function spoolReplay (options: SpoolReplayOptions = {}): Promise<BenchResult> {
  const outageMs = options.outageMs ?? Number(process.env.HELSEROM_FAULT_OUTAGE_MS ?? 60_000)
  const liveMs = options.livePhaseMs ?? 10_000
  const rate = options.ratePerDevice ?? 50
  return await withCleanup(async (cleanup) => {
    const hub = new HubUnderTest(cleanup)
    await hub.start()
    const dataDir = tempDir(cleanup, 'helserom-bench-spool-')
    const gateway = await startChild<GatewayProcessReady>(cleanup, 'gateway-process', {
      config: loadRoomConfig(hub, dataDir, rate)
    } satisfies GatewayProcessInput, { mode: 'bundle' })
    const status = async (): Promise<GatewayProcessStatus> => await gateway.request<GatewayProcessStatus>('status')
    await sleep(2000)

    // The live rate: what the room appends to its spool per second while all is well.
    const l0 = await status()
    const t0 = performance.now()
    await sleep(liveMs)
    const l1 = await status()
    const liveRate = (l1.spoolAppended - l0.spoolAppended) / ((performance.now() - t0) / 1000)

    await hub.stop()
    const cutAt = performance.now()
    await sleep(outageMs)
    await hub.start()
    const backAt = performance.now()
    let s = await status()
    while (!s.uplinkConnected) { await sleep(20); s = await status() }
    const reconnectedAt = performance.now()
    const backlog = s.spoolPending
    const appendedAtReconnect = s.spoolAppended
    while (s.spoolPending > 0) { await sleep(20); s = await status() }
    const drainedAt = performance.now()
    const drainSeconds = (drainedAt - reconnectedAt) / 1000
    const delivered = backlog + (s.spoolAppended - appendedAtReconnect)
    const replayRate = delivered / drainSeconds
    const end = await status()
    // Everything produced up to now must be at the hub (what is still in flight arrives within moments).
    const deadline = Date.now() + 10_000
    while (!hub.ledger.complete(end.boot, end.lastSeq) && Date.now() < deadline) await sleep(50)
    const missing = Object.entries(end.lastSeq).reduce((n, [device, last]) => n + hub.ledger.missing(device, end.boot, last).length, 0)
    const produced = Object.values(end.lastSeq).reduce((a, b) => a + b, 0)
    options.log?.(`  live ${liveRate.toFixed(0)} records/s; outage ${(backAt - cutAt) / 1000} s; backlog ${backlog} replayed in ${drainSeconds.toFixed(2)} s (${replayRate.toFixed(0)}/s); reconnect ${(reconnectedAt - backAt).toFixed(0)} ms after the hub was back; lost ${missing} of ${produced}`)
    return {
      name: 'spool-replay',
      title: `Spool replay: the hub away for ${Math.round(outageMs / 1000)} s under load, then back`,
      ours: 'backlog replay after the outage',
      peer: 'the room\'s live rate',
      rows: [
        { figure: 'records per second', unit: 'records/s', ours: replayRate, peer: liveRate, better: 'higher' },
        { figure: 'backlog when the gateway reconnected', unit: 'records', ours: backlog, peer: null },
        { figure: 'time to replay it (live traffic going on)', unit: 's', ours: drainSeconds, peer: null },
        { figure: 'gateway reconnected after the hub was back', unit: 'ms', ours: reconnectedAt - backAt, peer: null },
        { figure: 'readings lost (by device, boot, seq at the hub)', unit: 'readings', ours: `${missing} of ${produced}`, peer: null },
        { figure: 'a real room\'s outage of one hour replayed in', unit: 's', ours: 3 * 3600 / replayRate, peer: null }
      ],
      notes: [
        `a gateway in its own process with two sensors at ${rate} readings/s each (+ health), a hub in the benchmark's process; the hub stopped (connection refused) for the outage`,
        'replay rate = (backlog + what was appended meanwhile) / time from reconnect to an empty spool; the last line assumes a real room\'s 3 records/s',
        `${hub.ledger.historical} readings arrived marked historical; ${hub.ledger.duplicates} duplicates`
      ],
      data: { liveRate, backlog, drainSeconds, replayRate, reconnectMs: reconnectedAt - backAt, missing, produced, outageMs }
    }
  })
}
