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
  /** Every start hangs until released (a device that never answers its first call, a driver bug). */
  hangStart: boolean
  /** Lets the starts hanging now go on and finish. */
  releaseStarts: () => void
  hanging: Array<() => void>
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
      hangStart: false, hanging: [], starts: 0, stops: 0, running: 0, ctx: null,
      crash: () => s!.ctx?.fail(new Error('scripted crash')),
      releaseStarts: () => { for (const release of s!.hanging.splice(0)) release() }
    }
    scripts.set(id, s)
  }
  return s
}

class ScriptedDriver implements Driver {
  private timer: NodeJS.Timeout | null = null
  private ticks = 0

  constructor (private readonly id: string, private readonly everyMs: number) {}

  async start (ctx: DriverContext): Promise<void> {
    const s = scriptFor(this.id)
    s.starts++
    if (s.failStartTimes > 0) {
      s.failStartTimes--
      throw new Error('scripted start failure')
    }
    if (s.hangStart) await new Promise<void>((resolve) => s.hanging.push(resolve))
    s.running++
    s.ctx = ctx
    this.timer = setInterval(() => {
      if (s.silent) return
      this.ticks++
      ctx.emit.health(s.health)
      if (s.readingsPerSecond > 0 && this.ticks % Math.max(1, Math.round(10 / s.readingsPerSecond)) === 0) {
        ctx.emit.reading({ values: { value: this.ticks }, units: { value: '1' } })
      }
    }, this.everyMs)
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

const ScriptedConfig = Type.Object({
  note: Type.Optional(Type.String()),
  /** How often it reports (as a poll interval does); 100 ms by default. */
  everyMs: Type.Optional(Type.Integer({ minimum: 10 }))
})

export const scriptedDriver = {
  kind: 'scripted',
  label: { nb: 'Testutstyr', en: 'Test device' },
  configSchema: ScriptedConfig,
  defaultStaleAfterMs: 1000,
  staleAfterMs: (config) => 3 * (config.everyMs ?? 100),
  commands: [{ name: 'echo', args: Type.Object({ text: Type.String() }, { additionalProperties: false }), label: { nb: 'Ekko', en: 'Echo' } }],
  create: (config) => new ScriptedDriver(config.id, config.everyMs ?? 100)
} satisfies DriverFactory<typeof ScriptedConfig>

export const downReason = reason('scripted.down', 'Testutstyret svarer ikke', 'The test device does not answer')
