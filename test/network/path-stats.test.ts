// Round-trip time, jitter (RFC 3550's D, per direction) and loss from probe samples: the arithmetic,
// on samples whose right answers are known by construction.
import t from 'tap'
import { meanAbsDelta, pathStats, pruneSamples, type ProbeSample } from '../../gateway/network/path-stats.js'

const now = 1_000_000

function sample (at: number, burst: number, seq: number, rttMs: number | null, upMs: number | null = null, downMs: number | null = null): ProbeSample {
  return { at, burst, seq, rttMs, upMs, downMs }
}

t.test('round-trip time is the mean of answered probes within the window', async (t) => {
  const s = [sample(now - 20_000, 1, 1, 500), sample(now - 1000, 2, 2, 10), sample(now - 900, 2, 3, 20), sample(now - 800, 2, 4, null)]
  const stats = pathStats(s, { now, rttWindowMs: 15_000, lossWindowMs: 60_000 })
  t.equal(stats.rttMs, 15, 'the 500 ms probe is outside the 15 s window')
  t.equal(stats.sent, 4)
  t.equal(stats.lost, 1)
  t.equal(stats.lossPct, 25, 'loss over the 60 s window')
})

t.test('jitter per direction is the mean |D| of consecutive answered probes of a burst', async (t) => {
  // Upstream transit 10, 14, 12, 18 → |D| 4, 2, 6 → 4. Downstream 5, 5, 6, 5 → 0, 1, 1 → 2/3.
  const s = [
    sample(now - 100, 1, 1, 15, 10, 5), sample(now - 80, 1, 2, 19, 14, 5),
    sample(now - 60, 1, 3, 18, 12, 6), sample(now - 40, 1, 4, 23, 18, 5)
  ]
  const stats = pathStats(s, { now, rttWindowMs: 15_000, lossWindowMs: 60_000 })
  t.equal(stats.jitterUpMs, 4)
  t.ok(Math.abs(stats.jitterDownMs! - 2 / 3) < 1e-9)
  t.equal(stats.jitterMs, 4, 'the worse direction')
})

t.test('the clock offset between the two ends cancels out of D', async (t) => {
  const offset = 123_456.789
  const a = [sample(0, 1, 1, 10, 3, 7), sample(1, 1, 2, 12, 4, 8)]
  const b = a.map((s) => ({ ...s, upMs: s.upMs! + offset, downMs: s.downMs! - offset }))
  t.equal(meanAbsDelta(a, (s) => s.upMs), meanAbsDelta(b, (s) => s.upMs))
  t.ok(Math.abs(meanAbsDelta(a, (s) => s.downMs)! - meanAbsDelta(b, (s) => s.downMs)!) < 1e-6)
})

t.test('pairs never span bursts, and a lost probe is skipped (its neighbours pair up)', async (t) => {
  const s = [
    sample(now - 5000, 1, 1, 10, 10, 0), sample(now - 4980, 1, 2, 10, 20, 0),
    sample(now - 100, 2, 3, 10, 100, 0), sample(now - 80, 2, 4, null), sample(now - 60, 2, 5, 10, 103, 0)
  ]
  t.equal(meanAbsDelta(s, (x) => x.upMs), (10 + 3) / 2)
})

t.test('a target without timestamps (STUN) gives round-trip jitter', async (t) => {
  const s = [sample(now - 100, 1, 1, 30), sample(now - 80, 1, 2, 40), sample(now - 60, 1, 3, 35)]
  const stats = pathStats(s, { now, rttWindowMs: 15_000, lossWindowMs: 60_000 })
  t.equal(stats.jitterUpMs, null)
  t.equal(stats.jitterMs, 7.5)
})

t.test('no samples: nothing measured', async (t) => {
  t.same(pathStats([], { now, rttWindowMs: 15_000, lossWindowMs: 60_000 }), { rttMs: null, jitterMs: null, jitterUpMs: null, jitterDownMs: null, lossPct: null, sent: 0, lost: 0 })
  const allLost = pathStats([sample(now - 10, 1, 1, null)], { now, rttWindowMs: 15_000, lossWindowMs: 60_000 })
  t.equal(allLost.rttMs, null)
  t.equal(allLost.lossPct, 100)
})

t.test('pruning keeps what a window can still need', async (t) => {
  const s = [{ at: 1 }, { at: 5 }, { at: 9 }]
  t.same(pruneSamples(s, 10, 6), [{ at: 5 }, { at: 9 }])
  t.equal(pruneSamples(s, 10, 100), s)
})

t.test('an answer stamped while our own loop stalled counts as answered, but its times are left out', async (t) => {
  const stalled = { ...sample(now - 60, 1, 2, 250, 240, 10), stalled: true }
  const s = [sample(now - 80, 1, 1, 20, 10, 10), stalled, sample(now - 40, 1, 3, 22, 12, 10)]
  const stats = pathStats(s, { now, rttWindowMs: 15_000, lossWindowMs: 60_000 })
  t.equal(stats.rttMs, 21)
  t.equal(stats.jitterUpMs, 2, 'its neighbours pair up instead')
  t.equal(stats.lossPct, 0)
})
