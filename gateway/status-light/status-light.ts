// A physical light mirroring the readiness colour (optional): shows the gateway's readiness on each
// change and again every repeatMs (so a light with a watchdog can tell the gateway is gone), turns
// off at stop, and survives a light that is unplugged — it is tried again on the next write.
import type { Logger } from 'pino'
import type { ReadinessMessage } from '../../protocol/messages.js'
import { colourOf, type LightColour } from './colour.js'
import type { LightOutput } from './outputs.js'

export interface ReadinessSource {
  readonly readiness: ReadinessMessage | null
  on: (event: 'readiness', fn: (r: ReadinessMessage) => void) => unknown
  off: (event: 'readiness', fn: (r: ReadinessMessage) => void) => unknown
}

export class StatusLight {
  private timer: NodeJS.Timeout | null = null
  private colour: LightColour = 'off'
  private failing = false
  private writing: Promise<void> = Promise.resolve()
  private readonly onReadiness = (r: ReadinessMessage): void => this.show(colourOf(r))

  constructor (private readonly output: LightOutput, private readonly source: ReadinessSource, private readonly options: { repeatMs: number, log: Logger }) {}

  start (): void {
    this.source.on('readiness', this.onReadiness)
    this.show(colourOf(this.source.readiness))
    this.timer = setInterval(() => this.show(this.colour), this.options.repeatMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    this.source.off('readiness', this.onReadiness)
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.show('off')
    await this.writing
    await this.output.close().catch(() => {})
  }

  private show (colour: LightColour): void {
    this.colour = colour
    // one write at a time, in order: the last colour asked for is the one left showing
    this.writing = this.writing.then(async () => {
      await this.output.show(colour)
      if (this.failing) this.options.log.info({ colour }, 'status light: writing again')
      this.failing = false
    }).catch((err: unknown) => {
      if (!this.failing) this.options.log.warn({ err: (err as Error).message }, 'status light: could not write; trying again')
      this.failing = true
    })
  }
}
