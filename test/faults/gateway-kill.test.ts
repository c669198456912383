// Fault: the gateway is killed with kill -9 mid-stream (a crash, a power cut) and started again on
// the same data folder. Every reading it had accepted before dying — what its on-disk spool holds —
// must reach the hub after the restart, under the old boot; the new boot counts from 1 again.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startChild } from '../../bench/lib/children.js'
import type { GatewayProcessInput, GatewayProcessReady, GatewayProcessStatus } from '../../bench/processes/gateway-process.js'
import { sleep, tempDir, waitFor } from '../helpers/index.js'
import { HubUnderTest, loadRoomConfig } from './fault-rig.js'

const RATE = 100

/** The highest seq per device of `boot` in the spool's segments: what the gateway had made durable. */
function spooledSeqs (dir: string, boot: string): Record<string, number> {
  const last: Record<string, number> = {}
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue
      try {
        const r = JSON.parse(line) as { topic: string, payload: { boot?: string, seq?: number } }
        const m = /\/devices\/([^/]+)\/readings$/.exec(r.topic)
        if (m === null || r.payload.boot !== boot || typeof r.payload.seq !== 'number') continue
        last[m[1]!] = Math.max(last[m[1]!] ?? 0, r.payload.seq)
      } catch { /* a line torn by the kill: it was never accepted */ }
    }
  }
  return last
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0)

for (const during of ['stream', 'outage'] as const) {
  const title = during === 'stream'
    ? 'kill -9 mid-stream: after the restart every accepted reading reaches the hub'
    : 'kill -9 during an outage, backlog on disk: after restart and reconnect every reading arrives'
  t.test(title, async (t) => {
    const hub = new HubUnderTest(t)
    await hub.start()
    const dataDir = tempDir(t, 'helserom-fault-gw-')
    const input: GatewayProcessInput = { config: loadRoomConfig(hub, dataDir, RATE), uplink: { reconnectPeriodMs: 300, keepaliveS: 5 } }
    const first = await startChild<GatewayProcessReady>(t, 'gateway-process', input)
    const boot = first.ready.boot
    await waitFor('live readings at the hub', () => hub.ledger.count('load-1', boot) >= 50, { timeoutMs: 20_000 })
    if (during === 'outage') {
      await hub.stop()
      await sleep(2000)
    }
    const before = await first.request<GatewayProcessStatus>('status')
    await first.kill9()
    const killedAt = Date.now()
    const accepted = spooledSeqs(join(dataDir, 'spool'), boot)
    const atHubWhenKilled = hub.ledger.count('load-1', boot) + hub.ledger.count('load-2', boot)

    const second = await startChild<GatewayProcessReady>(t, 'gateway-process', input)
    t.not(second.ready.boot, boot, 'the restart is a new boot')
    if (during === 'outage') {
      await sleep(1000)
      await hub.start()
    }
    try {
      await waitFor('the old boot\'s readings replayed', () => hub.ledger.complete(boot, accepted), { timeoutMs: 30_000 })
    } catch (err) {
      // say which readings never came and what the restarted gateway thinks, not only that it timed out
      const status = await second.request<GatewayProcessStatus>('status')
      const missing = Object.fromEntries(Object.entries(accepted).map(([d, last]) => [d, hub.ledger.missing(d, boot, last).slice(0, 20)]))
      t.comment(`never arrived (first 20 per device): ${JSON.stringify(missing)}; the restarted gateway: ${JSON.stringify(status)}`)
      throw err
    }
    const replayMs = Date.now() - killedAt
    await waitFor('the new boot streaming', () => hub.ledger.count('load-1', second.ready.boot) >= 10, { timeoutMs: 20_000 })

    const total = sum(accepted)
    const missing = Object.entries(accepted).flatMap(([device, last]) => hub.ledger.missing(device, boot, last).map((s) => `${device}#${s}`))
    const newMissing = ['load-1', 'load-2'].flatMap((d) => hub.ledger.missing(d, second.ready.boot, hub.ledger.count(d, second.ready.boot)).map((s) => `${d}#${s}`))
    const resent = await hub.hub!.metrics.value('helserom_hub_readings_duplicate_total')
    t.comment(`injected: kill -9 of the gateway (pid ${first.pid}) streaming 2 × ${RATE} readings/s${during === 'outage' ? ', 2 s into a hub outage' : ''}; ${total} readings in its spool when it died, ${total - atHubWhenKilled} of them not yet at the hub`)
    t.comment(`lost: ${missing.length} of ${total} accepted readings of the killed boot; all at the hub ${replayMs} ms after the kill (restart included); ${resent} re-sent after the restart and dropped as duplicates by the hub${hub.starts > 1 ? ' (since its restart)' : ''}`)
    t.ok(total >= sum(before.lastSeq), 'the spool holds at least what the gateway reported just before the kill')
    if (during === 'outage') t.ok(total - atHubWhenKilled > 0, 'there was a backlog when it died')
    t.same(missing, [], 'nothing the killed gateway had accepted was lost')
    t.same(newMissing, [], 'the new boot counts from 1 without gaps')
  })
}
