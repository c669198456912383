// A device family for load: a sensor that sends readings at a configured rate, each carrying its
// own running number `n` and a strictly increasing timestamp, so that a reading can be found again
// anywhere downstream (at the hub, in InfluxDB) and a missing one is a gap in `n`. Benchmarks and
// fault tests use it where a real sensor's 1 Hz would make a backlog too small to measure; every
// real device family is exercised against its own simulator elsewhere.
import { Type } from '@sinclair/typebox'
import type { Driver, DriverContext, DriverFactory } from '../../drivers/contract.js'

class LoadDriver implements Driver {
  private timer: NodeJS.Timeout | null = null
  private healthTimer: NodeJS.Timeout | null = null
  private n = 0
  private lastTs = 0

  constructor (private readonly ratePerSecond: number) {}

  async start (ctx: DriverContext): Promise<void> {
    ctx.emit.health({ state: 'ok', metrics: { sent: 0 } })
    this.healthTimer = setInterval(() => ctx.emit.health({ state: 'ok', metrics: { sent: this.n } }), 1000)
    // Timers fire at most about every millisecond: above 250/s, several readings go per tick.
    const tickMs = Math.max(4, Math.round(1000 / this.ratePerSecond))
    const perTick = this.ratePerSecond * tickMs / 1000
    let owed = 0
    this.timer = setInterval(() => {
      owed += perTick
      for (; owed >= 1; owed--) {
        this.n++
        // Distinct timestamps: InfluxDB keeps one point per series and time.
        this.lastTs = Math.max(Date.now(), this.lastTs + 1)
        ctx.emit.reading({ ts: this.lastTs, values: { n: this.n, spo2: 95 + (this.n % 5) }, units: { n: '1', spo2: '%' } })
      }
    }, tickMs)
  }

  async stop (): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    if (this.healthTimer !== null) clearInterval(this.healthTimer)
    this.timer = null
    this.healthTimer = null
  }
}

const LoadConfig = Type.Object({ ratePerSecond: Type.Number({ minimum: 0.1, maximum: 10_000 }) })

export const loadDriver: DriverFactory<typeof LoadConfig> = {
  kind: 'bench-load',
  label: { nb: 'Lastgenerator', en: 'Load generator' },
  configSchema: LoadConfig,
  defaultStaleAfterMs: 5000,
  create: (config) => new LoadDriver(config.ratePerSecond)
}
