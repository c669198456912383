// The check scheduler on an injected clock and timers: a morning with two consultations runs each
// check at its exact time without waiting, follows a schedule that changes, and retries a failed
// check until it passes.
import t from 'tap'
import { CheckScheduler } from '../../gateway/check/check-scheduler.js'
import type { CheckTime } from '../../gateway/check/check-schedule.js'
import type { CheckReport, Consultation } from '../../protocol/messages.js'
import { FakeClock } from './fake-clock.js'

const at = (hhmm: string): number => Date.parse(`2026-11-24T${hhmm}:00+01:00`)
const hhmm = (ts: number): string => new Intl.DateTimeFormat('nb-NO', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Oslo' }).format(ts)

function report (passed: boolean): CheckReport {
  return { id: 'r', trigger: 'scheduled', session: null, profile: null, passed, steps: [], startedAt: 0, ts: 0 }
}

function scheduler (clock: FakeClock, schedule: { current: Consultation[] }, passes: (due: CheckTime) => boolean = () => true): { runs: string[], s: CheckScheduler } {
  const runs: string[] = []
  const s = new CheckScheduler({
    timers: clock,
    beforeMinutes: [30, 5],
    retryMs: 5 * 60_000,
    schedule: () => schedule.current,
    run: async (due) => {
      runs.push(`${hhmm(clock.now())} ${due.session.id} T−${Math.round(due.minutesBefore)}`)
      return report(passes(due))
    }
  })
  return { runs, s }
}

t.test('both checks of each consultation run at their exact times', async (t) => {
  const clock = new FakeClock(at('07:00'))
  const schedule = { current: [{ id: 'c-1', start: at('09:30'), minutes: 30, profile: 'ortopedi' }, { id: 'c-2', start: at('11:00'), minutes: 45, profile: 'kurs' }] }
  const { runs, s } = scheduler(clock, schedule)
  s.start()
  t.teardown(async () => await s.stop())
  await clock.advanceTo(at('12:00'))
  t.same(runs, ['09:00 c-1 T−30', '09:25 c-1 T−5', '10:30 c-2 T−30', '10:55 c-2 T−5'])
})

t.test('a schedule that changes is followed at once', async (t) => {
  const clock = new FakeClock(at('07:00'))
  const schedule = { current: [{ id: 'c-1', start: at('09:30'), minutes: 30, profile: 'ortopedi' }] }
  const { runs, s } = scheduler(clock, schedule)
  s.start()
  t.teardown(async () => await s.stop())
  await clock.advanceTo(at('08:00'))
  schedule.current = [{ id: 'c-1', start: at('08:20'), minutes: 30, profile: 'ortopedi' }]
  s.wake()
  await clock.advanceTo(at('10:00'))
  t.same(runs, ['08:00 c-1 T−30', '08:15 c-1 T−5'], 'moved forward: the T−30 time had passed, so it ran at once')
})

t.test('a failed check is retried every 5 minutes until it passes', async (t) => {
  const clock = new FakeClock(at('08:00'))
  const schedule = { current: [{ id: 'c-1', start: at('09:30'), minutes: 30, profile: 'ortopedi' }] }
  let failuresLeft = 2
  const { runs, s } = scheduler(clock, schedule, () => failuresLeft-- <= 0)
  s.start()
  t.teardown(async () => await s.stop())
  await clock.advanceTo(at('09:20'))
  t.same(runs, ['09:00 c-1 T−30', '09:05 c-1 T−25', '09:10 c-1 T−20'])
  await clock.advanceTo(at('09:40'))
  t.same(runs.slice(3), ['09:25 c-1 T−5'])
})

t.test('stopping cancels its timer', async (t) => {
  const clock = new FakeClock(at('08:00'))
  const { s } = scheduler(clock, { current: [{ id: 'c-1', start: at('09:30'), minutes: 30, profile: 'ortopedi' }] })
  s.start()
  await clock.advanceTo(at('08:01'))
  t.equal(clock.pending, 1)
  await s.stop()
  t.equal(clock.pending, 0)
})
