// When pre-session checks are due: T−30 and T−5 for each consultation, one catch-up check for the
// times a late start missed, retries of failed checks before the start. Pure, table-driven.
import t from 'tap'
import { checkTimes, planChecks, retryTime } from '../../gateway/check/check-schedule.js'
import type { Consultation } from '../../protocol/messages.js'

const min = 60_000
const at = (hhmm: string): number => Date.parse(`2026-11-24T${hhmm}:00+01:00`)
const c1: Consultation = { id: 'c-1', start: at('09:30'), minutes: 30, profile: 'ortopedi' }
const c2: Consultation = { id: 'c-2', start: at('11:00'), minutes: 45, profile: 'kurs' }
const schedule = [c2, c1]

t.test('every check time of consultations still ahead, earliest first', async (t) => {
  const times = checkTimes(schedule, [30, 5], at('08:00'))
  t.same(times.map((x) => [x.session.id, x.minutesBefore, x.at]), [
    ['c-1', 30, at('09:00')], ['c-1', 5, at('09:25')], ['c-2', 30, at('10:30')], ['c-2', 5, at('10:55')]
  ])
  t.same(checkTimes(schedule, [30, 5], at('09:30')).map((x) => x.session.id), ['c-2', 'c-2'], 'a started consultation is not checked')
  t.equal(checkTimes([c1], [5, 5], at('08:00')).length, 1, 'a time given twice is one check')
})

t.test('nothing due yet: the next time', async (t) => {
  const plan = planChecks({ schedule, beforeMinutes: [30, 5], now: at('08:00'), done: new Set() })
  t.same(plan.due, [])
  t.equal(plan.next, at('09:00'))
})

t.test('due at its time, then the next one', async (t) => {
  const first = planChecks({ schedule, beforeMinutes: [30, 5], now: at('09:00'), done: new Set() })
  t.same(first.due.map((x) => [x.session.id, x.minutesBefore]), [['c-1', 30]])
  const done = new Set(first.due.map((x) => x.key))
  const after = planChecks({ schedule, beforeMinutes: [30, 5], now: at('09:00'), done })
  t.same(after.due, [])
  t.equal(after.next, at('09:25'))
})

t.test('a gateway that starts late runs one catch-up check, not every missed one', async (t) => {
  const plan = planChecks({ schedule, beforeMinutes: [30, 5], now: at('09:27'), done: new Set() })
  t.same(plan.due.map((x) => [x.session.id, x.minutesBefore]), [['c-1', 5]])
  t.same(plan.covered.map((x) => x.minutesBefore), [30], 'the T−30 check is covered by it')
  t.equal(plan.next, at('10:30'))
})

t.test('a rescheduled consultation is checked again', async (t) => {
  const first = planChecks({ schedule: [c1], beforeMinutes: [30], now: at('09:00'), done: new Set() })
  const moved = { ...c1, start: at('09:45') }
  const again = planChecks({ schedule: [moved], beforeMinutes: [30], now: at('09:15'), done: new Set(first.due.map((x) => x.key)) })
  t.same(again.due.map((x) => x.session.start), [at('09:45')])
})

t.test('a failed check is retried before the start, never after', async (t) => {
  t.equal(retryTime(at('09:00'), 5 * min, c1.start), at('09:05'))
  t.equal(retryTime(at('09:27'), 5 * min, c1.start), null, 'the consultation starts first')
  t.equal(retryTime(at('09:00'), 0, c1.start), null, 'retries switched off')
  const done = new Set(checkTimes([c1], [30, 5], at('08:00')).filter((x) => x.minutesBefore === 30).map((x) => x.key))
  const waiting = planChecks({ schedule: [c1], beforeMinutes: [30, 5], now: at('09:02'), done, retries: new Map([['c-1', at('09:05')]]) })
  t.same(waiting.due, [])
  t.equal(waiting.next, at('09:05'))
  const due = planChecks({ schedule: [c1], beforeMinutes: [30, 5], now: at('09:05'), done, retries: new Map([['c-1', at('09:05')]]) })
  t.same(due.due.map((x) => [x.session.id, Math.round(x.minutesBefore)]), [['c-1', 25]])
})
