// Accuracy of round-trip time, jitter and loss against ground truth: the probe runs through an
// impairment proxy with known delay, jitter and loss (its own process, on loopback), and what the
// probe reports is compared with what the proxy records it did. Tolerances from the issue: RTT and
// jitter within ±10 %, loss within ±1 percentage point. Both the hub's echo (one-way jitter each
// way) and a real STUN server (stund or coturn; round-trip jitter) are measured.
import t, { type Test } from 'tap'
import { EchoProbe } from '../../gateway/network/echo-probe.js'
import { StunProbe } from '../../gateway/network/stun-probe.js'
import { pathStats, type ProbeSample } from '../../gateway/network/path-stats.js'
import type { UdpRoundTripProbe } from '../../gateway/network/udp-round-trip.js'
import { waitFor } from '../helpers/index.js'
import { which } from '../helpers/servers.js'
import type { Impairment, ProxyRecord } from './impairment-proxy.js'
import { startHubProbe, startImpairmentProxy, startStunServer, type ImpairmentProxy } from './processes.js'

const BURSTS = 20
const PACKETS = 25

interface Run { samples: ProbeSample[], bursts: number[] }

/** Sends the bursts one after the other, numbered from 1 as the proxy numbers them. */
async function probeFor (probe: UdpRoundTripProbe, bursts: number): Promise<Run> {
  const run: Run = { samples: [], bursts: [] }
  for (let burst = 1; burst <= bursts; burst++) {
    // 600 ms of quiet after each burst: the proxy tells bursts apart by gaps over 300 ms.
    run.samples.push(...await probe.burst({ burst, at: Date.now(), packets: PACKETS, spacingMs: 20, bytes: 64, timeoutMs: 600 }))
    run.bursts.push(burst)
  }
  return run
}

function stats (samples: ProbeSample[]): ReturnType<typeof pathStats> {
  return pathStats(samples, { now: Date.now() + 1, rttWindowMs: 1e9, lossWindowMs: 1e9 })
}

/** A probe through a fresh impairment proxy in front of `target`: warmed up, and the proxy's record cleared. */
async function behindProxy<P extends UdpRoundTripProbe> (t: Test, target: { host: string, port: number }, up: Impairment, down: Impairment, probeTo: (proxy: { host: string, port: number }) => P): Promise<{ proxy: ImpairmentProxy, probe: P }> {
  const proxy = await startImpairmentProxy(t, target, up, down)
  const probe = probeTo({ host: '127.0.0.1', port: proxy.port })
  await probe.open()
  t.teardown(() => probe.close())
  await probeFor(probe, 1) // the proxy's upstream socket is made on the first datagram
  await new Promise((resolve) => setTimeout(resolve, 300))
  await proxy.reset()
  return { proxy, probe }
}

/** The measured bursts, what the probe made of them, and the ground truth from the proxy's record (`base`: the RTT without the proxy). */
async function measureAgainstProxy (probe: UdpRoundTripProbe, proxy: ImpairmentProxy, base: number): Promise<{ run: Run, ours: ReturnType<typeof stats>, truth: ProxyRecord, trueRtt: number, trueLoss: number }> {
  const run = await probeFor(probe, BURSTS)
  const ours = stats(run.samples)
  const truth = await proxy.stats(run.bursts)
  const trueRtt = base + truth.up.meanDelayMs! + truth.down.meanDelayMs!
  const trueLoss = (100 * (truth.up.dropped + truth.down.dropped)) / truth.up.received
  return { run, ours, truth, trueRtt, trueLoss }
}

const pct = (ours: number, truth: number): string => `${(((ours - truth) / truth) * 100).toFixed(1)} %`

t.test('hub echo through the proxy: RTT, jitter each way and loss agree with the proxy\'s record', async (t) => {
  const hub = await startHubProbe(t)
  const direct = new EchoProbe(hub)
  await direct.open()
  t.teardown(() => direct.close())
  const base = stats((await probeFor(direct, 3)).samples).rttMs!

  // Jitter large enough that a busy test machine's own scheduling noise (≈ 0.1–0.5 ms) stays small beside it.
  const up = { delayMs: 40, extraMs: 45, lossPct: 2 }
  const down = { delayMs: 20, extraMs: 30, lossPct: 1 }
  const { proxy, probe } = await behindProxy(t, hub, up, down, (address) => new EchoProbe(address))

  const { run, ours, truth, trueRtt, trueLoss } = await measureAgainstProxy(probe, proxy, base)
  t.equal(truth.up.bursts, run.bursts.length, 'the proxy saw the same bursts')

  t.comment(`nominal: RTT ${(base + up.delayMs + up.extraMs / 2 + down.delayMs + down.extraMs / 2).toFixed(1)} ms, jitter up ${(up.extraMs / 3).toFixed(1)} / down ${(down.extraMs / 3).toFixed(1)} ms, loss ≈ ${(up.lossPct + down.lossPct).toFixed(1)} %`)
  t.comment(`RTT     ours ${ours.rttMs!.toFixed(2)} ms, proxy ${trueRtt.toFixed(2)} ms (${pct(ours.rttMs!, trueRtt)})`)
  t.comment(`jitter↑ ours ${ours.jitterUpMs!.toFixed(2)} ms, proxy ${truth.up.jitterMs!.toFixed(2)} ms (${pct(ours.jitterUpMs!, truth.up.jitterMs!)})`)
  t.comment(`jitter↓ ours ${ours.jitterDownMs!.toFixed(2)} ms, proxy ${truth.down.jitterMs!.toFixed(2)} ms (${pct(ours.jitterDownMs!, truth.down.jitterMs!)})`)
  t.comment(`loss    ours ${ours.lossPct!.toFixed(2)} %, proxy ${trueLoss.toFixed(2)} % (${ours.sent} probes)`)

  t.equal(ours.sent, BURSTS * PACKETS)
  t.comment(`${probe.stalledSamples} answers' times left out: this test process was stalled when they came`)
  t.equal(truth.up.received, ours.sent, 'the proxy\'s record covers the same probes')
  t.ok(Math.abs(ours.rttMs! - trueRtt) <= 0.1 * trueRtt, 'RTT within ±10 %')
  t.ok(Math.abs(ours.jitterUpMs! - truth.up.jitterMs!) <= 0.1 * truth.up.jitterMs!, 'upstream jitter within ±10 %')
  t.ok(Math.abs(ours.jitterDownMs! - truth.down.jitterMs!) <= 0.1 * truth.down.jitterMs!, 'downstream jitter within ±10 %')
  t.equal(ours.jitterMs, Math.max(ours.jitterUpMs!, ours.jitterDownMs!), 'the published jitter is the worse direction')
  t.ok(Math.abs(ours.lossPct! - trueLoss) <= 1, 'loss within ±1 percentage point')
})

const noStun = which('stund') === null && which('turnserver') === null ? 'no STUN server installed (apt-get install stun-server; .ci/run does this)' : false

t.test('STUN server through the proxy: RTT, round-trip jitter and loss agree; the mapped address comes back', { skip: noStun }, async (t) => {
  const stun = (await startStunServer(t))!
  t.comment(`STUN peer: ${stun.name}`)
  const direct = new StunProbe({ host: '127.0.0.1', port: stun.port })
  await direct.open()
  t.teardown(() => direct.close())
  // The server needs a moment to bind: wait until it answers.
  await waitFor('the STUN server to answer', async () => (await direct.burst({ burst: 0, at: Date.now(), packets: 2, spacingMs: 10, bytes: 0, timeoutMs: 200 })).some((s) => s.rttMs !== null))
  const base = stats((await probeFor(direct, 3)).samples).rttMs!
  t.equal(direct.mapped?.address, '127.0.0.1', 'XOR-MAPPED-ADDRESS is where the server saw us')

  // Random delay upstream only: round-trip jitter is then the upstream jitter the proxy records.
  const up = { delayMs: 15, extraMs: 60, lossPct: 3 }
  const down = { delayMs: 15, extraMs: 0, lossPct: 0 }
  const { proxy, probe } = await behindProxy(t, { host: '127.0.0.1', port: stun.port }, up, down, (address) => new StunProbe(address))

  const { run, ours, truth, trueRtt, trueLoss } = await measureAgainstProxy(probe, proxy, base)
  t.equal(truth.up.bursts, run.bursts.length, 'the proxy saw the same bursts')
  t.equal(truth.up.received, ours.sent, 'the proxy\'s record covers the same probes')
  t.comment(`${probe.stalledSamples} answers' times left out: this test process was stalled when they came`)
  t.comment(`RTT     ours ${ours.rttMs!.toFixed(2)} ms, proxy ${trueRtt.toFixed(2)} ms (${pct(ours.rttMs!, trueRtt)})`)
  t.comment(`jitter  ours ${ours.jitterMs!.toFixed(2)} ms, proxy ${truth.up.jitterMs!.toFixed(2)} ms (${pct(ours.jitterMs!, truth.up.jitterMs!)}; nominal ${(up.extraMs / 3).toFixed(1)} ms)`)
  t.comment(`loss    ours ${ours.lossPct!.toFixed(2)} %, proxy ${trueLoss.toFixed(2)} %`)

  t.ok(Math.abs(ours.rttMs! - trueRtt) <= 0.1 * trueRtt, 'RTT within ±10 %')
  t.ok(Math.abs(ours.jitterMs! - truth.up.jitterMs!) <= 0.1 * truth.up.jitterMs!, 'jitter within ±10 %')
  t.ok(Math.abs(ours.lossPct! - trueLoss) <= 1, 'loss within ±1 percentage point')
  t.equal(probe.mapped?.address, '127.0.0.1')
})

t.test('coturn as the STUN peer answers Binding requests too', { skip: which('turnserver') === null ? 'coturn is not installed (apt-get install coturn)' : false }, async (t) => {
  const stun = (await startStunServer(t, 'coturn'))!
  const probe = new StunProbe({ host: '127.0.0.1', port: stun.port })
  await probe.open()
  t.teardown(() => probe.close())
  await waitFor('coturn to answer', async () => (await probe.burst({ burst: 0, at: Date.now(), packets: 2, spacingMs: 10, bytes: 0, timeoutMs: 200 })).some((s) => s.rttMs !== null), { timeoutMs: 15_000 })
  const measured = stats((await probeFor(probe, 3)).samples)
  t.ok(measured.rttMs !== null && measured.rttMs < 50, `answers in ${measured.rttMs} ms`)
  t.equal(probe.mapped?.address, '127.0.0.1')
})
