// The host driver: looks at the gateway box itself every poll and reports its health (with the
// figures as metrics), and the box's model and kernel once as device info.
import type { Driver, DriverContext, DriverHealth } from '../contract.js'
import { reason } from '../contract.js'
import type { DeviceInfo } from '../../protocol/messages.js'
import { assessHost } from './assessment.js'
import { configProblem, withDefaults, type HostDeviceConfig } from './config.js'
import { readDeviceInfo } from './device-info.js'
import { sampleHost } from './sample.js'
import { toolFinder, type ToolFinder } from './tools.js'

export class HostDriver implements Driver {
  private readonly config: HostDeviceConfig
  private ctx: DriverContext | null = null
  private timer: NodeJS.Timeout | null = null
  private polling: Promise<void> | null = null
  private stopped = false
  private info: DeviceInfo | undefined
  private readonly tools: ToolFinder

  constructor (config: Record<string, unknown>) {
    this.config = withDefaults(config)
    this.tools = toolFinder(this.config.binPath)
  }

  async start (ctx: DriverContext): Promise<void> {
    this.ctx = ctx
    this.stopped = false
    const problem = configProblem(this.config)
    if (problem !== null) {
      ctx.log.error(`host ${this.config.id}: unusable config: ${problem}`)
      this.emit({ state: 'down', reason: reason('host.config', 'Boksen er satt opp feil — kontakt IT', `The host entry of the room config is wrong: ${problem} — contact IT`, { level: 'red' }), metrics: {} })
      return
    }
    this.schedule(0)
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.polling
    this.ctx = null
  }

  private schedule (delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.polling = this.poll().finally(() => {
        this.polling = null
        this.schedule(this.config.pollIntervalMs)
      })
    }, delayMs)
  }

  private async poll (): Promise<void> {
    try {
      this.info ??= await readDeviceInfo(this.config.sysRoot, this.config.procRoot)
      const sample = await sampleHost(this.config, this.tools)
      if (sample.unreadable.length > 0) this.ctx?.log.warn({ unreadable: sample.unreadable }, `host ${this.config.id}: some figures cannot be read`)
      this.emit({ ...assessHost(sample, this.config), info: this.info })
    } catch (err) {
      // A bug of ours, not the box's: log it and keep polling.
      this.ctx?.log.error({ err }, `host ${this.config.id}: poll failed`)
    }
  }

  private emit (health: DriverHealth): void {
    if (this.stopped) return
    this.ctx?.emit.health(health)
  }
}
