// The poll loop of a driver that looks at its device on a timer: one poll at a time, the next one an
// interval after the last one ended (so a slow device is never polled on top of itself), and a stop
// that waits for a poll in progress, so that nothing is left running once the driver has stopped.
export class Poller {
  private timer: NodeJS.Timeout | null = null
  private polling: Promise<void> | null = null
  private stopped = false

  /** `poll` reports what it finds itself and must not reject. */
  constructor (private readonly poll: () => Promise<void>, private readonly intervalMs: number) {}

  /** The first poll at once, then one an interval after each. */
  start (): void {
    this.stopped = false
    this.schedule(0)
  }

  /** No further poll; resolves once a poll in progress has ended. */
  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.polling
  }

  private schedule (delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.polling = this.poll().finally(() => {
        this.polling = null
        this.schedule(this.intervalMs)
      })
    }, delayMs)
  }
}
