// When a throughput test runs, and what the packet train may say between tests.
import t from 'tap'
import { changeMatters, decideThroughputTest, trainEstimate, type TestDecisionInput } from '../../gateway/network/throughput-policy.js'

const min = 60_000
const base: TestDecisionInput = { now: 100 * min, sessionRunning: false, msToNextSession: null, lastTestAt: 90 * min, everyMs: 30 * min, quietBeforeMs: 2 * min, minGapMs: min, changed: false }

t.test('tests run first, on schedule and on a change that matters — never during or just before a consultation', async (t) => {
  t.same(decideThroughputTest({ ...base, lastTestAt: null }), { run: true, why: 'first' })
  t.same(decideThroughputTest({ ...base, lastTestAt: 60 * min }), { run: true, why: 'scheduled' })
  t.same(decideThroughputTest(base), { run: false, blockedBy: null }, 'nothing due')
  t.same(decideThroughputTest({ ...base, changed: true }), { run: true, why: 'change' })
  t.same(decideThroughputTest({ ...base, changed: true, lastTestAt: 99.5 * min }), { run: false, blockedBy: null }, 'change tests keep their gap')
  t.same(decideThroughputTest({ ...base, lastTestAt: null, sessionRunning: true }), { run: false, blockedBy: 'consultation' })
  t.same(decideThroughputTest({ ...base, lastTestAt: 0, msToNextSession: min }), { run: false, blockedBy: 'consultation-soon' })
  t.same(decideThroughputTest({ ...base, lastTestAt: 0, msToNextSession: 10 * min }), { run: true, why: 'scheduled' })
})

t.test('the train estimate is the last test scaled by how the train moved', async (t) => {
  t.equal(trainEstimate({ tested: 20, trainAtTest: 21, trainNow: 2.1, need: 3 }, 1.3), 2)
  t.equal(trainEstimate({ tested: 20, trainAtTest: 21, trainNow: 19, need: 3 }, 1.3), undefined, 'within the ratio: nothing new')
  t.equal(trainEstimate({ tested: 20, trainAtTest: 21, trainNow: undefined, need: 3 }, 1.3), undefined, 'no train this cycle')
  t.equal(trainEstimate({ tested: null, trainAtTest: null, trainNow: 2, need: 3 }, 1.3), undefined, 'no test yet')
  t.equal(trainEstimate({ tested: 20, trainAtTest: undefined, trainNow: 2, need: 3 }, 1.3), undefined, 'no train at the test: nothing to compare with')
  t.equal(trainEstimate({ tested: 900, trainAtTest: null, trainNow: 1.4, need: 3 }, 1.3), 1.4, 'too fast to time then, slow now')
  t.equal(trainEstimate({ tested: 1.4, trainAtTest: 1.5, trainNow: null, need: 3 }, 1.3), Infinity, 'slow then, too fast to time now')
})

t.test('a change matters when it moves the figure across 120 % of the need', async (t) => {
  t.equal(changeMatters(20, 2, 3), true, 'down below')
  t.equal(changeMatters(2, 20, 3), true, 'back above')
  t.equal(changeMatters(20, 12, 3), false, 'still plenty')
  t.equal(changeMatters(2, 1, 3), false, 'still short')
  t.equal(changeMatters(null, 2, 3), true, 'unknown so far, short now')
  t.equal(changeMatters(20, 2, 0), false, 'no need, no matter')
})
