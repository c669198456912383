// Capacity from a packet train's dispersion, on arrivals built with known spacing.
import t from 'tap'
import { trainCapacityMbps, trainIsClumped, type TrainArrival } from '../../gateway/network/train-capacity.js'

function train (n: number, bytes: number, gapMs: number, burstPackets = 0): TrainArrival[] {
  const out: TrainArrival[] = []
  let at = 0
  for (let seq = 0; seq < n; seq++) {
    out.push({ seq, atMs: at, bytes })
    if (seq >= burstPackets) at += gapMs
  }
  return out
}

t.test('evenly spread packets give the link rate (IP layer)', async (t) => {
  // 1200 + 28 bytes every 4.912 ms = 2 Mbit/s
  const mbps = trainCapacityMbps(train(24, 1200, (1228 * 8) / 2000))!
  t.ok(Math.abs(mbps - 2) < 1e-9, `${mbps}`)
})

t.test('a token bucket\'s first burst does not count', async (t) => {
  const mbps = trainCapacityMbps(train(24, 1200, (1228 * 8) / 5000, 8))!
  t.ok(Math.abs(mbps - 5) < 1e-9, `${mbps}`)
})

t.test('order of arrival counts, not of sending; packets a queue dropped never used the link', async (t) => {
  // 18 survivors of 24 (the shaper's queue dropped the rest), arriving 1 ms apart, listed backwards.
  const survivors = train(18, 1000, 1).map((a, i) => ({ ...a, seq: [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 22][i]! })).reverse()
  const mbps = trainCapacityMbps(survivors)!
  t.ok(Math.abs(mbps - (1028 * 8) / 1000) < 1e-9, `${mbps}`)
})

t.test('no estimate when too few packets came or they came too fast to time', async (t) => {
  t.equal(trainCapacityMbps(train(3, 1200, 5)), null)
  t.equal(trainCapacityMbps(train(24, 1200, 0.001)), null)
})

t.test('a busy receiver\'s clumped arrivals are recognised; a link\'s even spacing is not', async (t) => {
  t.equal(trainIsClumped(train(24, 1200, 2)), false)
  t.equal(trainIsClumped(train(24, 1200, 2, 8)), false, 'a burst at the start is not in the tail')
  // The event loop was blocked: packets read four at a time, 8 ms apart.
  const clumped = train(24, 1200, 2).map((a) => ({ ...a, atMs: Math.floor(a.seq / 4) * 8 + (a.seq % 4) * 0.01 }))
  t.equal(trainIsClumped(clumped), true)
})
