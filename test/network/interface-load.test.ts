// The room's own load on its link, from /proc/net/dev: parsing, rates, and the share of capacity.
import t from 'tap'
import { counterRate, interfaceOfAddress, parseProcNetDev, readInterfaceCounters, utilisationPct } from '../../gateway/network/interface-load.js'

const procNetDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:   93456     812    0    0    0     0          0         0    93456     812    0    0    0     0       0          0
  eth0:12345678901 9876543 0 12 0 0 0 301 2345678 34567 0 0 0 0 0 0
wlan0: 100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0
`

t.test('parses /proc/net/dev, also when a wide counter touches the name', async (t) => {
  const counters = parseProcNetDev(procNetDev)
  t.same(counters.get('eth0'), { rxBytes: 12345678901, txBytes: 2345678 })
  t.same(counters.get('lo'), { rxBytes: 93456, txBytes: 93456 })
  t.same(counters.get('wlan0'), { rxBytes: 100, txBytes: 200 })
  t.equal(counters.size, 3)
})

t.test('rates between two readings; a counter that went backwards gives none', async (t) => {
  t.same(counterRate({ rxBytes: 0, txBytes: 0 }, { rxBytes: 1_250_000, txBytes: 125_000 }, 1000), { rxMbps: 10, txMbps: 1 })
  t.equal(counterRate({ rxBytes: 10, txBytes: 0 }, { rxBytes: 5, txBytes: 0 }, 1000), null)
})

t.test('utilisation: the busier direction against its capacity, without our own probe traffic', async (t) => {
  t.equal(utilisationPct({ rxMbps: 5, txMbps: 1 }, { upMbps: 10, downMbps: 20 }), 25)
  t.equal(utilisationPct({ rxMbps: 5, txMbps: 4 }, { upMbps: 10, downMbps: 20 }, { rxMbps: 0, txMbps: 3 }), 25, 'our 3 Mbit/s upload is not the room\'s')
  t.equal(utilisationPct({ rxMbps: 5, txMbps: 1 }, { upMbps: null, downMbps: null }), null, 'no capacity known')
})

t.test('finds the interface of a local address', async (t) => {
  const interfaces = { lo: [{ address: '127.0.0.1' }], eth0: [{ address: '192.168.1.5' }, { address: 'fe80::1' }] } as unknown as Parameters<typeof interfaceOfAddress>[1]
  t.equal(interfaceOfAddress('192.168.1.5', interfaces), 'eth0')
  t.equal(interfaceOfAddress('::ffff:127.0.0.1', interfaces), 'lo')
  t.equal(interfaceOfAddress('10.0.0.1', interfaces), null)
})

t.test('reads this machine\'s loopback counters', async (t) => {
  const lo = await readInterfaceCounters('lo')
  t.ok(lo !== null && lo.rxBytes >= 0)
  t.equal(await readInterfaceCounters('no-such-if0'), null)
})
