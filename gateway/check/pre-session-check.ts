// The pre-session ("før timen") check: for a consultation, the active checks its profile needs —
// the camera goes to the profile's preset and a snapshot comes back (and the camera goes back), each
// required sensor gives a plausible reading, a HoloLens battery lasts the consultation, a stream
// delivers its bitrate, other devices work, the network is good enough and a throughput test meets
// the need, the gateway's clock is right. It runs at T−30 and T−5 minutes (check-scheduler.ts) and
// on demand (`cmd/check.run`), publishes its report on `check`, and while the report's consultation
// is ahead, every failed step is a readiness reason ("Sjekk før timen: …").
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { CheckReport, CheckStep, Consultation, ReadingsMessage, Reason } from '../../protocol/messages.js'
import { DeviceCommandError, reason } from '../../drivers/contract.js'
import type { Gateway } from '../gateway.js'
import type { GatewayExtension } from '../extensions.js'
import type { NetworkThresholds } from '../config.js'
import { hubEchoAddress } from '../network/config.js'
import { sessionView } from '../network/session-view.js'
import type { CheckConfig } from './config.js'
import type { CheckTime } from './check-schedule.js'
import { CheckScheduler } from './check-scheduler.js'
import { checkCamera } from './camera-step.js'
import { checkReasons, labels } from './check-reasons.js'
import { askHubClock, clockSynced } from './clock-evidence.js'
import { judgeBattery, judgeClock, judgeHealth, judgeNetwork, judgeReading, judgeStream, judgeThroughput, type StreamEvidence, type ThroughputEvidence } from './steps.js'
import { hubProbeAuth } from '../network/hub-credentials.js'
import { timersOf, type CheckTimers } from './timers.js'

type Step = Omit<CheckStep, 'ts'>

export interface PreSessionCheckOptions {
  config: CheckConfig
  log: Logger
  /** Clock and timers to schedule by (default: the gateway's clock, with its timers if it has any). */
  timers?: CheckTimers
}

export interface CheckRequest {
  trigger: CheckReport['trigger']
  /** A scheduled check's time. */
  due?: CheckTime
  /** check.run: which consultation (id), or which profile without one. */
  session?: string
  profile?: string
}

/** A manual check with no consultation counts in readiness this long. */
const MANUAL_VALID_MS = 60 * 60_000
/** How old the last `network` message may be for the network step (as readiness). */
const NETWORK_MAX_AGE_MS = 180_000
/** How long a consultation is assumed to take when the check is not for a scheduled one. */
const DEFAULT_SESSION_MINUTES = 30

export class PreSessionCheck implements GatewayExtension {
  readonly name = 'pre-session-check'
  private gateway: Gateway | null = null
  private scheduler: CheckScheduler | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private stopped = true
  /** The latest report (also published on `check`). */
  latest: CheckReport | null = null
  private readonly onSchedule = (): void => { this.scheduler?.wake() }

  constructor (private readonly options: PreSessionCheckOptions) {}

  async start (gateway: Gateway): Promise<void> {
    this.gateway = gateway
    this.stopped = false
    const config = this.options.config
    gateway.registerCommand('check.run', async (args) => await this.run({
      trigger: 'manual',
      ...(typeof args.session === 'string' ? { session: args.session } : {}),
      ...(typeof args.profile === 'string' ? { profile: args.profile } : {})
    }))
    gateway.addReasonSource(() => this.readinessReasons())
    const timers = this.options.timers ?? timersOf(gateway.clock)
    this.scheduler = new CheckScheduler({
      timers,
      beforeMinutes: config.beforeMinutes,
      retryMs: config.retryMinutes * 60_000,
      schedule: () => gateway.schedule,
      run: async (due) => await this.run({ trigger: 'scheduled', due }).catch((err: Error) => {
        this.options.log.error({ err, session: due.session.id }, 'a scheduled pre-session check failed to run')
        return null
      }),
      log: this.options.log
    })
    gateway.on('schedule', this.onSchedule)
    this.startWhenSettled(gateway, timers, timers.now() + config.startupGraceSeconds * 1000)
  }

  /** Starts the scheduler once the room has shown what it has (devices reported, network measured). */
  private startWhenSettled (gateway: Gateway, timers: CheckTimers, deadline: number): void {
    if (this.stopped) return
    const settled = gateway.network !== null && gateway.devices().every((d) => !d.enabled || d.state !== 'unknown')
    if (settled || timers.now() >= deadline) {
      this.scheduler?.start()
      return
    }
    timers.setTimeout(() => this.startWhenSettled(gateway, timers, deadline), 1000)
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.gateway?.off('schedule', this.onSchedule)
    await this.scheduler?.stop()
    await this.queue.catch(() => {})
  }

  /** Runs a check now (after any check already running) and publishes its report. */
  async run (request: CheckRequest): Promise<CheckReport> {
    const next = this.queue.then(async () => await this.runNow(request))
    this.queue = next.catch(() => {})
    return await next
  }

  private async runNow (request: CheckRequest): Promise<CheckReport> {
    const g = this.gateway
    if (g === null || this.stopped) throw new Error('the pre-session check is not running')
    const config = this.options.config
    const startedAt = g.clock.now()
    const view = sessionView(g.config, g.schedule, startedAt)
    let session: Consultation | null = request.due?.session ?? view.session
    if (request.session !== undefined) {
      session = g.schedule.find((c) => c.id === request.session) ?? null
      if (session === null) throw new DeviceCommandError(reason('check.unknown-session', `Ingen konsultasjon med id «${request.session}» i timeplanen`, `No consultation with id "${request.session}" in the schedule`))
    }
    const profileId = request.profile ?? (request.session !== undefined || request.due !== undefined ? session?.profile : undefined) ?? view.profileId
    const profile = Object.hasOwn(g.config.profiles, profileId) ? g.config.profiles[profileId] : undefined
    if (profile === undefined) throw new DeviceCommandError(reason('check.unknown-profile', `Ukjent konsultasjonstype «${profileId}»`, `Unknown consultation type "${profileId}"`))

    // Someone is in a consultation now: nothing that moves the camera or fills the link.
    const busy = view.running
    const devices = new Map(g.devices().map((d) => [d.id, d]))
    const configured = new Map(g.config.devices.map((d) => [d.id, d]))
    const sessionMinutes = session?.minutes ?? DEFAULT_SESSION_MINUTES
    this.options.log.info({ trigger: request.trigger, session: session?.id, profile: profileId, before: request.due?.minutesBefore }, 'pre-session check started')

    const deviceSteps = profile.requires.map(async (id): Promise<Step[]> => {
      const d = devices.get(id)
      if (d === undefined) return [{ name: 'device.health', device: id, passed: false, reason: checkReasons.deviceDown(id, id, null), value: null }]
      switch (d.kind) {
        case 'onvif-camera':
          if (!d.enabled || d.state === 'down') return [judgeHealth(d)]
          return await checkCamera({ command: async (device, name, args) => await g.supervisor.command(device, name, args), sleep }, {
            camera: d, preset: profile.preset, moveAllowed: !busy, settleMs: config.cameraSettleMs, restorePreset: config.restorePreset
          })
        case 'serial-sensor': {
          if (!d.enabled) return [judgeHealth(d)]
          const reading = await waitForReading(g, id, config.sensorWaitMs)
          return [judgeReading(d, reading, config.sensorWaitMs)]
        }
        case 'hololens':
          return [judgeBattery(d, sessionMinutes, config.batteryMarginMinutes)]
        case 'video-stream': {
          const minKbps = (configured.get(id) as Record<string, unknown> | undefined)?.minKbps
          const evidence: StreamEvidence = !d.enabled || d.state === 'down' ? { kind: 'unmeasurable' } : busy ? { kind: 'skipped' } : await timeStream(g, id)
          return [judgeStream(d, typeof minKbps === 'number' ? minKbps : 1500, evidence)]
        }
        default:
          return [judgeHealth(d)]
      }
    })
    const host = [...devices.values()].find((d) => d.kind === 'host')
    const clockStep = (async (): Promise<Step> => {
      const [synced, hub] = await Promise.all([
        clockSynced(host),
        g.config.hub.http !== undefined ? askHubClock(g.config.hub.http, hubProbeAuth(g.config)) : Promise.resolve({ offsetMs: null, refused: false })
      ])
      if (hub.refused) this.options.log.error({ url: g.config.hub.http }, 'the hub refused the gateway\'s credentials for /probe/time (401): check hub.username and hub.password')
      return judgeClock({ synced, offsetMs: hub.offsetMs, hubProblem: hub.refused ? checkReasons.hubRefused() : null, maxOffsetMs: config.maxClockOffsetMs, ...(host !== undefined ? { device: host.id } : {}) })
    })()
    const steps: Step[] = [...(await Promise.all(deviceSteps)).flat()]
    steps.push(this.networkStep(g, profile.network))
    if (config.throughput) steps.push(judgeThroughput(await this.throughputEvidence(g, busy), profile.network))
    steps.push(await clockStep)

    const ts = g.clock.now()
    const report: CheckReport = {
      id: `check-${ts.toString(36)}-${randomBytes(3).toString('hex')}`,
      trigger: request.trigger,
      session: session?.id ?? null,
      profile: profileId,
      passed: steps.every((s) => s.passed),
      steps: steps.map((s) => ({ ...s, ts })),
      sessionStart: session?.start ?? null,
      minutesBefore: request.due !== undefined ? Math.round(request.due.minutesBefore * 10) / 10 : session !== null ? Math.max(0, Math.round((session.start - startedAt) / 6000) / 10) : null,
      startedAt,
      ts
    }
    this.latest = report
    const failed = report.steps.filter((s) => !s.passed)
    this.options.log[report.passed ? 'info' : 'warn']({ session: report.session, passed: report.passed, failed: failed.map((s) => `${s.name}${s.device !== undefined ? ':' + s.device : ''}`) }, 'pre-session check done')
    if (!this.stopped) g.setCheck(report)
    return report
  }

  private networkStep (g: Gateway, limits: NetworkThresholds): Step {
    const monitored = g.config.network.enabled && (hubEchoAddress(g.config, g.config.network) !== null || g.config.network.targets.length > 0)
    if (!monitored && g.network === null) return { name: 'network.quality', passed: true, skipped: true, label: labels.networkQuality(), value: null }
    return judgeNetwork(g.network, limits, g.clock.now(), NETWORK_MAX_AGE_MS)
  }

  /** Asks the network monitor for a throughput test (`network.throughput`), never during a consultation. */
  private async throughputEvidence (g: Gateway, busy: boolean): Promise<ThroughputEvidence> {
    if (busy) return { kind: 'skipped' }
    const result = await g.runCommand('network.throughput', { id: `check-${randomBytes(4).toString('hex')}`, by: 'pre-session-check', ts: g.clock.now() })
    if (result.ok) {
      const r = result.result as { upMbps?: number | null, downMbps?: number | null } | undefined
      return { kind: 'measured', upMbps: r?.upMbps ?? null, downMbps: r?.downMbps ?? null }
    }
    // No network monitor in this room, or a consultation started meanwhile: not this check's failure.
    const code = result.error?.code ?? ''
    if (code === 'network.hub-refused') return { kind: 'refused', reason: checkReasons.hubRefused() }
    if (code === 'command.unknown' || code === 'network.throughput-during-session' || code === 'network.throughput-unavailable') return { kind: 'skipped' }
    return { kind: 'failed', reason: result.error ?? null }
  }

  /** Failed steps of the latest check, while the consultation it was for is still ahead. */
  private readinessReasons (): Reason[] {
    const g = this.gateway
    const r = this.latest
    if (g === null || this.stopped || r === null || r.passed) return []
    const now = g.clock.now()
    const view = sessionView(g.config, g.schedule, now)
    if (view.running) return [] // the devices' own health speaks during a consultation
    const relevant = r.session !== null ? r.session === view.session?.id : now - r.ts < MANUAL_VALID_MS
    if (!relevant) return []
    return r.steps.filter((s) => !s.passed && s.reason !== undefined).map((s) => checkReasons.inReadiness(s.reason!))
  }
}

/**
 * Times a stream source now (`stream.measure`: an RTSP source is played for its measuring window).
 * A driver without the command, or a source with nothing to time, leaves the driver's own figure.
 */
async function timeStream (g: Gateway, device: string): Promise<StreamEvidence> {
  try {
    const result = await g.supervisor.command(device, 'stream.measure', {}) as { kbps?: unknown } | undefined
    return typeof result?.kbps === 'number' ? { kind: 'measured', kbps: result.kbps } : { kind: 'unmeasurable' }
  } catch (err) {
    if (!(err instanceof DeviceCommandError) || err.reason.code.startsWith('command.')) return { kind: 'unmeasurable' }
    return { kind: 'failed', reason: err.reason }
  }
}

/** The first plausible reading a device sends within `ms` (else the last one it sent, else null). */
async function waitForReading (g: Gateway, device: string, ms: number): Promise<ReadingsMessage | null> {
  return await new Promise((resolve) => {
    let last: ReadingsMessage | null = null
    const done = (value: ReadingsMessage | null): void => {
      clearTimeout(timer)
      g.off('reading', listener)
      resolve(value)
    }
    const listener = (id: string, reading: ReadingsMessage): void => {
      if (id !== device) return
      last = reading
      if (judgeReading({ id, name: id }, reading, 0).passed) done(reading)
    }
    const timer = setTimeout(() => done(last), ms)
    g.on('reading', listener)
  })
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
