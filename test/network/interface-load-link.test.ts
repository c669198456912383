// How much of its link the room already uses, measured from the interface counters on a real shaped
// link while other traffic (iperf3, standing in for a consultation's video) runs over it: the room's
// traffic is read as it is sent, and the monitor's own probes and throughput test are not counted.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { Value } from '@sinclair/typebox/value'
import { NetworkMonitor } from '../../gateway/network/monitor.js'
import { NetworkMonitorConfig } from '../../gateway/network/config.js'
import type { Gateway } from '../../gateway/gateway.js'
import { createShapedLink, linkSkipReason, type ShapedLink } from '../helpers/shaped-link.js'
import { which } from '../helpers/servers.js'
import { testLogger } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { startHubProbe } from './processes.js'

const skip = linkSkipReason() ?? (which('iperf3') === null ? 'iperf3 is not installed (apt-get install iperf3)' : null)

/** A room's gateway behind a link shaped to these rates, its hub's probe services on the far side, and a network monitor cycled by hand. */
async function roomBehindLink (t: Test, rates: { upMbps: number, downMbps: number }, monitorConfig: Record<string, unknown>): Promise<{ link: ShapedLink, gateway: Gateway, monitor: NetworkMonitor }> {
  const link = createShapedLink(t)
  link.shape(rates)
  const hub = await startHubProbe(t, link)
  const config = roomConfig(t, {
    room: 'donna-1',
    hub: { url: 'mqtt://127.0.0.1:1', http: `http://${hub.host}:${hub.port}` },
    profiles: { hud: { label: { nb: 'Hud og sår', en: 'Skin and wounds' }, requires: [] } },
    network: { enabled: false },
    check: { enabled: false }
  })
  const gateway = await startGateway(t, config, {})
  const monitor = new NetworkMonitor({ config: Value.Default(NetworkMonitorConfig, monitorConfig) as NetworkMonitorConfig, log: testLogger(), autoCycle: false })
  await monitor.start(gateway)
  t.teardown(async () => await monitor.stop())
  return { link, gateway, monitor }
}

t.test('the room\'s own load on a 10 Mbit/s link, without the monitor\'s own traffic', { skip: skip ?? false }, async (t) => {
  const { link, gateway, monitor } = await roomBehindLink(t, { upMbps: 10, downMbps: 10 }, { throughput: { maxDurationMs: 1500 } })

  await monitor.cycle() // reads the first train, which the throughput test in the next cycle is compared with
  const first = (await monitor.cycle())!
  t.ok(first.downMbps! > 8 && first.downMbps! < 10.5, `capacity measured first (${first.downMbps} Mbit/s down)`)
  // A throughput test on demand between two readings of the counters: all of it is our own traffic.
  const test = await gateway.runCommand('network.throughput', { id: 't-1', ts: Date.now() })
  t.ok(test.ok)
  const quiet = monitor.last!
  t.comment(`a throughput test in the interval: room rx ${quiet.ifaceRxMbps} tx ${quiet.ifaceTxMbps} Mbit/s, ${quiet.ifaceUtilPct} % used`)
  t.ok(quiet.ifaceUtilPct! < 5, 'the throughput test and the probes are not the room\'s load')

  // 3 Mbit/s of UDP from the hub side to the room for a while, as a video stream would be.
  const port = 5600 + Math.floor(Math.random() * 300)
  const server = link.spawn(which('iperf3')!, ['-s', '-1', '-B', link.nsAddress, '-p', String(port)])
  await new Promise((resolve) => setTimeout(resolve, 500))
  const client = spawn(which('iperf3')!, ['-c', link.nsAddress, '-p', String(port), '-u', '-b', '3M', '-R', '-t', '8'], { stdio: 'ignore' })
  t.teardown(() => { client.kill('SIGKILL'); void server.stop() })
  await new Promise((resolve) => setTimeout(resolve, 1000))
  await monitor.cycle() // starts the interval with the stream running
  await new Promise((resolve) => setTimeout(resolve, 2500))
  const busy = (await monitor.cycle())!
  // iperf3's 3 Mbit/s is UDP payload; the counters see it with UDP, IP and Ethernet headers (+42 bytes per 1448).
  const expectedRx = 3 * (1448 + 42) / 1448
  t.comment(`while 3 Mbit/s of UDP payload streams in: room rx ${busy.ifaceRxMbps} Mbit/s (expected ≈ ${expectedRx.toFixed(2)}), ${busy.ifaceUtilPct} % of ${busy.downMbps} Mbit/s`)
  t.ok(Math.abs(busy.ifaceRxMbps! - expectedRx) <= 0.15 * expectedRx, 'the room\'s inbound traffic within ±15 %')
  const expectedPct = (100 * expectedRx) / busy.downMbps!
  t.ok(Math.abs(busy.ifaceUtilPct! - expectedPct) <= 0.15 * expectedPct, `utilisation ≈ ${expectedPct.toFixed(0)} %`)
  t.equal(busy.iface, link.hostIf)
})

t.test('without throughput tests, the packet train\'s reading is published, marked as such', { skip: skip ?? false }, async (t) => {
  const { monitor } = await roomBehindLink(t, { upMbps: 4, downMbps: 6 }, { throughput: { enabled: false } })
  await monitor.cycle()
  await monitor.cycle()
  const m = (await monitor.cycle())!
  t.comment(`train only (tbf 4/6): up ${m.upMbps} down ${m.downMbps} Mbit/s (median of the last three trains)`)
  t.equal(m.throughputSource, 'train')
  t.ok(Math.abs(m.upMbps! - 4) <= 0.15 * 4 && Math.abs(m.downMbps! - 6) <= 0.15 * 6, 'within ±15 % of the shaped rates')
})
