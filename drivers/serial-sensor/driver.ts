// SerialSensorDriver: reads a serial sensor's lines (from a tty or a TCP serial device server),
// turns them into readings with the configured protocol's parser, and keeps its health honest:
// reported every second (and at once on a change), down when the port is gone or silent for 3×
// the device's interval, degraded when the sensor is off the patient or the values cannot be
// trusted, reopening a lost port with backoff. Garbage is counted, never fatal.
import { existsSync } from 'node:fs'
import type { DeviceInfo } from '../../protocol/messages.js'
import type { Driver, DriverContext, DriverReading, MetricValue } from '../contract.js'
import { resolveConfig, type ResolvedSerialSensorConfig, type SerialSensorDeviceConfig } from './config.js'
import { assessHealth, type LinkView } from './health.js'
import type { LineLink, LineLinkHandlers } from './line-link.js'
import { garbage, type LineParser, type LineResult, type SensorReading } from './line-result.js'
import { LinkOpenError } from './link-errors.js'
import { PROTOCOLS } from './protocols.js'
import * as reasons from './reasons.js'
import { ReconnectBackoff } from './reconnect-backoff.js'
import { TcpLineLink } from './tcp-link.js'
import { TtyLineLink } from './tty-link.js'

/** A Masimo line is about 130 bytes; anything this long is noise or a stuck stream, not a reading. */
export const MAX_LINE_BYTES = 1024
/** While a tty is missing, look for it this often, so a replugged device is back in well under 3 s. */
const PRESENCE_POLL_MS = 250
const GARBAGE_LOGS_PER_MINUTE = 5

export class SerialSensorDriver implements Driver {
  private readonly config: ResolvedSerialSensorConfig
  private readonly parse: LineParser
  private readonly silenceMs: number
  private readonly backoff = new ReconnectBackoff(250, 5000)
  private ctx: DriverContext | null = null
  private stopped = false

  private link: LineLink | null = null
  private linkView: LinkView = { state: 'opening', problem: null, openedAt: null }
  /** Silence counts from here: the last open, or an earlier one when a TCP link was reopened for silence. */
  private quietSince: number | null = null
  private recycledForSilence = false
  private linkOpenedAt = 0

  // Since the current open, for health:
  private firstLineAt: number | null = null
  private lastLineAt: number | null = null
  private lastReadingAt: number | null = null
  private lastReading: SensorReading | null = null
  // Over the driver's life, for metrics:
  private everLineAt: number | null = null
  private everReadingAt: number | null = null
  private lastGarbageWhy: string | null = null
  private info: DeviceInfo | undefined
  private readonly counts = { lines: 0, readings: 0, garbageLines: 0, overlongLines: 0, ignoredLines: 0, opens: 0, openFailures: 0, disconnects: 0, silentReconnects: 0 }

  private lastReported: string | null = null
  private tickTimer: NodeJS.Timeout | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private presenceTimer: NodeJS.Timeout | null = null
  private reconnectAt: number | null = null
  /** A link being closed outside stop() (a silent TCP connection); stop() waits for it. */
  private closingLink: Promise<void> | null = null
  private garbageLogWindow = { start: 0, logged: 0 }

  constructor (config: SerialSensorDeviceConfig) {
    this.config = resolveConfig(config)
    this.parse = PROTOCOLS[this.config.protocol].parser(this.config.fieldMap)
    this.silenceMs = 3 * this.config.expectedIntervalMs
  }

  async start (ctx: DriverContext<any>): Promise<void> {
    this.ctx = ctx
    this.stopped = false
    this.tickTimer = setInterval(() => this.tick(), Math.min(1000, this.config.expectedIntervalMs))
    this.tickTimer.unref()
    this.report(true)
    void this.connect()
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.tickTimer !== null) clearInterval(this.tickTimer)
    this.tickTimer = null
    this.clearReconnect()
    const link = this.link
    this.link = null
    await link?.close()
    await this.closingLink
  }

  private get device (): reasons.DeviceNaming {
    return { id: this.config.id, name: this.config.name }
  }

  private now (): number {
    return this.ctx?.clock.now() ?? Date.now()
  }

  private createLink (): LineLink {
    let link: LineLink | null = null
    const handlers: LineLinkHandlers = {
      line: (line) => { if (link !== null && this.link === link) this.onLine(line) },
      lost: (detail) => { if (link !== null) this.onLost(link, detail) }
    }
    const { config } = this
    link = config.transport === 'tcp'
      ? new TcpLineLink({ url: config.path, maxLineBytes: MAX_LINE_BYTES }, handlers)
      : new TtyLineLink({ path: config.path, baudRate: config.baudRate, dataBits: config.dataBits, parity: config.parity, stopBits: config.stopBits, maxLineBytes: MAX_LINE_BYTES }, handlers)
    return link
  }

  private async connect (): Promise<void> {
    this.clearReconnect()
    if (this.stopped) return
    const link = this.createLink()
    this.link = link
    this.linkView = { state: 'opening', problem: this.linkView.problem, openedAt: null }
    try {
      await link.open()
    } catch (err) {
      if (this.link !== link) return
      this.link = null
      this.onOpenFailed(err)
      return
    }
    if (this.stopped || this.link !== link) {
      await link.close()
      return
    }
    const now = this.now()
    this.counts.opens++
    this.linkView = { state: 'open', problem: null, openedAt: now }
    this.linkOpenedAt = now
    if (!this.recycledForSilence || this.quietSince === null) this.quietSince = now
    this.recycledForSilence = false
    this.firstLineAt = null
    this.lastLineAt = null
    this.lastReadingAt = null
    this.lastReading = null
    this.ctx?.log.info({ device: this.config.id, target: link.target }, 'serial sensor port open')
    this.report()
  }

  private onOpenFailed (err: unknown): void {
    this.counts.openFailures++
    const failure = err instanceof LinkOpenError
      ? err.failure
      : { cause: 'other' as const, message: `failed to open ${this.config.path}: ${err instanceof Error ? err.message : String(err)}` }
    const problem = reasons.openFailed(this.device, failure)
    // The first failure of a run is worth a warning; the retries that follow are not.
    if (this.linkView.problem?.message.en !== problem.message.en) this.ctx?.log.warn({ device: this.config.id, err: failure.message }, 'serial sensor port failed to open')
    this.linkView = { state: 'closed', problem, openedAt: null }
    this.scheduleReconnect()
    this.report()
  }

  private onLost (link: LineLink, detail: string): void {
    if (this.stopped || this.link !== link) return
    this.link = null
    this.counts.disconnects++
    this.recycledForSilence = false
    this.linkView = { state: 'closed', problem: reasons.disconnected(this.device, link.target, detail), openedAt: null }
    this.ctx?.log.warn({ device: this.config.id, target: link.target, detail }, 'serial sensor link lost')
    this.scheduleReconnect()
    this.report()
  }

  private scheduleReconnect (): void {
    if (this.stopped) return
    this.clearReconnect()
    const delay = this.backoff.next()
    this.reconnectAt = this.now() + delay
    this.reconnectTimer = setTimeout(() => { void this.connect() }, delay)
    this.reconnectTimer.unref()
    if (this.config.transport === 'tty') this.watchForTty()
  }

  /** A tty that disappeared (USB unplugged, pty gone) is retried the moment its path is back. */
  private watchForTty (): void {
    let present = existsSync(this.config.path)
    this.presenceTimer = setInterval(() => {
      const now = existsSync(this.config.path)
      if (now && !present) void this.connect()
      present = now
    }, PRESENCE_POLL_MS)
    this.presenceTimer.unref()
  }

  private clearReconnect (): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer)
    if (this.presenceTimer !== null) clearInterval(this.presenceTimer)
    this.reconnectTimer = null
    this.presenceTimer = null
    this.reconnectAt = null
  }

  private onLine (line: string): void {
    const now = this.now()
    this.counts.lines++
    this.firstLineAt ??= now
    this.lastLineAt = now
    this.everLineAt = now
    if (line.length >= MAX_LINE_BYTES) {
      this.counts.overlongLines++
      this.lastGarbageWhy = `a line of ${MAX_LINE_BYTES} bytes or more, dropped`
      this.report()
      return
    }
    let result: LineResult
    try {
      result = this.parse(line)
    } catch (err) {
      // A parser bug must not take the driver down with it; the line counts as garbage.
      result = garbage(`parser error: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (result.kind === 'reading') this.onReading(result.reading, now)
    else if (result.kind === 'garbage') this.onGarbage(line, result.why, now)
    else this.counts.ignoredLines++
    this.report()
  }

  private onReading (reading: SensorReading, now: number): void {
    this.counts.readings++
    this.lastReading = reading
    this.lastReadingAt = now
    this.everReadingAt = now
    this.backoff.reset()
    if (reading.info !== undefined) this.info = { ...this.info, ...reading.info }
    const out: DriverReading = { ts: now, values: reading.values, units: reading.units }
    if (reading.invalid.length > 0) out.invalid = reading.invalid
    if (reading.conditions.length > 0) out.conditions = reading.conditions
    this.ctx?.emit.reading(out)
  }

  private onGarbage (line: string, why: string, now: number): void {
    this.counts.garbageLines++
    this.lastGarbageWhy = why
    const window = this.garbageLogWindow
    if (now - window.start >= 60_000) this.garbageLogWindow = { start: now, logged: 0 }
    if (this.garbageLogWindow.logged++ < GARBAGE_LOGS_PER_MINUTE) {
      this.ctx?.log.debug({ device: this.config.id, why, line: JSON.stringify(line.slice(0, 120)) }, 'serial sensor sent a line that is not a reading')
    }
  }

  private tick (): void {
    if (this.stopped) return
    const now = this.now()
    const link = this.link
    // A TCP connection can die without a word (NAT timeout, device server rebooted); a silent one is
    // recycled. A silent tty stays open: the port is fine, the device behind it is quiet.
    const quietFor = this.quietSince === null ? 0 : now - (this.lastLineAt ?? this.quietSince)
    const fresh = now - this.linkOpenedAt <= this.silenceMs
    if (this.config.transport === 'tcp' && link !== null && this.linkView.state === 'open' && quietFor > this.silenceMs && !fresh) {
      this.link = null
      this.recycledForSilence = true
      // Silence keeps counting across the reopen: the health stays down "no data", not "connecting".
      this.quietSince = this.lastLineAt ?? this.quietSince
      this.linkView = { state: 'closed', problem: reasons.silent(this.device, quietFor), openedAt: null }
      this.counts.silentReconnects++
      this.ctx?.log.debug({ device: this.config.id, target: link.target }, 'serial device server silent, reconnecting')
      this.closingLink = link.close().then(() => {
        this.closingLink = null
        this.scheduleReconnect()
      })
    }
    this.report(true)
  }

  private report (force = false): void {
    if (this.stopped || this.ctx === null) return
    const now = this.now()
    const link = { ...this.linkView, openedAt: this.linkView.state === 'open' ? this.quietSince : null }
    const { state, reason } = assessHealth({
      now,
      link,
      firstLineAt: this.firstLineAt,
      lastLineAt: this.lastLineAt,
      lastReadingAt: this.lastReadingAt,
      lastReading: this.lastReading,
      lastGarbageWhy: this.lastGarbageWhy,
      silenceMs: this.silenceMs
    }, this.device, this.config.path, this.config.protocol)
    const key = `${state}|${reason?.code ?? ''}`
    if (!force && key === this.lastReported) return
    if (key !== this.lastReported) this.ctx.log.info({ device: this.config.id, state, reason: reason?.code }, 'serial sensor health')
    this.lastReported = key
    this.ctx.emit.health({ state, reason, metrics: this.metrics(now), ...(this.info !== undefined ? { info: this.info } : {}) })
  }

  private metrics (now: number): Record<string, MetricValue> {
    const age = (at: number | null): number | null => at === null ? null : Math.max(0, now - at)
    return {
      transport: this.config.transport,
      protocol: this.config.protocol,
      portOpen: this.linkView.state === 'open',
      ...this.counts,
      lastLineAgeMs: age(this.everLineAt),
      lastReadingAgeMs: age(this.everReadingAt),
      reconnectInMs: this.reconnectAt === null ? null : Math.max(0, this.reconnectAt - now),
      lastGarbage: this.lastGarbageWhy,
      deviceTime: this.lastReading?.deviceTime ?? null,
      deviceFlags: this.lastReading?.flags ?? null
    }
  }
}
