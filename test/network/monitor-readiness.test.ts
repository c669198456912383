// The network monitor in a running gateway, over a real shaped link: a link shaped below what the
// profile needs turns readiness red, with a reason naming bandwidth, within one probe cycle — also
// right after a throughput test, inside the default gap between tests; lifting the shaping turns it
// green again. The hub's probe services run in a network namespace behind a
// veth pair limited with tbf; the gateway's uplink is a real Mosquitto.
import t from 'tap'
import type { NetworkMessage } from '../../protocol/messages.js'
import { createShapedLink, linkSkipReason } from '../helpers/shaped-link.js'
import { startMosquitto } from '../helpers/servers.js'
import { waitFor } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'
import { startHubProbe } from './processes.js'

const skip = linkSkipReason()
const need = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }

t.test('bandwidth below the need → red naming bandwidth within one cycle; lifted → green', { skip: skip ?? false }, async (t) => {
  const link = createShapedLink(t)
  link.shape({ upMbps: 20, downMbps: 20 })
  const hub = await startHubProbe(t, link)
  const broker = await startMosquitto(t)
  const config = roomConfig(t, {
    room: 'rodoy-1',
    hub: { url: broker.url, http: `http://${hub.host}:${hub.port}` },
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: [], network: need } },
    // The gap between tests is the default (60 s): the drop comes within it, so the train's figure
    // must turn the light, not a test.
    network: { intervalMs: 2000, throughput: { maxDurationMs: 1500 } },
    check: { enabled: false }
  })
  const gateway = await startGateway(t, config, {})
  const messages: NetworkMessage[] = []
  gateway.on('network', (m) => messages.push(m))

  await waitFor('the first throughput test and green', () => (gateway.network?.upMbps ?? 0) > 10 && gateway.readiness?.level === 'green', { timeoutMs: 30_000 })
  const before = gateway.network!
  t.comment(`unshaped-ish (tbf 20/20): up ${before.upMbps} down ${before.downMbps} Mbit/s, rtt ${before.rttMs} ms, jitter ${before.jitterMs} ms, loss ${before.lossPct} %, iface ${before.iface}`)
  t.equal(before.iface, link.hostIf, 'the interface the probe leaves by')
  t.equal(before.paths?.[0]?.kind, 'hub')

  // Shape below the need. The cycle running at this moment may have started before; the first
  // cycle that starts after it must already say so.
  messages.length = 0
  t.ok(before.throughputSource === 'test' && Date.now() - before.throughputTs! < 50_000, 'shaped within the 60 s gap after the throughput test')
  link.shape({ upMbps: 1.5, downMbps: 1.5 })
  const red = await waitFor('red readiness', () => gateway.readiness?.level === 'red' ? gateway.readiness : undefined, { timeoutMs: 30_000 })
    .catch((err: Error) => { throw new Error(`${err.message}; network messages since shaping: ${JSON.stringify(messages.map(({ upMbps, downMbps, throughputSource, rttMs }) => ({ upMbps, downMbps, throughputSource, rttMs })))}`) })
  const cycles = messages.length
  t.ok(cycles <= 2, `red after ${cycles} network message(s): within one probe cycle`)
  const bandwidth = red.reasons.filter((r) => r.code.startsWith('network.bandwidth-'))
  t.ok(bandwidth.length > 0, 'a reason naming bandwidth')
  t.match(red.summary?.nb, /båndbredde/)
  t.match(bandwidth[0]?.message.en, /bandwidth/)
  const shaped = gateway.network!
  t.comment(`shaped (tbf 1.5/1.5): up ${shaped.upMbps} down ${shaped.downMbps} Mbit/s (${shaped.throughputSource}); light: ${red.summary?.nb}`)
  t.ok(shaped.upMbps! < need.minUpMbps && shaped.downMbps! < need.minDownMbps)

  messages.length = 0
  link.shape({ upMbps: null, downMbps: null })
  await waitFor('bandwidth back above the need', () => (gateway.network?.upMbps ?? 0) >= need.minUpMbps && (gateway.network?.downMbps ?? 0) >= need.minDownMbps, { timeoutMs: 30_000 })
  t.ok(messages.length <= 2, `bandwidth back after ${messages.length} network message(s)`)
  await waitFor('green again', () => gateway.readiness?.level === 'green', { timeoutMs: 10_000 })
  t.comment(`lifted: up ${gateway.network?.upMbps} down ${gateway.network?.downMbps} Mbit/s`)
})
