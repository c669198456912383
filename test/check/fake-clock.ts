// A clock with timers that only move when the test says: a morning of consultations passes in
// milliseconds. It is the injectable clock + timer source the pre-session check schedules by (a
// gateway given it as its `clock` lends it to the check). Timers fire in time order, each at its
// own time, with pending promise work settled between them.
import type { CheckTimers } from '../../gateway/check/timers.js'

interface Timer { id: number, at: number, fn: () => void }

export class FakeClock implements CheckTimers {
  private readonly timers: Timer[] = []
  private nextId = 1

  constructor (public t: number) {}

  now (): number {
    return this.t
  }

  setTimeout (fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn }
    this.timers.push(timer)
    return timer.id
  }

  clearTimeout (handle: unknown): void {
    const i = this.timers.findIndex((x) => x.id === handle)
    if (i >= 0) this.timers.splice(i, 1)
  }

  get pending (): number {
    return this.timers.length
  }

  /** Moves the clock to `target`, firing every timer due on the way at its own time. */
  async advanceTo (target: number): Promise<void> {
    for (;;) {
      await settle()
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.timers[0]
      if (next === undefined || next.at > target) break
      this.timers.shift()
      this.t = Math.max(this.t, next.at)
      next.fn()
    }
    this.t = Math.max(this.t, target)
    await settle()
  }
}

/** Lets promise chains and immediate callbacks run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}
