// A device family for supervisor and gateway tests whose behaviour the test scripts: it reports
// what it is told, fails when told, and goes quiet when told. Real device families are tested
// against their own simulators in test/drivers/; this one exists to drive the supervisor's
// edge cases (crashes at start, silence, throwing sinks) deterministically.
import { Type } from '@sinclair/typebox'
import { reason, type Driver, type DriverContext, type DriverFactory, type DriverHealth } from '../../drivers/contract.js'

export interface Script {
  health: DriverHealth
  /** Readings per second; 0 for none. */
  readingsPerSecond: number
  silent: boolean
  failStartTimes: number
  starts: number
  stops: number
  running: number
  ctx: DriverContext | null
  /** Makes the running driver report a fatal error. */
  crash: () => void
}

export const scripts = new Map<string, Script>()

export function scriptFor (id: string): Script {
  let s = scripts.get(id)
  if (s === undefined) {
    s = {
      health: { state: 'ok', metrics: { probes: 1 } }, readingsPerSecond: 0, silent: false, failStartTimes: 0,
      starts: 0, stops: 0, running: 0, ctx: null,
      crash: () => s!.ctx?.fail(new Error('scripted crash'))
    }
    scripts.set(id, s)
  }
  return s
}

class ScriptedDriver implements Driver {
  private timer: NodeJS.Timeout | null = null
  private ticks = 0

  constructor (private readonly id: string) {}

  async start (ctx: DriverContext): Promise<void> {
    const s = scriptFor(this.id)
    s.starts++
    if (s.failStartTimes > 0) {
      s.failStartTimes--
      throw new Error('scripted start failure')
    }
    s.running++
    s.ctx = ctx
    this.timer = setInterval(() => {
      if (s.silent) return
      this.ticks++
      ctx.emit.health(s.health)
      if (s.readingsPerSecond > 0 && this.ticks % Math.max(1, Math.round(10 / s.readingsPerSecond)) === 0) {
        ctx.emit.reading({ values: { value: this.ticks }, units: { value: '1' } })
      }
    }, 100)
  }

  async stop (): Promise<void> {
    const s = scriptFor(this.id)
    if (this.timer !== null) {
      clearInterval(this.timer)
      s.running--
    }
    this.timer = null
    s.stops++
  }

  async command (name: string, args: Record<string, unknown>): Promise<unknown> {
    if (name === 'echo') return { echoed: args.text }
    throw new Error(`unexpected ${name}`)
  }
}

export const scriptedDriver = {
  kind: 'scripted',
  label: { nb: 'Testutstyr', en: 'Test device' },
  configSchema: Type.Object({ note: Type.Optional(Type.String()) }),
  defaultStaleAfterMs: 1000,
  commands: [{ name: 'echo', args: Type.Object({ text: Type.String() }, { additionalProperties: false }), label: { nb: 'Ekko', en: 'Echo' } }],
  create: (config) => new ScriptedDriver(config.id)
} satisfies DriverFactory

export const downReason = reason('scripted.down', 'Testutstyret svarer ikke', 'The test device does not answer')
