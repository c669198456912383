// The monitor's early warning, on a real path whose delay the test turns up minute by minute (the
// impairment proxy in front of the hub's echo) and an injected gateway clock, so fifteen minutes of
// a link filling up pass in seconds: readiness turns amber with the time left *before* the round-trip
// time reaches even the near-limit level. And an echo service that never answers is named as such.
import t, { type Test } from 'tap'
import { NetworkMonitor } from '../../gateway/network/monitor.js'
import { NetworkMonitorConfig } from '../../gateway/network/config.js'
import { Value } from '@sinclair/typebox/value'
import type { Gateway } from '../../gateway/gateway.js'
import { startMosquitto } from '../helpers/servers.js'
import { freePort, testLogger, waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { startHubProbe, startImpairmentProxy } from './processes.js'

const need = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }
const minute = 60_000

async function gatewayWithMonitor (t: Test, echo: { host: string, port: number }, hubUrl = 'mqtt://127.0.0.1:1'): Promise<{ gateway: Gateway, monitor: NetworkMonitor, clock: { t: number } }> {
  const clock = { t: Date.parse('2026-11-24T07:00:00Z') }
  // The room's own monitor is off; the test's monitor is the same class, driven cycle by cycle.
  const config = roomConfig(t, {
    room: 'donna-1',
    hub: { url: hubUrl },
    profiles: { hud: { label: { nb: 'Hud og sår', en: 'Skin and wounds' }, requires: [], network: need } },
    network: { enabled: false },
    check: { enabled: false }
  })
  const gateway = await startGateway(t, config, {}, { clock: { now: () => clock.t } })
  const monitorConfig = Value.Default(NetworkMonitorConfig, { echo, train: { enabled: false }, probe: { timeoutMs: 1000 } }) as NetworkMonitorConfig
  const monitor = new NetworkMonitor({ config: monitorConfig, log: testLogger(), autoCycle: false })
  await monitor.start(gateway)
  t.teardown(async () => await monitor.stop())
  return { gateway, monitor, clock }
}

t.test('a round-trip time climbing 4 ms a minute turns readiness amber with the minutes left, long before the limit', async (t) => {
  const hub = await startHubProbe(t)
  const proxy = await startImpairmentProxy(t, hub, { delayMs: 10, extraMs: 0, lossPct: 0 }, { delayMs: 10, extraMs: 0, lossPct: 0 })
  const { gateway, monitor, clock } = await gatewayWithMonitor(t, { host: '127.0.0.1', port: proxy.port })

  let warnedAt: { minute: number, rtt: number, text: string } | null = null
  for (let m = 0; m < 15 && warnedAt === null; m++) {
    const rtt = 20 + 4 * m
    await proxy.set('up', { delayMs: rtt / 2, extraMs: 0, lossPct: 0 })
    await proxy.set('down', { delayMs: rtt / 2, extraMs: 0, lossPct: 0 })
    clock.t += minute
    let message = await monitor.cycle()
    // A burst thrown away because this (busy) test machine stalled the probe is measured again.
    for (let again = 0; again < 3 && message?.rttMs === null; again++) message = await monitor.cycle()
    const codes = gateway.readiness?.reasons.map((r) => r.code) ?? []
    t.notOk(codes.includes('network.rtt'), `minute ${m}: round trip ${message?.rttMs} ms is not near the limit yet`)
    const trend = gateway.readiness?.reasons.find((r) => r.code === 'network.trend-rtt')
    if (trend !== undefined) warnedAt = { minute: m, rtt: message!.rttMs!, text: trend.message.nb }
  }
  t.ok(warnedAt !== null, 'warned')
  t.comment(`warned at minute ${warnedAt?.minute}, round trip ${warnedAt?.rtt} ms: «${warnedAt?.text}»`)
  t.ok(warnedAt!.rtt < 0.8 * need.maxRttMs, 'before the round trip even reaches the near-limit level')
  t.match(warnedAt!.text, /^Nettverket blir tregere — kan bli for tregt til video om ca\. \d+ min$/)
  t.equal(gateway.readiness?.reasons.find((r) => r.code === 'network.trend-rtt')?.level, 'amber')
})

t.test('a steady path gives no trend warning', async (t) => {
  const hub = await startHubProbe(t)
  const { gateway, monitor, clock } = await gatewayWithMonitor(t, hub)
  for (let m = 0; m < 8; m++) {
    clock.t += minute
    await monitor.cycle()
  }
  t.same(gateway.readiness?.reasons.filter((r) => r.code.startsWith('network.trend')).map((r) => r.code), [])
  t.ok(monitor.last?.paths?.[0]?.rttMs !== undefined, 'measured')
})

t.test('an echo service that never answers is named, not reported as a link losing everything', async (t) => {
  const broker = await startMosquitto(t)
  const silent = await freePort()
  const { gateway, monitor } = await gatewayWithMonitor(t, { host: '127.0.0.1', port: silent }, broker.url)
  await waitFor('uplink', () => gateway.uplinkConnected)
  await monitor.cycle()
  await monitor.cycle()
  // A burst thrown away because this (busy) test machine stalled the probe is measured again.
  for (let again = 0; again < 5 && monitor.last?.paths?.[0]?.lossPct === null; again++) await monitor.cycle()
  const reasons = gateway.readiness?.reasons ?? []
  t.ok(reasons.some((r) => r.code === 'network.probe-unanswered' && r.message.nb.includes(`UDP 127.0.0.1:${silent}`)), 'the probe service is named')
  t.notOk(reasons.some((r) => r.code === 'network.loss'), 'no "100 % loss"')
  t.equal(gateway.network?.lossPct, null)
  t.equal(gateway.network?.paths?.[0]?.lossPct, 100, 'the path itself shows what happened')
})
