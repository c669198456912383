// OnvifCameraDriver: drives one PTZ camera over ONVIF and watches its health. Every few seconds a
// staged probe (reachability.ts, verdict.ts) finds out how up the camera is; when it is up, the
// checks on top say whether it is fit for a consultation: the presets named in config exist (lost
// ones are put back where the driver learnt they pointed), the snapshot is a JPEG, the clock is
// close enough. Health is reported after every probe. Commands move the camera and take pictures.
import type { Socket } from 'node:net'
import { Value } from '@sinclair/typebox/value'
import type { DeviceInfo, Reason } from '../../protocol/messages.js'
import {
  DeviceCommandError, reason,
  type Driver, type DriverContext, type DriverHealth, type MetricValue
} from '../contract.js'
import { DEFAULT_MOVE_TIMEOUT_MS, GotoPresetArgs, MoveArgs, NoArgs, SnapshotArgs } from './commands.js'
import { cameraSettings, type CameraSettings, type OnvifCameraConfig } from './config.js'
import { OnvifCallError, OnvifClient, type CameraEndpoints, type CameraPreset, type MediaProfile, type PtzStatus, type PtzVector } from './onvif-client.js'
import { checkPresets, findCameraPreset, learnFromChecks, planRepair, type PresetCheck } from './preset-integrity.js'
import { LearntPresetStore } from './preset-store.js'
import { askCameraTime, tcpConnect, type UnauthenticatedOutcome } from './reachability.js'
import { cameraReasons, type CameraReasons } from './reasons.js'
import { fetchSnapshot, type SnapshotResult } from './snapshot.js'
import { judgeProbe, type ProbeFacts, type Verdict } from './verdict.js'

/** How often a healthy camera's snapshot is fetched again (it is also fetched at every reconnect). */
const SNAPSHOT_EVERY_MS = 60_000
/** How long a move to a preset position may take before the driver gives up waiting. */
const SETTLE_TIMEOUT_MS = 10_000
/** How long to wait before trying again to re-create a preset that could not be put back. */
const REPAIR_RETRY_MS = 60_000

interface Session {
  endpoints: CameraEndpoints
  profile: MediaProfile
  ptz: boolean
  streamUri: string | null
  snapshotUri: string | null
}

interface UpFacts {
  session: Session
  presets: CameraPreset[] | null
  status: PtzStatus | null
  reconnected: boolean
}

interface ProbeResult {
  health: DriverHealth
  /** Presets to re-create, when this probe may repair. */
  repair: PresetCheck[]
}

class Stopped extends Error {}
class NoProfile extends Error {
  readonly kind = 'no-profile' as const
  get detail (): string { return this.message }
}

const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits

/** A URI without user:password, fit for a metric. */
function withoutCredentials (uri: string | null): string | null {
  if (uri === null) return null
  try {
    const url = new URL(uri)
    url.username = ''
    url.password = ''
    return url.toString().slice(0, 500)
  } catch {
    return uri.slice(0, 500)
  }
}

export class OnvifCameraDriver implements Driver {
  private readonly settings: CameraSettings
  private readonly reasons: CameraReasons
  private ctx: DriverContext | null = null
  private client: OnvifClient | null = null
  private store: LearntPresetStore | null = null
  private session: Session | null = null
  private info: DeviceInfo | undefined
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  private running: Promise<void> | null = null
  /** Probes run one at a time: the loop's and a selfTest's. */
  private chain: Promise<void> = Promise.resolve()
  private readonly background = new Set<Promise<unknown>>()
  private readonly sockets = new Set<Socket>()
  private lastSnapshot: { at: number, result: SnapshotResult } | null = null
  private lastDriftMs: number | null = null
  private lastPresetTokens: string | null = null
  private readonly repairTried = new Map<string, number>()
  private sessions = 0
  private presetsRecreated = 0
  private failures = 0
  private lastHealth: DriverHealth | null = null
  /** Counts moves we order, so a position learnt after one move is not taken from the next. */
  private moveGeneration = 0

  constructor (config: OnvifCameraConfig & { id?: string, name?: string }) {
    this.settings = cameraSettings(config)
    this.reasons = cameraReasons(this.settings.name, /^[a-z0-9-]{1,64}$/.test(this.settings.id) ? this.settings.id : undefined)
  }

  async start (ctx: DriverContext): Promise<void> {
    this.ctx = ctx
    this.stopped = false
    this.client = new OnvifClient({
      host: this.settings.host,
      port: this.settings.port,
      path: this.settings.path,
      username: this.settings.username,
      password: this.settings.password,
      timeoutMs: this.settings.timeoutMs
    })
    this.store = new LearntPresetStore(ctx.dataDir, ctx.log)
    await this.store.load()
    this.loop()
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.client?.close()
    for (const socket of this.sockets) socket.destroy()
    await this.running?.catch(() => {})
    await this.chain
    await Promise.allSettled([...this.background])
    await this.store?.flush()
  }

  // --- the probe loop -------------------------------------------------------------------------

  private loop (): void {
    if (this.stopped) return
    this.running = this.exclusive(async () => { await this.probeAndReport() }).finally(() => {
      this.running = null
      if (!this.stopped) this.timer = setTimeout(() => { this.timer = null; this.loop() }, this.settings.pollIntervalMs)
    })
  }

  private async exclusive (task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task)
    this.chain = run.catch(() => {})
    await run
  }

  private report (health: DriverHealth): void {
    if (this.stopped || this.ctx === null) return
    this.lastHealth = health
    this.ctx.emit.health(health)
  }

  private async probeAndReport (allowRepair = true): Promise<void> {
    try {
      const first = await this.probe(allowRepair)
      this.report(first.health)
      if (first.repair.length > 0) {
        await this.repairPresets(first.repair)
        this.report((await this.probe(false)).health)
      }
    } catch (err) {
      if (err instanceof Stopped || this.stopped) return
      this.ctx?.log.error({ err }, 'onvif-camera probe failed unexpectedly')
      this.report({ state: 'down', reason: this.reasons.driverError(), metrics: this.baseMetrics() })
    }
  }

  private assertRunning (): void {
    if (this.stopped) throw new Stopped()
  }

  private get now (): number {
    return this.ctx?.clock.now() ?? Date.now()
  }

  private get cam (): OnvifClient {
    if (this.client === null) throw new Stopped()
    return this.client
  }

  /**
   * One staged probe, then the checks on top. The camera's clock is asked first and without
   * credentials: WS-Security needs it before any authenticated call can succeed, and a camera that
   * does not answer it will not answer the rest (then only the TCP stage is left to tell "hangs"
   * from "gone"). The verdict reads the stages in EdgeX's order: authenticated → unauthenticated → TCP.
   */
  private async probe (allowRepair: boolean): Promise<ProbeResult> {
    this.assertRunning()
    const unauthenticated = await askCameraTime({ ...this.settings, agent: this.cam.httpAgent }, () => this.now)
    this.assertRunning()
    this.useCameraClock(unauthenticated)
    const facts: ProbeFacts = { unauthenticated }
    let up: UpFacts | null = null
    if (unauthenticated.kind === 'onvif') {
      try {
        up = await this.authenticatedStage()
        facts.authenticated = { ok: true }
      } catch (err) {
        if (err instanceof Stopped || this.stopped) throw new Stopped()
        if (!(err instanceof OnvifCallError) && !(err instanceof NoProfile)) throw err
        facts.authenticated = { ok: false, error: err }
        this.ctx?.log.debug({ err: err.message }, 'authenticated stage failed')
      }
    } else if (unauthenticated.kind === 'timeout' || unauthenticated.kind === 'network') {
      facts.tcp = await tcpConnect(this.settings.host, this.settings.port, this.settings.timeoutMs, this.sockets)
    }
    this.assertRunning()
    const verdict = judgeProbe(facts, this.reasons)
    if (verdict.down !== null || up === null) {
      this.session = null // whatever comes back is connected afresh and checked again
      this.failures++
      return { health: this.downHealth(verdict, unauthenticated), repair: [] }
    }
    this.failures = 0
    return await this.upHealth(verdict, unauthenticated, up, allowRepair)
  }

  /** Keeps the library's WS-Security clock in step with the camera's, whatever the camera's clock says. */
  private useCameraClock (outcome: UnauthenticatedOutcome): void {
    if (outcome.kind !== 'onvif') return
    if (outcome.clock !== null) {
      this.lastDriftMs = outcome.clock.driftMs
      this.cam.setCameraClock(outcome.clock.cameraMs + 500, outcome.clock.uptimeMs)
    } else if (this.lastDriftMs === null) {
      this.cam.setCameraClock(Date.now())
    }
  }

  /** Stage 1: authenticated calls. Connects first when there is no session (start, after an outage). */
  private async authenticatedStage (): Promise<UpFacts> {
    let reconnected = false
    if (this.session === null) {
      this.session = await this.connect()
      this.sessions++
      reconnected = true
    }
    const session = this.session
    let presets: CameraPreset[] | null = null
    let status: PtzStatus | null = null
    if (session.ptz) {
      presets = await this.cam.presets(session.profile.token)
      status = await this.cam.status(session.profile.token).catch((err: unknown) => {
        if (this.stopped) throw new Stopped()
        this.ctx?.log.debug({ err }, 'GetStatus failed')
        return null
      })
    } else if (!reconnected) {
      this.info = await this.cam.deviceInformation()
    }
    return { session, presets, status, reconnected }
  }

  private async connect (): Promise<Session> {
    const endpoints = await this.cam.endpoints()
    this.assertRunning()
    this.info = await this.cam.deviceInformation()
    const profiles = await this.cam.profiles()
    // The first profile with PTZ is the one to steer; a fixed camera uses its first profile.
    const profile = profiles.find((p) => p.ptz) ?? profiles[0]
    if (profile === undefined) throw new NoProfile('the camera has no media profile')
    const ptz = profile.ptz && endpoints.services.ptz !== undefined
    const optional = async (what: string, fn: () => Promise<string>): Promise<string | null> => {
      try {
        return await fn()
      } catch (err) {
        if (this.stopped) throw new Stopped()
        if (err instanceof OnvifCallError && (err.kind === 'auth' || err.kind === 'timeout' || err.kind === 'network')) throw err
        this.ctx?.log.info({ err: (err as Error).message }, `${what} not available`)
        return null
      }
    }
    const streamUri = await optional('stream URI', async () => await this.cam.streamUri(profile.token))
    const snapshotUri = await optional('snapshot URI', async () => await this.cam.snapshotUri(profile.token))
    this.lastSnapshot = null
    this.lastPresetTokens = null
    if (this.sessions > 0) this.ctx?.log.info('camera connected again: checking its presets')
    return { endpoints, profile, ptz, streamUri, snapshotUri }
  }

  private baseMetrics (): Record<string, MetricValue> {
    const s = this.session
    return {
      reachability: 'unreachable',
      stage: null,
      responseMs: null,
      clockDriftMs: this.lastDriftMs,
      ptz: s?.ptz ?? null,
      profile: s?.profile.token ?? null,
      streamUri: withoutCredentials(s?.streamUri ?? null),
      snapshotUri: withoutCredentials(s?.snapshotUri ?? null),
      presetsConfigured: Object.keys(this.settings.presets).length,
      // The names a specialist's console and Node-RED may send to ptz.gotoPreset.
      presets: Object.keys(this.settings.presets).join(','),
      presetsRecreated: this.presetsRecreated,
      reconnects: Math.max(0, this.sessions - 1),
      consecutiveFailures: this.failures
    }
  }

  private downHealth (verdict: Verdict, unauth: UnauthenticatedOutcome): DriverHealth {
    return {
      state: verdict.down?.state ?? 'down',
      reason: verdict.down?.reason ?? this.reasons.driverError(),
      metrics: {
        ...this.baseMetrics(),
        reachability: verdict.reachability,
        stage: verdict.stage,
        responseMs: unauth.kind === 'onvif' ? unauth.responseMs : null
      },
      ...(this.info !== undefined ? { info: this.info } : {})
    }
  }

  private async upHealth (verdict: Verdict, unauth: UnauthenticatedOutcome, up: UpFacts, allowRepair: boolean): Promise<ProbeResult> {
    const { session } = up
    const now = this.now
    // Presets: which of ours are there, what we learn from them, which we can put back.
    const checks = checkPresets(this.settings.presets, up.presets ?? [], this.store?.all() ?? {})
    this.store?.update(learnFromChecks(checks, now))
    const tokens = (up.presets ?? []).map((p) => p.token).sort().join(',')
    if (this.lastPresetTokens !== null && tokens !== this.lastPresetTokens) this.ctx?.log.info({ tokens }, 'the camera\'s preset list changed')
    this.lastPresetTokens = tokens
    const plan = planRepair(checks)
    const repair = allowRepair && session.ptz
      ? plan.recreate.filter((c) => now - (this.repairTried.get(c.name) ?? -Infinity) >= REPAIR_RETRY_MS)
      : []

    // Snapshot: at every (re)connect, then now and then.
    if (session.snapshotUri !== null && (up.reconnected || this.lastSnapshot === null || now - this.lastSnapshot.at >= SNAPSHOT_EVERY_MS)) {
      this.lastSnapshot = { at: now, result: await this.takeSnapshot(session.snapshotUri) }
    }
    const snapshot = this.lastSnapshot?.result ?? null

    const missing = checks.filter((c) => c.found === null).map((c) => c.name)
    const drift = this.lastDriftMs
    let why: Reason | null = null
    if (missing.length > 0) why = this.reasons.presetMissing(missing, repair.length > 0)
    else if (snapshot !== null && snapshot.checked && !snapshot.ok) why = this.reasons.snapshotFailed(snapshot.detail)
    else if (this.settings.maxClockDriftMs !== null && drift !== null && Math.abs(drift) > this.settings.maxClockDriftMs) why = this.reasons.clockDrift(drift)

    const position = up.status?.position ?? null
    const metrics: Record<string, MetricValue> = {
      ...this.baseMetrics(),
      reachability: verdict.reachability,
      stage: verdict.stage,
      responseMs: unauth.kind === 'onvif' ? unauth.responseMs : null,
      pan: position === null ? null : round(position.x),
      tilt: position === null ? null : round(position.y),
      zoom: position === null ? null : round(position.zoom),
      moving: up.status?.moving ?? null,
      ptzError: up.status?.error ?? null,
      presetsMissing: missing.join(','),
      snapshotOk: snapshot === null || !snapshot.checked ? null : snapshot.ok,
      snapshotBytes: snapshot?.checked === true ? snapshot.bytes : null
    }
    return {
      health: { state: why === null ? 'ok' : 'degraded', reason: why, metrics, ...(this.info !== undefined ? { info: this.info } : {}) },
      repair
    }
  }

  private async takeSnapshot (uri: string): Promise<SnapshotResult> {
    return await fetchSnapshot(uri, {
      agent: this.cam.httpAgent,
      timeoutMs: this.settings.timeoutMs,
      username: this.settings.username,
      password: this.settings.password,
      host: this.settings.host,
      port: this.settings.port,
      digest: (challenges, method, path) => this.cam.digestAuthorization(challenges, method, path)
    })
  }

  // --- preset integrity -----------------------------------------------------------------------

  /**
   * Puts lost presets back: moves to where each pointed, saves it (SetPreset), then returns to
   * where the camera was, so a repair during a consultation leaves the view as it was.
   */
  private async repairPresets (toRecreate: PresetCheck[]): Promise<void> {
    const session = this.session
    if (session === null || !session.ptz || this.stopped) return
    const profile = session.profile.token
    const before = (await this.cam.status(profile).catch(() => null))?.position ?? null
    for (const check of toRecreate) {
      this.assertRunning()
      this.repairTried.set(check.name, this.now)
      const learnt = check.learnt
      if (learnt?.position == null) continue
      try {
        const generation = ++this.moveGeneration
        await this.cam.absoluteMove(profile, learnt.position)
        if (await this.settle(profile, learnt.position, generation) === null) throw new Error('the camera did not reach the preset position')
        const name = learnt.name !== '' ? learnt.name : check.wanted
        const token = await this.cam.setPreset(profile, name)
        this.store?.update({ [check.name]: { token, name, position: learnt.position, learntAt: this.now } })
        this.presetsRecreated++
        this.repairTried.delete(check.name)
        this.ctx?.log.info({ preset: check.name, token }, 're-created a preset the camera had lost')
      } catch (err) {
        if (this.stopped) throw new Stopped()
        this.ctx?.log.warn({ err: (err as Error).message, preset: check.name }, 'could not re-create a lost preset')
      }
    }
    if (before !== null && !this.stopped) {
      ++this.moveGeneration
      await this.cam.absoluteMove(profile, before).catch(() => {})
    }
  }

  /**
   * Waits until the head stops at (or near) a position. Null when the settle time runs out, or
   * when another move is ordered meanwhile (`generation` no longer current).
   */
  private async settle (profile: string, target: PtzVector | null, generation = this.moveGeneration): Promise<PtzVector | null> {
    const deadline = this.now + SETTLE_TIMEOUT_MS
    let last: PtzVector | null = null
    let seenStill = 0
    while (this.now < deadline) {
      await this.pause(150)
      this.assertRunning()
      if (generation !== this.moveGeneration) return null
      const status = await this.cam.status(profile)
      last = status.position
      const near = target === null || last === null || (Math.abs(last.x - target.x) < 0.01 && Math.abs(last.y - target.y) < 0.01 && Math.abs(last.zoom - target.zoom) < 0.01)
      // Some cameras report IDLE for a moment before a move starts: want it still twice in a row.
      seenStill = !status.moving && near ? seenStill + 1 : 0
      if (seenStill >= 2) return last
    }
    return null
  }

  private async pause (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms)
      if (this.stopped) { clearTimeout(t); resolve() }
    })
  }

  /** Runs a task that stop() waits for. */
  private track (task: Promise<unknown>): void {
    const guarded = task.catch(() => {})
    this.background.add(guarded)
    void guarded.finally(() => this.background.delete(guarded))
  }

  // --- commands -------------------------------------------------------------------------------

  async command (name: string, args: Record<string, unknown>): Promise<unknown> {
    if (this.stopped || this.client === null) throw new DeviceCommandError(this.reasons.notConnected())
    const check = <T>(schema: Parameters<typeof Value.Check>[0], value: unknown): T => {
      if (!Value.Check(schema, value)) {
        const first = [...Value.Errors(schema, value)][0]
        throw new DeviceCommandError(reason('camera.bad-arguments', `Ugyldige argumenter til ${name}: ${first?.path ?? ''} ${first?.message ?? ''}`.trim(), `Invalid arguments to ${name}: ${first?.path ?? ''} ${first?.message ?? ''}`.trim()))
      }
      return value as T
    }
    try {
      switch (name) {
        case 'ptz.gotoPreset': return await this.gotoPreset(check<GotoPresetArgs>(GotoPresetArgs, args).preset)
        case 'ptz.move': return await this.move(check<MoveArgs>(MoveArgs, args))
        case 'ptz.stop': check(NoArgs, args); ++this.moveGeneration; await this.cam.stop(this.ptzSession().profile.token); return { stopped: true }
        case 'ptz.home': check(NoArgs, args); ++this.moveGeneration; await this.cam.gotoHome(this.ptzSession().profile.token); return { home: true }
        case 'snapshot': return await this.snapshot(check<SnapshotArgs>(SnapshotArgs, args).includeImage === true)
        case 'selfTest': check(NoArgs, args); return await this.selfTest()
      }
    } catch (err) {
      throw this.commandError(err)
    }
    throw new DeviceCommandError(reason('camera.unknown-command', `Kameraet kjenner ikke kommandoen ${name}`, `The camera has no command ${name}`))
  }

  private commandError (err: unknown): DeviceCommandError {
    if (err instanceof DeviceCommandError) return err
    if (err instanceof OnvifCallError) {
      if (err.kind === 'auth') return new DeviceCommandError(this.reasons.credentialsRejected())
      if (err.kind === 'timeout' || err.kind === 'network' || err.kind === 'closed') return new DeviceCommandError(this.reasons.notConnected())
      return new DeviceCommandError(this.reasons.commandFailed(err.detail))
    }
    if (err instanceof Stopped) return new DeviceCommandError(this.reasons.notConnected())
    this.ctx?.log.error({ err }, 'onvif-camera command failed unexpectedly')
    return new DeviceCommandError(this.reasons.commandFailed((err as Error)?.message ?? String(err)))
  }

  private connected (): Session {
    if (this.session === null) throw new DeviceCommandError(this.reasons.notConnected())
    return this.session
  }

  private ptzSession (): Session {
    const session = this.connected()
    if (!session.ptz) throw new DeviceCommandError(this.reasons.noPtz())
    return session
  }

  private async gotoPreset (wanted: string): Promise<unknown> {
    const session = this.ptzSession()
    const profile = session.profile.token
    const presets = await this.cam.presets(profile)
    const configured = this.settings.presets[wanted]
    let target: CameraPreset | null
    if (configured !== undefined) {
      target = findCameraPreset(configured, presets, this.store?.get(wanted) ?? null)
      if (target === null) throw new DeviceCommandError(this.reasons.presetMissing([wanted], false))
    } else {
      target = presets.find((p) => p.name === wanted) ?? presets.find((p) => p.token === wanted) ?? null
      if (target === null) throw new DeviceCommandError(this.reasons.presetUnknown(wanted, Object.keys(this.settings.presets)))
    }
    const generation = ++this.moveGeneration
    await this.cam.gotoPreset(profile, target.token)
    // Learn where our preset points when the camera does not say, so it can be put back if lost —
    // unless another move is ordered before this one has come to rest.
    if (configured !== undefined && target.position === null && session.endpoints.statusPosition) {
      const found = target
      this.track((async () => {
        const at = await this.settle(profile, null, generation)
        if (at !== null && !this.stopped && generation === this.moveGeneration) {
          this.store?.update({ [wanted]: { token: found.token, name: found.name, position: at, learntAt: this.now } })
        }
      })())
    }
    return { preset: wanted, token: target.token, name: target.name }
  }

  private async move (args: MoveArgs): Promise<unknown> {
    const session = this.ptzSession()
    ++this.moveGeneration
    const timeoutMs = args.timeoutMs ?? DEFAULT_MOVE_TIMEOUT_MS
    await this.cam.continuousMove(session.profile.token, { x: args.pan, y: args.tilt, zoom: args.zoom }, timeoutMs)
    return { moving: args.pan !== 0 || args.tilt !== 0 || args.zoom !== 0, timeoutMs }
  }

  private async snapshot (includeImage: boolean): Promise<unknown> {
    const session = this.connected()
    if (session.snapshotUri === null) throw new DeviceCommandError(this.reasons.snapshotFailed('the camera gives no snapshot URI'))
    const result = await this.takeSnapshot(session.snapshotUri)
    if (!result.ok) throw new DeviceCommandError(this.reasons.snapshotFailed(result.detail))
    return {
      contentType: result.contentType,
      bytes: result.bytes,
      ...(includeImage && result.image !== null ? { image: result.image.toString('base64') } : {})
    }
  }

  /** A fresh probe, snapshot and preset check now, reported as a list of steps. */
  private async selfTest (): Promise<unknown> {
    await this.exclusive(async () => {
      this.lastSnapshot = null // force a fresh snapshot
      await this.probeAndReport(false)
    })
    const health = this.lastHealth
    const metrics = health?.metrics ?? {}
    const steps = [
      { name: 'reachable', passed: metrics.reachability === 'up' || metrics.reachability === 'up-without-auth', value: metrics.reachability ?? null },
      { name: 'authenticated', passed: metrics.reachability === 'up', value: metrics.stage ?? null },
      { name: 'snapshot', passed: metrics.snapshotOk === true, value: metrics.snapshotBytes ?? null },
      { name: 'presets', passed: metrics.presetsMissing === '', value: metrics.presetsMissing ?? null },
      { name: 'clock', passed: this.settings.maxClockDriftMs === null || (typeof metrics.clockDriftMs === 'number' && Math.abs(metrics.clockDriftMs) <= this.settings.maxClockDriftMs), value: metrics.clockDriftMs ?? null }
    ]
    return { passed: health?.state === 'ok', state: health?.state ?? 'unknown', reason: health?.reason ?? null, steps, info: this.info ?? null }
  }
}
