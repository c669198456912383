// The host driver: looks at the gateway box itself every poll and reports its health (with the
// figures as metrics), and the box's model and kernel once as device info.
import type { Driver, DriverContext, DriverHealth } from '../contract.js'
import { reason } from '../contract.js'
import type { DeviceInfo } from '../../protocol/messages.js'
import { Poller } from '../poller.js'
import { assessHost } from './assessment.js'
import { configProblem, withDefaults, type HostDeviceConfig } from './config.js'
import { readDeviceInfo } from './device-info.js'
import { sampleHost } from './sample.js'
import { toolFinder, type ToolFinder } from './tools.js'

export class HostDriver implements Driver {
  private readonly config: HostDeviceConfig
  private ctx: DriverContext | null = null
  private readonly poller: Poller
  private stopped = false
  private info: DeviceInfo | undefined
  private readonly tools: ToolFinder

  constructor (config: Record<string, unknown>) {
    this.config = withDefaults(config)
    this.tools = toolFinder(this.config.binPath)
    this.poller = new Poller(async () => await this.poll(), this.config.pollIntervalMs)
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
    this.poller.start()
  }

  async stop (): Promise<void> {
    this.stopped = true
    await this.poller.stop()
    this.ctx = null
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
