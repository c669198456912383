// The HoloLens driver: polls a HoloLens 2's Device Portal every pollIntervalMs, checks now and then
// that its live video flows, and reports health after every poll (the supervisor publishes changes
// and treats silence as the device being gone). A poll asks the battery first — it doubles as the
// reachability and credentials probe, so an absent device costs one timeout, not seven — and then
// the rest side by side. Polls, the stream check and the selfTest command run one at a time.
import { Type } from '@sinclair/typebox'
import {
  DeviceCommandError, reason,
  type BaseDeviceConfig, type CommandSpec, type Driver, type DriverContext, type DriverHealth
} from '../contract.js'
import type { DeviceInfo } from '../../protocol/messages.js'
import {
  assessFailure, assessObservation, streamDelivered,
  type BatteryMinutes, type HoloLensObservation, type StreamCheck
} from './assess.js'
import { BatteryDrainEstimator } from './battery-estimator.js'
import { resolveConfig, type HoloLensDeviceConfig, type ResolvedHoloLensConfig } from './config.js'
import { asPortalError, DevicePortalClient, DevicePortalPaths, type DevicePortalError } from './device-portal-client.js'
import { failureReason, hololensReasons } from './reasons.js'
import type { BatteryState, OsInfo } from './replies.js'

/** How long the stream check listens: long enough to average over a few fragments of fMP4. */
export const STREAM_WINDOW_MS = 2000
/** When to look at the stream again after a failed check. */
const STREAM_RETRY_MS = 5000

export const holoLensCommands = [
  {
    name: 'selfTest',
    args: Type.Object({}, { additionalProperties: false }),
    label: { nb: 'Selvtest: batteri, temperatur og video', en: 'Self-test: battery, temperature and live video' }
  },
  {
    name: 'mrc.photo',
    args: Type.Object({
      holograms: Type.Optional(Type.Boolean({ default: true })),
      camera: Type.Optional(Type.Boolean({ default: true }))
    }, { additionalProperties: false }),
    label: { nb: 'Ta et bilde med HoloLens', en: 'Take a mixed reality photo' }
  }
] as const satisfies readonly CommandSpec[]

interface Identity { os: OsInfo | null, family: string | null, name: string | null }

export interface SelfTestResult {
  passed: boolean
  state: DriverHealth['state']
  reason: DriverHealth['reason']
  metrics: NonNullable<DriverHealth['metrics']>
  info: DeviceInfo | null
}

export class HoloLensDriver implements Driver {
  private ctx: DriverContext<HoloLensDeviceConfig> | null = null
  private settings: ResolvedHoloLensConfig | null = null
  private client: DevicePortalClient | null = null
  private readonly abort = new AbortController()
  private timer: NodeJS.Timeout | null = null
  /** The tail of the one-at-a-time queue of polls and self-tests. */
  private queue: Promise<unknown> = Promise.resolve()
  private stopped = false
  private reachable = false
  private identity: Identity | null = null
  private stream: StreamCheck | null = null
  private nextStreamCheckAt = 0
  private estimator = new BatteryDrainEstimator()
  private lastHealth: DriverHealth | null = null
  private lastCode: string | null = null

  constructor (private readonly config: BaseDeviceConfig & Record<string, unknown>) {}

  async start (ctx: DriverContext<HoloLensDeviceConfig>): Promise<void> {
    this.ctx = ctx
    const resolved = resolveConfig(this.config)
    if (!resolved.ok) {
      const name = typeof this.config.name === 'string' && this.config.name !== '' ? this.config.name : 'HoloLens'
      ctx.log.error({ problem: resolved.problem }, 'hololens: unusable device config')
      this.emit({ state: 'down', reason: hololensReasons.config(name, resolved.problem), metrics: { reachable: false } })
      return
    }
    const s = resolved.value
    this.settings = s
    // A few polls of discharge give a slope; never wait longer than a minute for the first estimate.
    this.estimator = new BatteryDrainEstimator({ minSpanMs: Math.min(60_000, 3 * s.pollIntervalMs), minSamples: 3 })
    this.client = new DevicePortalClient({ origin: s.origin, username: s.username, password: s.password, pin: s.pin, timeoutMs: s.timeoutMs })
    this.scheduleNext(0)
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.abort.abort()
    await this.queue.catch(() => {})
  }

  async command (name: string, args: Record<string, unknown>): Promise<unknown> {
    const client = this.client
    const s = this.settings
    if (this.stopped || client === null || s === null) {
      throw new DeviceCommandError(reason('hololens.not-running', 'HoloLens-driveren kjører ikke', 'The HoloLens driver is not running'))
    }
    switch (name) {
      case 'selfTest':
        return await this.exclusive(async () => {
          const health = await this.poll(true)
          return {
            passed: health.state === 'ok',
            state: health.state,
            reason: health.reason ?? null,
            metrics: health.metrics ?? {},
            info: health.info ?? null
          } satisfies SelfTestResult
        })
      case 'mrc.photo':
        return await this.takePhoto(client, s, args)
      default:
        throw new DeviceCommandError(reason('command.unknown', `Ukjent kommando: ${name}`, `Unknown command: ${name}`))
    }
  }

  private scheduleNext (delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.exclusive(async () => await this.poll(false))
        .catch((err: unknown) => {
          // Our bug, not the device's: say so in the log and keep polling rather than go silent.
          this.ctx?.log.error({ err }, 'hololens: poll failed')
        })
        .finally(() => {
          if (this.settings !== null) this.scheduleNext(this.settings.pollIntervalMs)
        })
    }, delayMs)
  }

  /** Runs `job` after everything queued before it; a failure does not block the queue. */
  private async exclusive<T> (job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job)
    this.queue = run.catch(() => {})
    return await run
  }

  /** One poll: read, assess, report; then the stream check when due (or forced), and report again. */
  private async poll (forceStream: boolean): Promise<DriverHealth> {
    const ctx = this.ctx
    const client = this.client
    const s = this.settings
    if (ctx === null || client === null || s === null) throw new Error('hololens driver polled before start')
    const signal = this.abort.signal

    let battery: BatteryState | null = null
    let batteryError: DevicePortalError | null = null
    try {
      battery = await client.battery(signal)
    } catch (err) {
      const e = asPortalError(err, DevicePortalPaths.battery)
      if (e.kind !== 'bad-reply') return this.reportFailure(e)
      batteryError = e // it answered, in a way we cannot read: reachable, battery unknown
    }
    if (!this.reachable) {
      // Back (or here for the first time): the video may have changed with it, and so may the OS.
      this.reachable = true
      this.nextStreamCheckAt = 0
      this.identity = null
      ctx.log.info({ url: s.origin.origin }, 'hololens: Device Portal answers')
    }

    const now = ctx.clock.now()
    this.estimator.observe(now, battery?.pct ?? null, battery !== null && (battery.charging || battery.acOnline))
    const observation = await this.readRest(client, signal, battery, batteryError)
    if (this.identity?.os === null || this.identity?.os === undefined) this.identity = await this.readIdentity(client, signal, this.identity)
    observation.machineName = this.identity?.name ?? this.identity?.os?.computerName ?? null
    observation.deviceFamily = this.identity?.family ?? null

    let health = this.report(observation)
    const streamDue = s.streamCheckIntervalMs > 0 && now >= this.nextStreamCheckAt
    if ((streamDue || forceStream) && !signal.aborted) {
      this.stream = await this.checkStream(client, s, signal)
      const failed = !streamDelivered(this.stream)
      // A failed check is often a moment's trouble (the device was just leaving, or just back):
      // look again soon rather than leave the room amber for a whole interval.
      const next = failed ? Math.min(s.streamCheckIntervalMs, STREAM_RETRY_MS) : s.streamCheckIntervalMs
      this.nextStreamCheckAt = now + (s.streamCheckIntervalMs > 0 ? next : 0)
      health = this.report(observation)
    }
    return health
  }

  private async readRest (client: DevicePortalClient, signal: AbortSignal, battery: BatteryState | null, batteryError: DevicePortalError | null): Promise<HoloLensObservation> {
    // These are extras: a firmware without one of them must not make the HoloLens look broken.
    const [thermal, power, network, mrc, perf] = await Promise.allSettled([
      client.thermalStage(signal),
      client.powerState(signal),
      client.ipConfig(signal),
      client.mrcStatus(signal),
      client.systemPerf(signal)
    ])
    return {
      battery,
      batteryError,
      batteryMinutes: this.minutesLeft(battery),
      thermalStage: valueOf(thermal),
      powerState: valueOf(power),
      network: valueOf(network),
      mrc: valueOf(mrc),
      perf: valueOf(perf),
      machineName: null,
      deviceFamily: null
    }
  }

  /** OS info (what the equipment register needs) is asked for until it comes; the rest once. */
  private async readIdentity (client: DevicePortalClient, signal: AbortSignal, known: Identity | null): Promise<Identity> {
    const [os, family, name] = await Promise.allSettled([
      client.osInfo(signal),
      known !== null && known.family !== null ? Promise.resolve(known.family) : client.deviceFamily(signal),
      known !== null && known.name !== null ? Promise.resolve(known.name) : client.machineName(signal)
    ])
    return { os: valueOf(os), family: valueOf(family), name: valueOf(name) }
  }

  /** Our own estimate from the observed drain; Windows' estimate until we have one. */
  private minutesLeft (battery: BatteryState | null): BatteryMinutes | null {
    if (battery === null) return null
    const observed = this.estimator.estimate()
    if (observed !== null) return { minutes: observed.minutes, source: 'observed' }
    if (battery.estimatedSeconds !== null && !battery.acOnline) return { minutes: Math.floor(battery.estimatedSeconds / 60), source: 'device' }
    return null
  }

  private async checkStream (client: DevicePortalClient, s: ResolvedHoloLensConfig, signal: AbortSignal): Promise<StreamCheck> {
    const at = this.ctx?.clock.now() ?? Date.now()
    try {
      const sample = await client.sampleStream(s.streamPath, STREAM_WINDOW_MS, signal)
      return { at, path: s.streamPath, kbps: sample.kbps, bytes: sample.bytes, endedEarly: sample.endedEarly, error: null }
    } catch (err) {
      return { at, path: s.streamPath, kbps: null, bytes: 0, endedEarly: false, error: asPortalError(err, s.streamPath) }
    }
  }

  private report (observation: HoloLensObservation): DriverHealth {
    const s = this.settings
    if (s === null) throw new Error('hololens driver reported before start')
    const health = assessObservation(observation, this.stream, { name: s.name, minStreamKbps: s.minStreamKbps }, this.deviceInfo())
    this.emit(health)
    return health
  }

  private reportFailure (err: DevicePortalError): DriverHealth {
    const s = this.settings
    if (s === null) throw new Error('hololens driver reported before start')
    if (err.kind === 'aborted') return this.lastHealth ?? { state: 'unknown', metrics: {} }
    this.reachable = false
    this.estimator.reset()
    // Whatever the stream did before the device went is no news about it when it is back.
    this.stream = null
    const health = assessFailure(err, { name: s.name, origin: s.origin.origin }, this.deviceInfo())
    this.emit(health)
    return health
  }

  private deviceInfo (): DeviceInfo | undefined {
    const os = this.identity?.os
    if (os === null || os === undefined) return undefined
    const info: DeviceInfo = { vendor: 'Microsoft', model: os.platform ?? 'HoloLens' }
    if (os.osVersion !== null) info.firmware = os.osVersion
    if (this.identity?.family !== null && this.identity?.family !== undefined) info.hardware = this.identity.family
    return info
  }

  private emit (health: DriverHealth): void {
    if (this.stopped || this.ctx === null) return
    this.lastHealth = health
    const code = health.reason?.code ?? null
    if (code !== this.lastCode) {
      this.lastCode = code
      const log = health.state === 'ok' ? this.ctx.log.info.bind(this.ctx.log) : this.ctx.log.warn.bind(this.ctx.log)
      log({ state: health.state, code, why: health.reason?.message.en }, 'hololens: health changed')
    }
    this.ctx.emit.health(health)
  }

  private async takePhoto (client: DevicePortalClient, s: ResolvedHoloLensConfig, args: Record<string, unknown>): Promise<unknown> {
    const holograms = args.holograms !== false
    const camera = args.camera !== false
    try {
      await client.takeMrcPhoto({ holograms, camera }, this.abort.signal)
      const files = await client.mrcFiles(this.abort.signal).catch(() => null)
      const newest = files?.slice().sort((a, b) => (b.creationTime ?? 0) - (a.creationTime ?? 0))[0]
      return { taken: true, file: newest?.fileName ?? null }
    } catch (err) {
      throw new DeviceCommandError(failureReason(s.name, s.origin.origin, asPortalError(err, DevicePortalPaths.mrcPhoto)))
    }
  }
}

function valueOf<T> (result: PromiseSettledResult<T>): T | null {
  return result.status === 'fulfilled' ? result.value : null
}
