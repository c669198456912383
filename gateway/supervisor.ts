// Runs one driver per configured device and keeps each one's failures to itself: a driver that
// fails (or whose start or stop never finishes) is stopped and restarted with exponential backoff,
// a device that goes silent past its staleness window is marked down, and nothing a driver does
// (throwing, hanging, emitting after stop) reaches the rest of the gateway. Health is published on
// change and refreshed now and then.
import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import type { Logger } from 'pino'
import type { DeviceInfo, HealthState, Reason } from '../protocol/messages.js'
import {
  DeviceCommandError, reason, systemClock,
  type Clock, type Driver, type DriverFactory, type DriverHealth, type DriverReading, type MetricValue
} from '../drivers/contract.js'
import type { DeviceConfig } from './config.js'
import type { DeviceView } from './readiness/evaluate.js'

export interface DeviceStatus extends DeviceView {
  info?: DeviceInfo
  /** Since when the device has been in this state. */
  since: number
  /** When the driver last said anything (health or reading); null before it has. */
  lastHeardAt: number | null
  restarts: number
  ts: number
}

export interface SupervisorOptions {
  devices: readonly DeviceConfig[]
  factories: Readonly<Record<string, DriverFactory>>
  log: Logger
  dataDir: string
  clock?: Clock
  backoffInitialMs?: number
  backoffMaxMs?: number
  /** Unchanged health is re-published this often, with fresh metrics. */
  healthRefreshMs?: number
  /** How often silence is looked for. */
  staleCheckMs?: number
  commandTimeoutMs?: number
  /** A driver's start that has not finished by then counts as a failed start (default 30 s). */
  startTimeoutMs?: number
  /** A driver's stop may take this long; then it is left behind (default 10 s). */
  stopTimeoutMs?: number
}

export interface SupervisorEvents {
  health: [DeviceStatus]
  reading: [string, DriverReading]
}

const silentReason = (name: string, seconds: number): Reason => reason('device.silent',
  `${name} har ikke gitt lyd fra seg på ${seconds} sekunder — sjekk strøm og kabel`,
  `${name} has been silent for ${seconds} seconds — check power and cable`)

const failedReason = (name: string): Reason => reason('driver.failed',
  `${name}: programfeil i gatewayen — prøver på nytt automatisk`,
  `${name}: software fault in the gateway — retrying automatically`)

const startTimeoutReason = (name: string, seconds: number): Reason => reason('driver.start-timeout',
  `${name} kom ikke i gang på ${seconds} sekunder — prøver på nytt automatisk`,
  `${name} did not start within ${seconds} seconds — retrying automatically`)

/** Whether `promise` settled within `ms`: its error, null when it resolved, 'timeout' when it did not. */
async function settledWithin (promise: Promise<unknown>, ms: number): Promise<Error | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms) })
  try {
    return await Promise.race([promise.then(() => null, (err: unknown) => err instanceof Error ? err : new Error(String(err))), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** One device: its driver, its state and its restart schedule. */
class DeviceRun {
  driver: Driver | null = null
  /** Bumped at every (re)start, so a stopped driver's late calls are recognised and ignored. */
  generation = 0
  state: HealthState = 'unknown'
  reason: Reason | null = null
  metrics: Record<string, MetricValue> = {}
  info: DeviceInfo | undefined
  since: number
  lastHeardAt: number | null = null
  startedAt = 0
  restarts = 0
  backoffMs: number
  restartTimer: NodeJS.Timeout | null = null
  silent = false
  lastPublished = { key: '', at: 0 }

  /** Silence longer than this marks the device down. */
  readonly staleAfterMs: number

  constructor (readonly config: DeviceConfig, readonly factory: DriverFactory | undefined, now: number, backoffMs: number) {
    this.since = now
    this.backoffMs = backoffMs
    this.staleAfterMs = staleWindow(config, factory)
  }
}

/**
 * The entry's own `staleAfterMs` wins; otherwise what the entry's settings explain (a slow poll
 * means long silences), never less than the kind's default.
 */
export function staleWindow (config: DeviceConfig, factory: DriverFactory | undefined): number {
  if (config.staleAfterMs !== undefined) return config.staleAfterMs
  const fallback = factory?.defaultStaleAfterMs ?? 30_000
  let derived = 0
  try {
    derived = factory?.staleAfterMs?.(config as never) ?? 0
  } catch { /* an entry the driver cannot read: it says so itself when started */ }
  return Number.isFinite(derived) ? Math.max(fallback, derived) : fallback
}

export class DriverSupervisor extends EventEmitter<SupervisorEvents> {
  private readonly runs = new Map<string, DeviceRun>()
  private readonly clock: Clock
  private readonly backoffInitialMs: number
  private readonly backoffMaxMs: number
  private readonly healthRefreshMs: number
  private readonly commandTimeoutMs: number
  private readonly startTimeoutMs: number
  private readonly stopTimeoutMs: number
  private staleTimer: NodeJS.Timeout | null = null
  private stopping = false

  constructor (private readonly options: SupervisorOptions) {
    super()
    this.clock = options.clock ?? systemClock
    this.backoffInitialMs = options.backoffInitialMs ?? 1000
    this.backoffMaxMs = options.backoffMaxMs ?? 60_000
    this.healthRefreshMs = options.healthRefreshMs ?? 30_000
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000
    for (const device of options.devices) {
      const factory = Object.hasOwn(options.factories, device.kind) ? options.factories[device.kind] : undefined
      this.runs.set(device.id, new DeviceRun(device, factory, this.clock.now(), this.backoffInitialMs))
    }
  }

  /**
   * Starts every enabled driver; never throws (a driver that fails to start is retried) and
   * settles within the start timeout, whatever a driver does.
   */
  async start (): Promise<void> {
    this.stopping = false
    const staleCheckMs = this.options.staleCheckMs ?? 250
    this.staleTimer = setInterval(() => this.checkSilence(), staleCheckMs)
    this.staleTimer.unref()
    await Promise.all([...this.runs.values()].filter((run) => run.config.enabled !== false).map(async (run) => await this.startRun(run)))
  }

  async stop (): Promise<void> {
    this.stopping = true
    if (this.staleTimer !== null) clearInterval(this.staleTimer)
    this.staleTimer = null
    await Promise.all([...this.runs.values()].map(async (run) => await this.stopRun(run)))
  }

  status (deviceId: string): DeviceStatus | undefined {
    const run = this.runs.get(deviceId)
    return run === undefined ? undefined : this.snapshot(run)
  }

  statuses (): DeviceStatus[] {
    return [...this.runs.values()].map((run) => this.snapshot(run))
  }

  /** Runs a device command: checks device, command and arguments, bounds the time it may take. */
  async command (deviceId: string, name: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const run = this.runs.get(deviceId)
    if (run === undefined) {
      throw new DeviceCommandError(reason('command.unknown-device', `Ukjent utstyr «${deviceId}»`, `Unknown device "${deviceId}"`))
    }
    const name_ = run.config.name
    const spec = run.factory?.commands?.find((c) => c.name === name)
    if (spec === undefined) {
      const known = (run.factory?.commands ?? []).map((c) => c.name).join(', ') || 'none'
      throw new DeviceCommandError(reason('command.unknown', `${name_} kjenner ikke kommandoen «${name}»`, `${name_} has no command "${name}" (commands: ${known})`, { device: deviceId }))
    }
    const checked = Value.Default(spec.args, structuredClone(args)) as Record<string, unknown>
    if (!Value.Check(spec.args, checked)) {
      const first = Value.Errors(spec.args, checked).First()
      throw new DeviceCommandError(reason('command.invalid-args', `Ugyldige parametre til «${name}»`, `Invalid arguments for "${name}": ${first?.path ?? ''} ${first?.message ?? ''}`.trim(), { device: deviceId }))
    }
    const driver = run.driver
    if (driver?.command === undefined || run.restartTimer !== null) {
      throw new DeviceCommandError(reason('command.device-unavailable', `${name_} er ikke tilgjengelig nå`, `${name_} is not available right now`, { device: deviceId }))
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new DeviceCommandError(reason('command.timeout', `${name_} svarte ikke på kommandoen i tide`, `${name_} did not answer the command in time`, { device: deviceId }))), this.commandTimeoutMs)
    })
    try {
      return await Promise.race([driver.command(name, checked), timeout])
    } catch (err) {
      if (err instanceof DeviceCommandError) throw err
      throw new DeviceCommandError(reason('command.failed', `${name_}: kommandoen feilet`, `${name_}: the command failed: ${(err as Error).message}`, { device: deviceId }))
    } finally {
      clearTimeout(timer)
    }
  }

  private snapshot (run: DeviceRun): DeviceStatus {
    return {
      id: run.config.id,
      name: run.config.name,
      kind: run.config.kind,
      enabled: run.config.enabled !== false,
      state: run.state,
      reason: run.reason,
      metrics: run.metrics,
      ...(run.info !== undefined ? { info: run.info } : {}),
      since: run.since,
      lastHeardAt: run.lastHeardAt,
      restarts: run.restarts,
      ts: this.clock.now()
    }
  }

  private async startRun (run: DeviceRun): Promise<void> {
    if (this.stopping) return
    run.restartTimer = null
    if (run.factory === undefined) {
      this.setHealth(run, { state: 'down', reason: reason('driver.unknown-kind', `${run.config.name}: ukjent utstyrstype — ring IT`, `${run.config.name}: unknown device kind "${run.config.kind}" — call IT`) })
      return
    }
    const generation = ++run.generation
    const current = (): boolean => run.generation === generation && !this.stopping
    const log = this.options.log.child({ device: run.config.id, kind: run.config.kind })
    const dataDir = join(this.options.dataDir, 'devices', run.config.id)
    run.startedAt = this.clock.now()
    run.lastHeardAt = null
    let driver: Driver
    let started: Promise<void>
    try {
      mkdirSync(dataDir, { recursive: true })
      driver = run.factory.create(run.config as never)
      run.driver = driver
      started = driver.start({
        device: run.config,
        log,
        clock: this.clock,
        dataDir,
        emit: {
          health: (h) => { if (current()) this.guard(run, () => this.onHealth(run, h)) },
          reading: (r) => { if (current()) this.guard(run, () => this.onReading(run, r)) }
        },
        fail: (err) => { if (current()) void this.onFailure(run, err) }
      })
    } catch (err) {
      if (current()) await this.onFailure(run, err as Error)
      return
    }
    const outcome = await settledWithin(started, this.startTimeoutMs)
    if (outcome === 'timeout') {
      // Whatever the hung start opens once it does finish is released then.
      void started.then(async () => await this.stopDriver(run, driver), () => {})
      if (current()) {
        const seconds = Math.round(this.startTimeoutMs / 1000)
        await this.onFailure(run, new Error(`driver start did not finish within ${this.startTimeoutMs} ms`), startTimeoutReason(run.config.name, seconds))
      }
    } else if (!current()) {
      // Stopped (or failed) while starting: what the start opened after that is released now.
      if (run.driver !== driver) await this.stopDriver(run, driver)
    } else if (outcome !== null) {
      await this.onFailure(run, outcome)
    }
  }

  private async stopRun (run: DeviceRun): Promise<void> {
    if (run.restartTimer !== null) clearTimeout(run.restartTimer)
    run.restartTimer = null
    run.generation++
    const driver = run.driver
    run.driver = null
    if (driver === null) return
    await this.stopDriver(run, driver)
  }

  /** Stops one driver instance, bounded in time: a stop that hangs must not hold up the gateway. */
  private async stopDriver (run: DeviceRun, driver: Driver): Promise<void> {
    const outcome = await settledWithin(Promise.resolve().then(async () => await driver.stop()), this.stopTimeoutMs)
    if (outcome === 'timeout') this.options.log.warn({ device: run.config.id, timeoutMs: this.stopTimeoutMs }, 'driver did not stop in time; left behind')
    else if (outcome !== null) this.options.log.warn({ device: run.config.id, err: outcome }, 'driver failed to stop cleanly')
  }

  /** Our own handlers must not throw into driver code, whatever happens downstream. */
  private guard (run: DeviceRun, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.options.log.error({ device: run.config.id, err }, 'error while handling a driver event')
    }
  }

  private onHealth (run: DeviceRun, health: DriverHealth): void {
    run.lastHeardAt = this.clock.now()
    run.silent = false
    this.setHealth(run, health)
  }

  private onReading (run: DeviceRun, reading: DriverReading): void {
    run.lastHeardAt = this.clock.now()
    if (run.silent) {
      // The device is talking again; its driver's next health report says how well.
      run.silent = false
      this.setHealth(run, { state: 'unknown', reason: null, metrics: run.metrics })
    }
    this.emit('reading', run.config.id, reading)
  }

  private setHealth (run: DeviceRun, health: DriverHealth): void {
    const now = this.clock.now()
    if (health.state !== run.state) run.since = now
    run.state = health.state
    run.reason = health.reason ?? null
    if (health.metrics !== undefined) run.metrics = health.metrics
    if (health.info !== undefined) run.info = health.info
    if (run.state === 'ok' && now - run.startedAt > this.backoffMaxMs) run.backoffMs = this.backoffInitialMs
    const key = JSON.stringify([run.state, run.reason, run.info ?? null])
    if (key !== run.lastPublished.key || now - run.lastPublished.at >= this.healthRefreshMs) {
      run.lastPublished = { key, at: now }
      this.emit('health', this.snapshot(run))
    }
  }

  private checkSilence (): void {
    const now = this.clock.now()
    for (const run of this.runs.values()) {
      if (run.driver === null || run.silent || run.restartTimer !== null) continue
      const heard = run.lastHeardAt ?? run.startedAt
      if (now - heard > run.staleAfterMs) {
        run.silent = true
        this.guard(run, () => this.setHealth(run, { state: 'down', reason: silentReason(run.config.name, Math.round((now - heard) / 1000)) }))
      }
    }
  }

  private async onFailure (run: DeviceRun, err: Error, why: Reason = failedReason(run.config.name)): Promise<void> {
    if (this.stopping) return
    run.restarts++
    this.options.log.error({ device: run.config.id, kind: run.config.kind, err, retryInMs: run.backoffMs }, 'driver failed; restarting with backoff')
    await this.stopRun(run)
    this.setHealth(run, { state: 'down', reason: why, metrics: { ...run.metrics, restarts: run.restarts } })
    const delay = run.backoffMs
    run.backoffMs = Math.min(run.backoffMs * 2, this.backoffMaxMs)
    if (this.stopping) return
    run.restartTimer = setTimeout(() => { void this.startRun(run) }, delay)
    run.restartTimer.unref()
  }
}
