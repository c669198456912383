// The video-stream driver: polls the configured stream URL (and the optional status endpoint),
// reports health after every poll, and releases every socket and timer on stop. The probe to use
// follows the URL's scheme; what to report follows from `assessStream`.
import type { Driver, DriverContext, DriverHealth } from '../contract.js'
import { reason } from '../contract.js'
import { Poller } from '../poller.js'
import { assessStream } from './assessment.js'
import { readBattery, type BatteryReading } from './battery.js'
import { configProblem, streamTarget, withDefaults, type StreamTarget, type VideoStreamDeviceConfig } from './config.js'
import { probeHttp } from './http-probe.js'
import type { StreamProbe } from './probe.js'
import { probeRtsp } from './rtsp-probe.js'
import { StallWatch } from './stall-watch.js'
import { probeTcp } from './tcp-probe.js'

const probes: Record<StreamTarget['scheme'], (target: StreamTarget, stop: AbortSignal) => Promise<StreamProbe>> = {
  rtsp: probeRtsp,
  rtsps: probeRtsp,
  http: probeHttp,
  https: probeHttp,
  tcp: probeTcp
}

export class VideoStreamDriver implements Driver {
  private readonly config: VideoStreamDeviceConfig
  private ctx: DriverContext | null = null
  private poller: Poller | null = null
  private stopping = new AbortController()
  private readonly stall = new StallWatch()

  constructor (config: Record<string, unknown>) {
    this.config = withDefaults(config)
  }

  async start (ctx: DriverContext): Promise<void> {
    this.ctx = ctx
    if (this.stopping.signal.aborted) this.stopping = new AbortController() // started again after a stop
    const problem = configProblem(this.config)
    let target: StreamTarget
    try {
      if (problem !== null) throw new TypeError(problem)
      target = streamTarget(this.config)
    } catch (err) {
      // A broken entry will not heal by restarting: say so once, and do not poll.
      const why = (err as Error).message
      ctx.log.error({ err }, `video-stream ${this.config.id}: unusable config: ${why}`)
      this.emit({ state: 'down', reason: reason('video-stream.config', `${this.name} er satt opp feil i boksen — kontakt IT`, `${this.name}'s configuration is wrong: ${why} — contact IT`, { level: 'red' }), metrics: { reachable: false } })
      return
    }
    this.poller = new Poller(async () => await this.poll(target), this.config.pollIntervalMs)
    this.poller.start()
  }

  async stop (): Promise<void> {
    this.stopping.abort(new Error('driver stopped'))
    await this.poller?.stop()
    this.poller = null
    this.ctx = null
  }

  private get name (): string {
    return this.config.name ?? this.config.id ?? 'Videokilden'
  }

  private async poll (target: StreamTarget): Promise<void> {
    const stop = this.stopping.signal
    try {
      const [probe, battery] = await Promise.all([
        probes[target.scheme](target, stop),
        this.readBattery(target, stop)
      ])
      if (stop.aborted) return
      const health = assessStream({
        name: this.name,
        probe,
        battery,
        stalledS: this.stall.observe(probe.progressKey, probe.targetDurationS, Date.now()),
        minKbps: this.config.minKbps,
        slowMs: this.config.slowMs,
        minBatteryPct: this.config.minBatteryPct,
        timeoutMs: this.config.timeoutMs
      })
      if (probe.failure !== null) this.ctx?.log.debug({ failure: probe.failure }, `video-stream ${this.config.id}: ${probe.failure.detail}`)
      this.emit(health)
    } catch (err) {
      // A bug of ours, not the device's: log it and keep polling rather than take the driver down.
      if (!stop.aborted) this.ctx?.log.error({ err }, `video-stream ${this.config.id}: poll failed`)
    }
  }

  private async readBattery (target: StreamTarget, stop: AbortSignal): Promise<BatteryReading | null> {
    if (this.config.statusUrl === undefined) return null
    return await readBattery(this.config.statusUrl, this.config.batteryPath ?? 'batteryPct', {
      credentials: target.credentials, tlsVerify: this.config.tlsVerify, timeoutMs: this.config.timeoutMs
    }, stop)
  }

  private emit (health: DriverHealth): void {
    if (this.stopping.signal.aborted) return
    this.ctx?.emit.health(health)
  }
}
