// The gateway's network monitor (DESIGN.md, "Network quality"): every few seconds one probe cycle —
// a burst of small probes to the hub's echo and to each configured target (round-trip time, jitter,
// loss), a packet train to the hub's echo (capacity, to notice a change at once), a throughput test
// when one is due and allowed, the interface counters — and a `network` message to the gateway.
// From the history of those messages it adds an amber reason to readiness when a figure is heading
// for its threshold, before the link fails. It answers `network.throughput` (a test on demand).
import type { Logger } from 'pino'
import type { NetworkMessage, NetworkPath, Reason } from '../../protocol/messages.js'
import { DeviceCommandError, reason } from '../../drivers/contract.js'
import type { Gateway } from '../gateway.js'
import type { GatewayExtension } from '../extensions.js'
import { hubEchoAddress, targetPort, throughputBaseUrl, type NetworkMonitorConfig, type NetworkTarget, type UdpAddress } from './config.js'
import { EchoProbe, type TrainResult } from './echo-probe.js'
import { StunProbe } from './stun-probe.js'
import { pathStats, pruneSamples, type PathStats, type ProbeSample } from './path-stats.js'
import { ThroughputProbe, type ThroughputResult } from './throughput-probe.js'
import { HUB_REFUSED_STATUS, hubProbeAuth } from './hub-credentials.js'
import { changeMatters, decideThroughputTest, publishableEstimate, scaledTrain, trainEstimate } from './throughput-policy.js'
import { counterRate, interfaceOfAddress, readInterfaceCounters, readLinkSpeedMbps, utilisationPct, type InterfaceCounters } from './interface-load.js'
import type { TrendPoint } from '../../protocol/linear-fit.js'
import { timeToThreshold } from './trend.js'
import { networkReasons, type TrendMetric } from './reasons.js'
import { sessionView } from './session-view.js'
import type { UdpRoundTripProbe } from './udp-round-trip.js'

interface Path {
  name: string
  kind: 'hub' | NetworkTarget['kind']
  address: UdpAddress
  counts: boolean
  probe: UdpRoundTripProbe | null
  samples: ProbeSample[]
  openError: string | null
}

interface LastTest {
  at: number
  up: number | null
  down: number | null
  /** The train read in the test's cycle: null = too fast to time, undefined = none. */
  trainUp: number | null | undefined
  trainDown: number | null | undefined
}

/** A cycle's bandwidth each way for the trend (undefined: no reading this cycle). */
interface BandwidthPoint { up: number | undefined, down: number | undefined }

export interface ThroughputOutcome extends ThroughputResult {
  at: number
  upMbps: number | null
  downMbps: number | null
}

/** A full TCP segment on Ethernet: 1448 bytes of payload in a 1514-byte frame (the counters see frames). */
const TCP_WIRE_FACTOR = 1514 / 1448
/** A throughput test that gave no figure is tried again after this long. */
const FAILED_TEST_RETRY_MS = 3 * 60_000
/** A change the train sees during a consultation must hold this many cycles before it is published. */
const CONFIRM_CYCLES_IN_SESSION = 3
const TREND_METRICS: TrendMetric[] = ['rtt', 'jitter', 'loss', 'bandwidth-up', 'bandwidth-down']

export interface NetworkMonitorOptions {
  config: NetworkMonitorConfig
  log: Logger
  /** Run cycles on a timer (default); false: only when `cycle()` is called (tests drive it). */
  autoCycle?: boolean
}

export class NetworkMonitor implements GatewayExtension {
  readonly name = 'network-monitor'
  private gateway: Gateway | null = null
  private readonly paths: Path[] = []
  private hub: Path | null = null
  private timer: NodeJS.Timeout | null = null
  private cycleRunning: Promise<unknown> | null = null
  private stopped = true
  private cycles = 0
  private lastTest: LastTest | null = null
  private testInFlight: Promise<ThroughputOutcome> | null = null
  private published: { up: number | null, down: number | null, source: 'test' | 'train' | null, at: number | null } = { up: null, down: null, source: null, at: null }
  private readonly sessionDrops = { up: 0, down: 0 }
  /** The hub answered 401 to the last throughput test: it does not accept our credentials. */
  private hubRefused = false
  /** A figure from the train was published within the gap after a test, and waits for a test to confirm it. */
  private unconfirmed = false
  private recentTrains: TrainResult[] = []
  /** The latest train, which an on-demand test between cycles is compared with later. */
  private lastTrain: TrainResult | undefined
  private readonly trendPoints: Record<TrendMetric, TrendPoint[]> = { rtt: [], jitter: [], loss: [], 'bandwidth-up': [], 'bandwidth-down': [] }
  private reasons: Reason[] = []
  private counters: { at: number, counters: InterfaceCounters, ownTx: number, ownRx: number } | null = null
  private ownBytes = { tx: 0, rx: 0 }
  private iface: string | null = null
  /** The latest message, also when the gateway is not told (tests read it). */
  last: NetworkMessage | null = null

  constructor (private readonly options: NetworkMonitorOptions) {}

  private get config (): NetworkMonitorConfig {
    return this.options.config
  }

  async start (gateway: Gateway): Promise<void> {
    this.gateway = gateway
    this.stopped = false
    const hubEcho = hubEchoAddress(gateway.config, this.config)
    if (hubEcho !== null) {
      this.hub = { name: 'hub', kind: 'hub', address: hubEcho, counts: true, probe: null, samples: [], openError: null }
      this.paths.push(this.hub)
    }
    for (const target of this.config.targets) {
      this.paths.push({ name: target.name, kind: target.kind, address: { host: target.host, port: targetPort(target, hubEcho) }, counts: target.counts, probe: null, samples: [], openError: null })
    }
    gateway.addReasonSource(() => this.stopped ? [] : this.reasons)
    gateway.registerCommand('network.throughput', async () => await this.throughputOnDemand())
    this.options.log.info({ paths: this.paths.map((p) => `${p.name} ${p.address.host}:${p.address.port}`), intervalMs: this.config.intervalMs }, 'network monitor started')
    if (this.options.autoCycle !== false) this.schedule(0)
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.cycleRunning?.catch(() => {})
    await this.testInFlight?.catch(() => {})
    for (const path of this.paths) path.probe?.close()
  }

  private schedule (delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      const started = Date.now()
      this.cycleRunning = this.cycle().catch((err: Error) => {
        this.options.log.warn({ err: err.message }, 'network probe cycle failed')
      }).finally(() => {
        this.cycleRunning = null
        this.schedule(Math.max(0, this.config.intervalMs - (Date.now() - started)))
      })
    }, delayMs)
    this.timer.unref()
  }

  /** One probe cycle; public so tests can drive it without waiting for the timer. */
  async cycle (): Promise<NetworkMessage | null> {
    const gateway = this.gateway
    if (gateway === null || this.stopped) return null
    await Promise.all(this.paths.map(async (p) => await this.open(p)))
    const burst = ++this.cycles
    const at = gateway.clock.now()
    const probe = this.config.probe
    await Promise.all(this.paths.map(async (path) => {
      if (path.probe === null) return
      const samples = await path.probe.burst({ burst, at, packets: probe.packets, spacingMs: probe.spacingMs, bytes: probe.bytes, timeoutMs: probe.timeoutMs })
      path.samples = pruneSamples([...path.samples, ...samples], gateway.clock.now(), Math.max(probe.rttWindowMs, probe.lossWindowMs))
    }))
    if (this.stopped) return null

    let train: TrainResult | undefined
    if (this.config.train.enabled && this.hub?.probe instanceof EchoProbe && this.testInFlight === null) {
      train = await this.hub.probe.train(this.config.train.packets, this.config.train.bytes, 500 + probe.timeoutMs)
      if (train.down.length === 0) train = undefined // the echo did not answer: the train says nothing
      else this.lastTrain = train
    }
    await this.throughputIfDue(train)
    if (this.stopped) return null
    return await this.publish(this.bandwidthTrendPoint(train))
  }

  /**
   * This cycle's bandwidth each way for the trend: the train scaled to the last test's units, so the
   * trend follows the link every cycle rather than only at tests (every half hour). Without trains,
   * the published figures.
   */
  private bandwidthTrendPoint (train: TrainResult | undefined): BandwidthPoint {
    if (!this.config.train.enabled) return { up: this.published.up ?? undefined, down: this.published.down ?? undefined }
    const test = this.config.throughput.enabled ? this.lastTest : null
    return {
      up: scaledTrain({ tested: test?.up ?? null, trainAtTest: test?.trainUp, trainNow: train?.upMbps, need: 0 }),
      down: scaledTrain({ tested: test?.down ?? null, trainAtTest: test?.trainDown, trainNow: train?.downMbps, need: 0 })
    }
  }

  private async open (path: Path): Promise<void> {
    if (path.probe !== null) return
    const probe = path.kind === 'stun' ? new StunProbe(path.address) : new EchoProbe(path.address)
    try {
      await probe.open()
      path.probe = probe
      path.openError = null
      if (path === this.hub && this.iface === null) this.iface = this.config.interface ?? interfaceOfAddress(probe.localAddress() ?? '')
    } catch (err) {
      if (path.openError !== (err as Error).message) this.options.log.warn({ path: path.name, err: (err as Error).message }, 'cannot probe a network path yet')
      path.openError = (err as Error).message
    }
  }

  // --- throughput --------------------------------------------------------------------------------

  private async throughputIfDue (train: TrainResult | undefined): Promise<void> {
    const gateway = this.gateway!
    const now = gateway.clock.now()
    if (!this.config.throughput.enabled || throughputBaseUrl(gateway.config, this.config) === null) {
      this.trainOnly(train, now)
      return
    }
    // The first test waits for the second cycle: later trains are scaled by the train read at the
    // test, and the first train is read while the gateway is still starting up (often off, or lost).
    if (this.lastTest === null && this.config.train.enabled && this.cycles < 2) return
    const view = sessionView(gateway.config, gateway.schedule, now)
    const need = { up: view.profile?.network.minUpMbps ?? 0, down: view.profile?.network.minDownMbps ?? 0 }
    const ratio = this.config.throughput.changeRatio
    const tested = { up: this.lastTest?.up ?? null, down: this.lastTest?.down ?? null }
    const estimate = {
      up: trainEstimate({ tested: tested.up, trainAtTest: this.lastTest?.trainUp, trainNow: train?.upMbps, need: need.up }, ratio),
      down: trainEstimate({ tested: tested.down, trainAtTest: this.lastTest?.trainDown, trainNow: train?.downMbps, need: need.down }, ratio)
    }
    const matters = {
      up: changeMatters(this.published.up, estimate.up, need.up),
      down: changeMatters(this.published.down, estimate.down, need.down)
    }
    // What the train lets us publish for each change that matters, without a test.
    const figure = (dir: 'up' | 'down'): number | undefined => {
      const est = estimate[dir]
      return matters[dir] && est !== undefined ? publishableEstimate(est, tested[dir], need[dir]) : undefined
    }
    const decision = decideThroughputTest({
      now,
      sessionRunning: view.running,
      msToNextSession: view.msToStart,
      lastTestAt: this.lastTest?.at ?? null,
      everyMs: this.config.throughput.everyMinutes * 60_000,
      quietBeforeMs: this.config.throughput.quietBeforeMinutes * 60_000,
      minGapMs: this.config.throughput.minGapSeconds * 1000,
      changed: matters.up || matters.down,
      trainCanTell: (['up', 'down'] as const).every((dir) => !matters[dir] || figure(dir) !== undefined),
      unconfirmed: this.unconfirmed
    })
    if (decision.run) {
      if (decision.why === 'change' || decision.why === 'confirm') this.options.log.info({ estimate, why: decision.why }, 'the packet train says the link changed: measuring throughput now')
      await this.measureThroughput(train)
      return
    }
    // No test allowed now: a change the train sees is published from the train itself — at once when
    // only the gap holds the test back (a test confirms it when the gap allows), after a few cycles
    // running when a consultation does (no test may confirm it then).
    for (const dir of ['up', 'down'] as const) {
      const value = figure(dir)
      if (value === undefined || decision.blockedBy === null) { this.sessionDrops[dir] = 0; continue }
      if (decision.blockedBy === 'gap' || ++this.sessionDrops[dir] >= CONFIRM_CYCLES_IN_SESSION) {
        this.published = { ...this.published, [dir]: value, source: 'train', at: now }
        if (decision.blockedBy === 'gap') {
          this.unconfirmed = true
          this.options.log.info({ direction: dir, mbps: value }, 'the packet train says the link changed: published its estimate, a test confirms it when the gap allows')
        }
      }
    }
  }

  /**
   * Without throughput tests (none configured, or no hub.http), the trains are all there is: the
   * median of the last three readings each way is published, marked as coming from the train.
   */
  private trainOnly (train: TrainResult | undefined, now: number): void {
    if (train === undefined) return
    this.recentTrains = [...this.recentTrains, train].slice(-3)
    const median = (values: Array<number | null | undefined>): number | null => {
      const finite = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b)
      return finite.length === 0 ? null : finite[Math.floor(finite.length / 2)]!
    }
    this.published = { up: median(this.recentTrains.map((t) => t.upMbps)), down: median(this.recentTrains.map((t) => t.downMbps)), source: 'train', at: now }
  }

  /** Runs a throughput test now (one at a time); the caller decides whether it is allowed. */
  private async measureThroughput (train: TrainResult | undefined = this.lastTrain): Promise<ThroughputOutcome> {
    if (this.testInFlight !== null) return await this.testInFlight
    const gateway = this.gateway!
    const run = async (): Promise<ThroughputOutcome> => {
      const baseUrl = throughputBaseUrl(gateway.config, this.config)
      if (baseUrl === null) throw new Error('no hub.http to test throughput against')
      const auth = hubProbeAuth(gateway.config)
      const probe = new ThroughputProbe({ baseUrl, maxDurationMs: this.config.throughput.maxDurationMs, maxBytes: this.config.throughput.maxBytes, ...auth })
      const result = await probe.run()
      const refused = result.up.status === HUB_REFUSED_STATUS || result.down.status === HUB_REFUSED_STATUS
      if (refused && !this.hubRefused) this.options.log.error({ url: baseUrl, username: gateway.config.hub.username ?? gateway.config.room }, 'the hub refused the gateway\'s credentials for its probe endpoints (401): check hub.username and hub.password')
      this.hubRefused = refused
      const at = gateway.clock.now()
      this.ownBytes.tx += result.up.bytes * TCP_WIRE_FACTOR
      this.ownBytes.rx += result.down.bytes * TCP_WIRE_FACTOR
      const gotFigures = result.up.mbps !== null || result.down.mbps !== null
      this.lastTest = {
        // A test that gave nothing (the hub not up yet, say) is tried again in a few minutes, not at the next scheduled time.
        at: gotFigures ? at : at - this.config.throughput.everyMinutes * 60_000 + FAILED_TEST_RETRY_MS,
        up: result.up.mbps ?? this.lastTest?.up ?? null,
        down: result.down.mbps ?? this.lastTest?.down ?? null,
        trainUp: train?.upMbps,
        trainDown: train?.downMbps
      }
      for (const [dir, r] of [['up', result.up], ['down', result.down]] as const) {
        if (r.mbps === null) this.options.log.warn({ direction: dir, error: r.error }, 'throughput test gave no figure')
      }
      if (gotFigures) {
        this.published = { up: result.up.mbps ?? this.published.up, down: result.down.mbps ?? this.published.down, source: 'test', at }
      }
      // Tried: a test that failed is tried again on its own schedule, not every cycle to confirm.
      this.unconfirmed = false
      this.sessionDrops.up = 0
      this.sessionDrops.down = 0
      this.options.log.info({ upMbps: result.up.mbps, downMbps: result.down.mbps, upBytes: result.up.bytes, downBytes: result.down.bytes }, 'throughput measured')
      return { ...result, at, upMbps: result.up.mbps, downMbps: result.down.mbps }
    }
    this.testInFlight = run().finally(() => { this.testInFlight = null })
    return await this.testInFlight
  }

  /** `network.throughput`: a test now, refused while a consultation runs; publishes its result. */
  private async throughputOnDemand (): Promise<ThroughputOutcome> {
    const gateway = this.gateway!
    if (throughputBaseUrl(gateway.config, this.config) === null) {
      throw new DeviceCommandError(reason('network.throughput-unavailable', 'Ingen måletjeneste å teste mot (hub.http mangler i oppsettet)', 'There is nothing to test throughput against (hub.http is not configured)'))
    }
    if (sessionView(gateway.config, gateway.schedule, gateway.clock.now()).running) {
      throw new DeviceCommandError(reason('network.throughput-during-session', 'Båndbredden testes ikke mens en konsultasjon pågår', 'Throughput is not tested while a consultation is running'))
    }
    const outcome = await this.measureThroughput()
    if (!this.stopped && this.cycles > 0) await this.publish()
    if (this.hubRefused) throw new DeviceCommandError(networkReasons.hubRefused())
    return outcome
  }

  // --- the message ------------------------------------------------------------------------------

  private async publish (bandwidth: BandwidthPoint | null = null): Promise<NetworkMessage> {
    const gateway = this.gateway!
    const now = gateway.clock.now()
    const probe = this.config.probe
    const paths: Array<{ path: Path, stats: PathStats }> = this.paths.map((path) => ({ path, stats: pathStats(path.samples, { now, rttWindowMs: probe.rttWindowMs, lossWindowMs: probe.lossWindowMs }) }))
    const hubUnanswered = this.hub !== null && !(this.hub.probe instanceof EchoProbe && this.hub.probe.everAnswered)
    // A hub echo that never answered is a missing service (or blocked UDP), not a link losing 100 %.
    const counting = paths.filter(({ path }) => path.counts && !(path === this.hub && hubUnanswered))
    const worst = (pick: (s: PathStats) => number | null): number | null => {
      const values = counting.map(({ stats }) => pick(stats)).filter((v): v is number => v !== null)
      return values.length === 0 ? null : Math.max(...values)
    }
    const load = await this.interfaceLoad(now)
    const message: NetworkMessage = {
      rttMs: round(worst((s) => s.rttMs)),
      jitterMs: round(worst((s) => s.jitterMs)),
      lossPct: round(worst((s) => s.lossPct)),
      upMbps: round(this.published.up),
      downMbps: round(this.published.down),
      ifaceUtilPct: load.utilPct,
      paths: paths.map(({ path, stats }) => pathFigures(path, stats)),
      throughputTs: this.published.at,
      throughputSource: this.published.source,
      iface: this.iface,
      ifaceRxMbps: round(load.rxMbps),
      ifaceTxMbps: round(load.txMbps),
      ts: now
    }
    this.last = message
    this.addTrendPoints(message, bandwidth)
    this.reasons = this.currentReasons(now, hubUnanswered)
    gateway.setNetwork(message)
    return message
  }

  private async interfaceLoad (now: number): Promise<{ utilPct: number | null, rxMbps: number | null, txMbps: number | null }> {
    const none = { utilPct: null, rxMbps: null, txMbps: null }
    if (this.iface === null) return none
    const counters = await readInterfaceCounters(this.iface)
    for (const path of this.paths) {
      this.ownBytes.tx += path.probe?.bytesSent ?? 0
      this.ownBytes.rx += path.probe?.bytesReceived ?? 0
      if (path.probe !== null) { path.probe.bytesSent = 0; path.probe.bytesReceived = 0 }
    }
    const before = this.counters
    this.counters = counters === null ? null : { at: now, counters, ownTx: this.ownBytes.tx, ownRx: this.ownBytes.rx }
    if (before === null || counters === null) return none
    const ms = now - before.at
    const rate = counterRate(before.counters, counters, ms)
    if (rate === null) return none
    const own = { txMbps: ((this.ownBytes.tx - before.ownTx) * 8) / (ms * 1000), rxMbps: ((this.ownBytes.rx - before.ownRx) * 8) / (ms * 1000) }
    let capacity = { upMbps: this.published.up, downMbps: this.published.down }
    if (capacity.upMbps === null && capacity.downMbps === null) {
      const speed = await readLinkSpeedMbps(this.iface)
      capacity = { upMbps: speed, downMbps: speed }
    }
    const room = { rxMbps: Math.max(0, rate.rxMbps - own.rxMbps), txMbps: Math.max(0, rate.txMbps - own.txMbps) }
    return { utilPct: utilisationPct(rate, capacity, own), rxMbps: room.rxMbps, txMbps: room.txMbps }
  }

  // --- trends -----------------------------------------------------------------------------------

  private addTrendPoints (m: NetworkMessage, bandwidth: BandwidthPoint | null): void {
    const keepMs = this.config.trend.windowMinutes * 60_000
    const add = (metric: TrendMetric, value: number | null | undefined): void => {
      if (value === null || value === undefined || !Number.isFinite(value)) return
      this.trendPoints[metric] = pruneSamples([...this.trendPoints[metric], { at: m.ts, value }], m.ts, keepMs)
    }
    add('rtt', m.rttMs)
    add('jitter', m.jitterMs)
    add('loss', m.lossPct)
    // Published between cycles (a test on demand): no new bandwidth point, the test is in the next cycle's.
    if (bandwidth !== null) {
      add('bandwidth-up', bandwidth.up)
      add('bandwidth-down', bandwidth.down)
    }
  }

  /** Amber reasons for figures heading for the profile's thresholds within the horizon. */
  private currentReasons (now: number, hubUnanswered: boolean): Reason[] {
    const gateway = this.gateway!
    const out: Reason[] = []
    if (hubUnanswered && this.hub !== null && this.cycles >= 2 && gateway.uplinkConnected) {
      out.push(networkReasons.probeUnanswered(this.hub.address.host, this.hub.address.port))
    }
    if (this.hubRefused) out.push(networkReasons.hubRefused())
    const limits = sessionView(gateway.config, gateway.schedule, now).profile?.network
    if (limits === undefined) return out
    const horizonMs = this.config.trend.horizonMinutes * 60_000
    const thresholds: Record<TrendMetric, { threshold: number, direction: 'rising' | 'falling' }> = {
      rtt: { threshold: limits.maxRttMs, direction: 'rising' },
      jitter: { threshold: limits.maxJitterMs, direction: 'rising' },
      loss: { threshold: limits.maxLossPct, direction: 'rising' },
      'bandwidth-up': { threshold: limits.minUpMbps, direction: 'falling' },
      'bandwidth-down': { threshold: limits.minDownMbps, direction: 'falling' }
    }
    for (const metric of TREND_METRICS) {
      const { threshold, direction } = thresholds[metric]
      if (direction === 'falling' && threshold <= 0) continue
      const answer = timeToThreshold({ points: this.trendPoints[metric], now, threshold, direction, windowMs: this.config.trend.windowMinutes * 60_000 })
      const ms = answer?.msToThreshold ?? null
      if (ms !== null && ms > 0 && ms <= horizonMs) out.push(networkReasons.trend(metric, ms))
    }
    return out
  }
}

function pathFigures (path: Path, s: PathStats): NetworkPath {
  const mapped = path.probe instanceof StunProbe ? path.probe.mapped : null
  return {
    name: path.name,
    kind: path.kind,
    rttMs: round(s.rttMs),
    jitterMs: round(s.jitterMs),
    ...(s.jitterUpMs !== null ? { jitterUpMs: round(s.jitterUpMs) } : {}),
    ...(s.jitterDownMs !== null ? { jitterDownMs: round(s.jitterDownMs) } : {}),
    lossPct: round(s.lossPct),
    ...(mapped !== null ? { mappedAddress: `${mapped.address}:${mapped.port}` } : {})
  }
}

function round (value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value * 100) / 100
}
