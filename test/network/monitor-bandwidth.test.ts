// The monitor's bandwidth between throughput tests, over a real tbf-shaped link with an injected
// gateway clock (so minutes pass in a cycle): a link slowly shaped down turns readiness amber with a
// bandwidth trend *before* it falls below the need, from the packet train read every cycle (tests
// run only every 30 minutes); and a drop right after a test — within the default 60 s gap between
// tests — is published from the train at once, then confirmed by a test when the gap allows.
import t, { type Test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { NetworkMonitor } from '../../gateway/network/monitor.js'
import { NetworkMonitorConfig } from '../../gateway/network/config.js'
import type { Gateway } from '../../gateway/gateway.js'
import type { NetworkMessage } from '../../protocol/messages.js'
import { createShapedLink, linkSkipReason, type ShapedLink } from '../helpers/shaped-link.js'
import { testLogger } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { startHubProbe } from './processes.js'

const skip = linkSkipReason()
const need = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }
const minute = 60_000

interface MonitoredRoom { link: ShapedLink, gateway: Gateway, monitor: NetworkMonitor, clock: { t: number }, tested: NetworkMessage | null }

/** A link shaped to `mbps` each way, the hub's probe services behind it, a room's monitor that has run its first test. */
async function monitoredRoom (t: Test, mbps: number): Promise<MonitoredRoom> {
  const link = createShapedLink(t)
  link.shape({ upMbps: mbps, downMbps: mbps })
  const hub = await startHubProbe(t, link)
  const clock = { t: Date.parse('2026-11-24T12:00:00Z') }
  const config = roomConfig(t, {
    room: 'donna-1',
    hub: { url: 'mqtt://127.0.0.1:1' },
    profiles: { hud: { label: { nb: 'Hud og sår', en: 'Skin and wounds' }, requires: [], network: need } },
    network: { enabled: false },
    check: { enabled: false }
  })
  const gateway = await startGateway(t, config, {}, { clock: { now: () => clock.t } })
  // Defaults throughout (a test every 30 min, change tests 60 s apart), but a short test so the run is short.
  const monitorConfig = Value.Default(NetworkMonitorConfig, { echo: hub, throughput: { url: `http://${hub.host}:${hub.port}`, maxDurationMs: 1000 } }) as NetworkMonitorConfig
  t.equal(monitorConfig.throughput.minGapSeconds, 60, 'the default gap between tests')
  const monitor = new NetworkMonitor({ config: monitorConfig, log: testLogger(), autoCycle: false })
  await monitor.start(gateway)
  t.teardown(async () => await monitor.stop())
  await monitor.cycle()
  const tested = await monitor.cycle()
  t.equal(tested?.throughputSource, 'test', 'the second cycle tests throughput (the first reads a train to scale by)')
  return { link, gateway, monitor, clock, tested }
}

const codes = (g: Gateway): string[] => g.readiness?.reasons.map((r) => r.code) ?? []
const brief = (m: NetworkMessage | null): string => `up ${m?.upMbps} down ${m?.downMbps} Mbit/s (${m?.throughputSource})`

t.test('a link slowly shaped down: amber with a bandwidth trend before it falls below the need', { skip: skip ?? false }, async (t) => {
  const { link, gateway, monitor, clock } = await monitoredRoom(t, 12)
  t.comment(`start, tbf 12 Mbit/s: ${brief(monitor.last)}`)

  let warned: { rate: number, published: NetworkMessage, codes: string[], text: string } | null = null
  // 0.6 Mbit/s less every minute: below the near-limit level (3.6) after 14 minutes, below the need after 15.
  for (let m = 1; m <= 15 && warned === null; m++) {
    const rate = 12 - 0.6 * m
    link.shape({ upMbps: rate, downMbps: rate })
    clock.t += minute
    const message = await monitor.cycle()
    const trend = gateway.readiness?.reasons.find((r) => r.code.startsWith('network.trend-bandwidth'))
    if (trend !== undefined) warned = { rate, published: message!, codes: codes(gateway), text: trend.message.nb }
  }
  t.ok(warned !== null, 'warned')
  t.comment(`warned at tbf ${warned?.rate.toFixed(1)} Mbit/s, published ${brief(warned?.published ?? null)}: «${warned?.text}»`)
  t.ok(warned!.rate >= need.minUpMbps * 1.2, 'while the link still carries more than the near-limit level')
  t.notOk(warned!.codes.some((c) => c.startsWith('network.bandwidth-')), 'before readiness has any bandwidth reason of its own')
  t.match(warned!.text, /^Båndbredden (ut|inn) synker — kan bli for lav til video om ca\. \d+ min$/)
  t.equal(gateway.readiness?.reasons.find((r) => r.code.startsWith('network.trend-bandwidth'))?.level, 'amber')
})

t.test('a drop within the gap after a test: the train\'s figure at once, a test confirms it when the gap allows', { skip: skip ?? false }, async (t) => {
  const { link, gateway, monitor, clock, tested } = await monitoredRoom(t, 20)
  t.ok(tested!.upMbps! > 10 && tested!.downMbps! > 10, `tested: ${brief(tested)}`)

  // A cycle whose train could not be read (a busy test machine clumps its arrivals) says nothing, so
  // "within one probe cycle" is allowed two such cycles: the suite runs three files at a time on two
  // cores, and a CI run saw two clumped trains in a row.
  const within3 = async (step: number, shows: (m: NetworkMessage | null) => boolean): Promise<{ message: NetworkMessage | null, cycles: number }> => {
    let message: NetworkMessage | null = null
    for (let cycles = 1; cycles <= 3; cycles++) {
      clock.t += step
      message = await monitor.cycle()
      if (shows(message)) return { message, cycles }
    }
    return { message, cycles: 4 }
  }
  const short = (m: NetworkMessage | null): boolean => m !== null && m.upMbps! < need.minUpMbps && m.downMbps! < need.minDownMbps

  // 10 s after the test: far inside the 60 s gap.
  link.shape({ upMbps: 1.5, downMbps: 1.5 })
  const dropped = await within3(10_000, short)
  t.comment(`tbf 1.5 Mbit/s, 10 s after the test: ${brief(dropped.message)} after ${dropped.cycles} cycle(s)`)
  t.ok(dropped.cycles <= 3, 'below the need within one probe cycle (whose train could be read)')
  t.equal(dropped.message?.throughputSource, 'train', 'published from the train, marked as such')
  t.ok(codes(gateway).includes('network.bandwidth-up') && codes(gateway).includes('network.bandwidth-down'), 'readiness names bandwidth')
  t.equal(gateway.readiness?.level, 'red')

  clock.t += 20_000
  t.equal((await monitor.cycle())?.throughputSource, 'train', 'still inside the gap: no test yet')

  clock.t += 40_000
  const confirmed = await monitor.cycle()
  t.comment(`the gap passed: ${brief(confirmed)}`)
  t.equal(confirmed?.throughputSource, 'test', 'confirmed by a test')
  t.ok(short(confirmed))
  t.equal(confirmed?.throughputTs, clock.t)

  // Lifted 10 s after that test: back above the need within one cycle, gap or not.
  link.shape({ upMbps: 20, downMbps: 20 })
  const lifted = await within3(10_000, (m) => m !== null && m.upMbps! >= need.minUpMbps && m.downMbps! >= need.minDownMbps)
  t.comment(`lifted to 20 Mbit/s, 10 s after the confirming test: ${brief(lifted.message)} after ${lifted.cycles} cycle(s)`)
  t.ok(lifted.cycles <= 3, 'back above the need within one probe cycle (whose train could be read)')
  t.notOk(codes(gateway).some((c) => c.startsWith('network.bandwidth-')), 'no bandwidth reason left')
})
