// The video-stream driver: polls the configured stream URL (and the optional status endpoint),
// reports health after every poll, and releases every socket and timer on stop. The probe to use
// follows the URL's scheme; what to report follows from `assessStream`. The command
// `stream.measure` times the stream now, pulling RTSP video the poll never pulls (the pre-session check).
import type { Driver, DriverContext, DriverHealth } from '../contract.js'
import { DeviceCommandError, reason } from '../contract.js'
import { Poller } from '../poller.js'
import { assessStream } from './assessment.js'
import { readBattery, type BatteryReading } from './battery.js'
import { configProblem, streamTarget, withDefaults, type StreamTarget, type VideoStreamDeviceConfig } from './config.js'
import { probeHttp } from './http-probe.js'
import { round, type StreamProbe } from './probe.js'
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

/** Timing a stream on request: RTSP is played (SETUP + PLAY) for the window; the rest as polled. */
const measures: typeof probes = {
  ...probes,
  rtsp: async (target, stop) => await probeRtsp(target, stop, { play: true }),
  rtsps: async (target, stop) => await probeRtsp(target, stop, { play: true })
}

/** What `stream.measure` answers. */
export interface StreamMeasurement {
  /** kbit/s over the window, or null when this source offers nothing to time (see `unmeasured`). */
  kbps: number | null
  windowMs: number
  scheme: StreamTarget['scheme']
  unmeasured?: string
}

export class VideoStreamDriver implements Driver {
  private readonly config: VideoStreamDeviceConfig
  private ctx: DriverContext | null = null
  private poller: Poller | null = null
  private stopping = new AbortController()
  private readonly stall = new StallWatch()
  private target: StreamTarget | null = null

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
    this.target = target
    this.poller = new Poller(async () => await this.poll(target), this.config.pollIntervalMs)
    this.poller.start()
  }

  async stop (): Promise<void> {
    this.stopping.abort(new Error('driver stopped'))
    await this.poller?.stop()
    this.poller = null
    this.ctx = null
  }

  async command (name: string, args: Record<string, unknown>): Promise<StreamMeasurement> {
    if (name !== 'stream.measure') throw new DeviceCommandError(reason('command.unknown', `${this.name} kjenner ikke kommandoen «${name}»`, `${this.name} has no command "${name}"`))
    const target = this.target
    if (target === null) throw new DeviceCommandError(reason('video-stream.config', `${this.name} er satt opp feil i boksen — kontakt IT`, `${this.name}'s configuration is wrong — contact IT`, { level: 'red' }))
    const windowMs = typeof args.windowMs === 'number' ? args.windowMs : this.config.measureWindowMs
    const probe = await measures[target.scheme]({ ...target, measureWindowMs: windowMs }, this.stopping.signal)
    if (probe.failure !== null) throw new DeviceCommandError(this.assess(probe, null, null).reason ?? reason(`video-stream.${probe.failure.kind}`, `${this.name} sender ikke video`, probe.failure.detail))
    if (probe.kbps !== null) return { kbps: round(probe.kbps), windowMs, scheme: target.scheme }
    const why = typeof probe.metrics.playError === 'string' ? `the source refused to play over TCP (${probe.metrics.playError})` : probe.hasVideo === false ? 'the source offers no video track' : `a ${target.scheme} source offers nothing to time`
    return { kbps: null, windowMs, scheme: target.scheme, unmeasured: why }
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
      const health = this.assess(probe, battery, this.stall.observe(probe.progressKey, probe.targetDurationS, Date.now()))
      if (probe.failure !== null) this.ctx?.log.debug({ failure: probe.failure }, `video-stream ${this.config.id}: ${probe.failure.detail}`)
      this.emit(health)
    } catch (err) {
      // A bug of ours, not the device's: log it and keep polling rather than take the driver down.
      if (!stop.aborted) this.ctx?.log.error({ err }, `video-stream ${this.config.id}: poll failed`)
    }
  }

  private assess (probe: StreamProbe, battery: BatteryReading | null, stalledS: number | null): DriverHealth {
    return assessStream({
      name: this.name,
      probe,
      battery,
      stalledS,
      minKbps: this.config.minKbps,
      slowMs: this.config.slowMs,
      minBatteryPct: this.config.minBatteryPct,
      timeoutMs: this.config.timeoutMs
    })
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
