// A warning log that cannot be flooded: at most `perMinute` lines a minute per logger; the rest are
// only counted (the caller counts them in Prometheus anyway) and summed up in the next line logged.
import type { Logger } from 'pino'

export class RateLimitedLog {
  private windowStart = 0
  private inWindow = 0
  private suppressed = 0

  constructor (private readonly log: Pick<Logger, 'warn'>, private readonly perMinute = 60, private readonly clock: () => number = Date.now) {}

  warn (obj: Record<string, unknown>, msg: string): void {
    const now = this.clock()
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now
      this.inWindow = 0
    }
    if (this.inWindow >= this.perMinute) {
      this.suppressed++
      return
    }
    this.inWindow++
    if (this.suppressed > 0) {
      this.log.warn({ ...obj, suppressedBefore: this.suppressed }, msg)
      this.suppressed = 0
    } else {
      this.log.warn(obj, msg)
    }
  }
}
