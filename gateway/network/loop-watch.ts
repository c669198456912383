// Knows when this process's event loop was stalled (garbage collection, a busy box, CPU starvation):
// a timer ticks every few ms while a probe burst runs, and a reply stamped after a gap in the
// ticks may have waited in the socket while nothing ran — its time says more about the gateway
// than about the network, so the probe leaves its round-trip time and jitter out (not its arrival:
// it still counts as answered).
import { performance } from 'node:perf_hooks'

/** How often the watch ticks. */
export const TICK_MS = 4
/** A gap in the ticks longer than this is a stall. */
export const STALL_MS = 10

export class LoopWatch {
  private timer: NodeJS.Timeout | null = null
  private lastTick = 0
  private lastGap = 0
  private users = 0

  /** Starts ticking (counted: every start needs a stop). */
  start (): void {
    if (this.users++ > 0) return
    this.lastTick = performance.now()
    this.lastGap = 0
    this.timer = setInterval(() => {
      const now = performance.now()
      this.lastGap = now - this.lastTick
      this.lastTick = now
    }, TICK_MS)
    this.timer.unref()
  }

  stop (): void {
    if (--this.users > 0) return
    this.users = 0
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /**
   * Whether something stamped at `at` (performance.now()) may have waited in a stalled loop: no tick
   * for longer than STALL_MS before it, or it came right after the tick that ended a stall.
   */
  stalledAt (at: number): boolean {
    if (this.timer === null) return false
    const sinceTick = at - this.lastTick
    return sinceTick > STALL_MS || (this.lastGap > STALL_MS && sinceTick < TICK_MS)
  }
}

/** One watch for the whole process: every probe shares it. */
export const loopWatch = new LoopWatch()
