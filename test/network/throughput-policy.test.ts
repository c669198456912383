// When a throughput test runs, and what the packet train may say between tests.
import t from 'tap'
import { changeMatters, decideThroughputTest, publishableEstimate, scaledTrain, trainEstimate, type TestDecisionInput } from '../../gateway/network/throughput-policy.js'

const min = 60_000
const base: TestDecisionInput = { now: 100 * min, sessionRunning: false, msToNextSession: null, lastTestAt: 90 * min, everyMs: 30 * min, quietBeforeMs: 2 * min, minGapMs: min, changed: false }

t.test('tests run first, on schedule and on a change that matters — never during or just before a consultation', async (t) => {
  t.same(decideThroughputTest({ ...base, lastTestAt: null }), { run: true, why: 'first' })
  t.same(decideThroughputTest({ ...base, lastTestAt: 60 * min }), { run: true, why: 'scheduled' })
  t.same(decideThroughputTest(base), { run: false, blockedBy: null }, 'nothing due')
  t.same(decideThroughputTest({ ...base, changed: true }), { run: true, why: 'change' })
  t.same(decideThroughputTest({ ...base, changed: true, lastTestAt: 99.5 * min }), { run: false, blockedBy: 'gap' }, 'change tests keep their gap (the monitor publishes the train\'s figure meanwhile)')
  t.same(decideThroughputTest({ ...base, lastTestAt: null, sessionRunning: true }), { run: false, blockedBy: 'consultation' })
  t.same(decideThroughputTest({ ...base, lastTestAt: 0, msToNextSession: min }), { run: false, blockedBy: 'consultation-soon' })
  t.same(decideThroughputTest({ ...base, lastTestAt: 0, msToNextSession: 10 * min }), { run: true, why: 'scheduled' })
})

t.test('a change within the gap is confirmed by a test as soon as the gap allows; one the train cannot put a figure on is tested at once', async (t) => {
  const justTested = { ...base, lastTestAt: 99.5 * min }
  t.same(decideThroughputTest({ ...justTested, unconfirmed: true }), { run: false, blockedBy: 'gap' }, 'the train\'s figure stands for now')
  t.same(decideThroughputTest({ ...justTested, unconfirmed: true, now: 100.5 * min }), { run: true, why: 'confirm' }, 'the gap has passed: confirmed by a test')
  t.same(decideThroughputTest({ ...justTested, changed: true, trainCanTell: false }), { run: true, why: 'change' }, 'faster than the train can time after a short test: only a test can tell')
  t.same(decideThroughputTest({ ...base, unconfirmed: true, sessionRunning: true }), { run: false, blockedBy: 'consultation' }, 'never during a consultation')
})

t.test('the train estimate is the last test scaled by how the train moved', async (t) => {
  t.equal(trainEstimate({ tested: 20, trainAtTest: 21, trainNow: 2.1, need: 3 }, 1.3), 2)
  t.equal(trainEstimate({ tested: 20, trainAtTest: 21, trainNow: 19, need: 3 }, 1.3), 20, 'within the ratio: as tested')
  t.equal(trainEstimate({ tested: 20, trainAtTest: 21, trainNow: undefined, need: 3 }, 1.3), undefined, 'no train this cycle')
  t.equal(trainEstimate({ tested: null, trainAtTest: null, trainNow: 2, need: 3 }, 1.3), undefined, 'no test yet')
  t.equal(trainEstimate({ tested: 20, trainAtTest: undefined, trainNow: 2, need: 3 }, 1.3), 2, 'no train at the test: its own reading, against the test\'s figure')
  t.equal(trainEstimate({ tested: 20, trainAtTest: undefined, trainNow: 21.5, need: 3 }, 1.3), 20, 'no train at the test, reading about what the test did: as tested')
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

t.test('what the train may publish without a test', async (t) => {
  t.equal(publishableEstimate(1.4, 20, 3), 1.4)
  t.equal(publishableEstimate(Infinity, 20, 3), 20, 'too fast to time after a good test: at least what it measured')
  t.equal(publishableEstimate(Infinity, 1.4, 3), undefined, 'too fast to time after a short test: only a test can tell')
})

t.test('the bandwidth trend follows the train every cycle, in the last test\'s units', async (t) => {
  t.equal(scaledTrain({ tested: 20, trainAtTest: 21, trainNow: 19, need: 3 }), 20 * 19 / 21, 'a small move the change test ignores still moves the trend')
  t.equal(scaledTrain({ tested: null, trainAtTest: undefined, trainNow: 7.5, need: 3 }), 7.5, 'no test yet: the train itself')
  t.equal(scaledTrain({ tested: 20, trainAtTest: null, trainNow: 7.5, need: 3 }), 7.5, 'too fast to time at the test: nothing to scale by, the train itself')
  t.equal(scaledTrain({ tested: 20, trainAtTest: undefined, trainNow: 7.5, need: 3 }), 7.5, 'no train at the test: the train itself')
  t.equal(scaledTrain({ tested: 20, trainAtTest: 21, trainNow: null, need: 3 }), undefined, 'too fast to time now')
  t.equal(scaledTrain({ tested: 20, trainAtTest: 21, trainNow: undefined, need: 3 }), undefined, 'no train this cycle')
})
