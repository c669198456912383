// Runs the pre-session checks at their times: asks check-schedule.ts what is due, runs it, marks it
// done, sets a timer for the next, and looks again whenever the schedule changes. One check at a
// time; a failed one is retried before its consultation starts. Timers and clock are injected.
import type { Logger } from 'pino'
import type { CheckReport, Consultation } from '../../protocol/messages.js'
import { planChecks, retryTime, type CheckTime } from './check-schedule.js'
import { MAX_TIMER_MS, type CheckTimers } from './timers.js'

export interface CheckSchedulerOptions {
  timers: CheckTimers
  beforeMinutes: readonly number[]
  retryMs: number
  schedule: () => readonly Consultation[]
  /** Runs one check; resolves with its report (or null if it could not run). */
  run: (due: CheckTime) => Promise<CheckReport | null>
  log?: Logger
}

export class CheckScheduler {
  /** Check keys done, with their consultation's start (so old ones can be forgotten). */
  private readonly done = new Map<string, number>()
  private readonly retries = new Map<string, number>()
  private timer: unknown = null
  private busy: Promise<void> | null = null
  private again = false
  private stopped = true

  constructor (private readonly o: CheckSchedulerOptions) {}

  start (): void {
    this.stopped = false
    this.wake()
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.clearTimer()
    await this.busy?.catch(() => {})
  }

  /** Looks at the schedule again now (call it when the schedule changes). */
  wake (): void {
    if (this.stopped) return
    if (this.busy !== null) {
      this.again = true
      return
    }
    this.clearTimer()
    this.busy = this.tick()
      .catch((err: Error) => this.o.log?.error({ err }, 'pre-session check scheduling failed'))
      .finally(() => {
        this.busy = null
        if (this.again) {
          this.again = false
          this.wake()
        }
      })
  }

  private async tick (): Promise<void> {
    for (;;) {
      if (this.stopped) return
      const now = this.o.timers.now()
      const schedule = this.o.schedule()
      this.forgetOld(now)
      const plan = planChecks({ schedule, beforeMinutes: this.o.beforeMinutes, now, done: new Set(this.done.keys()), retries: this.retries })
      for (const t of plan.covered) this.done.set(t.key, t.session.start)
      if (plan.due.length === 0) {
        this.setTimer(plan.next, now)
        return
      }
      for (const due of plan.due) {
        if (this.stopped) return
        this.done.set(due.key, due.session.start)
        this.retries.delete(due.session.id)
        const report = await this.o.run(due)
        if (report !== null && !report.passed) {
          const at = retryTime(this.o.timers.now(), this.o.retryMs, due.session.start)
          if (at !== null) this.retries.set(due.session.id, at)
        }
      }
      // Running took time: look again before sleeping, something else may be due already.
    }
  }

  private setTimer (next: number | null, now: number): void {
    this.clearTimer()
    if (this.stopped) return
    const delay = next === null ? MAX_TIMER_MS : Math.min(MAX_TIMER_MS, Math.max(0, next - now))
    this.timer = this.o.timers.setTimeout(() => { this.timer = null; this.wake() }, delay)
  }

  private clearTimer (): void {
    if (this.timer !== null) this.o.timers.clearTimeout(this.timer)
    this.timer = null
  }

  /** Done keys of consultations that started over a day ago will never be planned again. */
  private forgetOld (now: number): void {
    for (const [key, start] of this.done) if (start < now - 86_400_000) this.done.delete(key)
  }
}
