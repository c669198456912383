// What the hub holds of each consultation for the FHIR export. Consultations are learnt from what
// the hub already sees: a room's retained `schedule` (published by the hub) and the `session` its
// gateway's readiness names (a room running on its own config schedule). A consultation's window is
// [start − beforeMinutes, start + minutes + afterMinutes]: staff attach the oximeter a little early,
// and consultations overrun.
//
// With `holdReadings` (the deployment does not keep clinical readings: store.clinical false), the
// live readings that fall in a window — by the reading's own time, so readings replayed from a
// gateway's spool after an outage land in the right consultation — are held here in memory, only
// the values the export understands (vital-signs.ts), at most `maxSamples` per consultation (when
// full, every second sample is dropped: the whole consultation stays covered at half the
// resolution), and dropped `keepMinutes` after the window ends. After that the export answers 410.
// This is the "what the hub holds for that consultation" of the issue: nothing is written to disk,
// and a hub restart forgets it.
//
// Without `holdReadings` (store.clinical true) only the consultations' times are kept — for
// `metadataKeepDays` after they end — and the export reads the readings from the telemetry store.
// The store keeps numbers without units, so in both modes the unit each device gave each name
// during the consultation is noted (units are not patient data): a value whose device spoke
// another unit than the export understands (°F, kPa …) is left out rather than mislabelled.
import type { Consultation, ReadingsMessage } from '../../protocol/messages.js'
import type { FleetState } from '../fleet-state.js'
import type { Ingest } from '../ingest.js'
import { vitalSampleOf, type VitalSample } from './vital-signs-bundle.js'
import { isReadingName, type ReadingName } from './vital-signs.js'

export interface ConsultationReadingsOptions {
  ingest: Pick<Ingest, 'on'>
  fleet: Pick<FleetState, 'list'>
  /** Hold readings in memory (store.clinical false); otherwise only consultation times. */
  holdReadings: boolean
  clock?: () => number
  /** Minutes before the start and after the scheduled end that still count (defaults 10 and 30). */
  beforeMinutes?: number
  afterMinutes?: number
  /** Minutes after a window's end before its held readings are dropped (default 60). */
  keepMinutes?: number
  /** holdReadings false: days a consultation's times are remembered after it ends (default 30). */
  metadataKeepDays?: number
  /** Readings held per consultation (default 20000: 5½ hours at one a second). */
  maxSamples?: number
  /** Consultations remembered at once over every room (default 5000). */
  maxConsultations?: number
  /** How often expired consultations are dropped (default 30 s). */
  sweepMs?: number
}

export interface HeldConsultation {
  room: string
  consultation: Consultation
  windowStart: number
  windowEnd: number
  /** When the readings (or, without holdReadings, the record) are dropped. */
  expiresAt: number
  samples: VitalSample[]
  /** Samples thinned away because the consultation reached maxSamples. */
  thinned: number
  /** The unit each device last gave each name the export understands, during the consultation. */
  units: Record<string, Partial<Record<ReadingName, string>>>
}

export type ConsultationLookup =
  | { kind: 'held', held: HeldConsultation }
  | { kind: 'expired', droppedAt: number }
  | { kind: 'unknown' }

const MINUTE = 60_000

/** The window of readings that belong to a consultation. */
export function consultationWindow (c: Pick<Consultation, 'start' | 'minutes'>, beforeMinutes: number, afterMinutes: number): { start: number, end: number } {
  return { start: c.start - beforeMinutes * MINUTE, end: c.start + (c.minutes + afterMinutes) * MINUTE }
}

/**
 * The consultation a reading at `ts` belongs to: among those whose window holds `ts`, the one that
 * is scheduled to run at `ts`, else the one whose scheduled time is nearest (back-to-back
 * consultations have overlapping windows).
 */
export function consultationAt<T extends { consultation: Pick<Consultation, 'start' | 'minutes'>, windowStart: number, windowEnd: number }> (held: Iterable<T>, ts: number): T | undefined {
  let best: T | undefined
  let bestDistance = Infinity
  for (const h of held) {
    if (ts < h.windowStart || ts > h.windowEnd) continue
    const start = h.consultation.start
    const end = start + h.consultation.minutes * MINUTE
    const distance = ts < start ? start - ts : ts >= end ? ts - end + 1 : 0
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && start > best.consultation.start)) {
      best = h
      bestDistance = distance
    }
  }
  return best
}

export class ConsultationReadings {
  private readonly byRoom = new Map<string, Map<string, HeldConsultation>>()
  private readonly expired = new Map<string, number>()
  private readonly clock: () => number
  private readonly beforeMinutes: number
  private readonly afterMinutes: number
  private readonly keepMs: number
  private readonly metadataKeepMs: number
  private readonly maxSamples: number
  private readonly maxConsultations: number
  private readonly sweeper: NodeJS.Timeout
  private readonly offs: Array<() => void>
  private count = 0

  constructor (private readonly options: ConsultationReadingsOptions) {
    this.clock = options.clock ?? Date.now
    this.beforeMinutes = nonNegative('beforeMinutes', options.beforeMinutes ?? 10)
    this.afterMinutes = nonNegative('afterMinutes', options.afterMinutes ?? 30)
    this.keepMs = nonNegative('keepMinutes', options.keepMinutes ?? 60) * MINUTE
    this.metadataKeepMs = nonNegative('metadataKeepDays', options.metadataKeepDays ?? 30) * 24 * 60 * MINUTE
    this.maxSamples = atLeast('maxSamples', options.maxSamples ?? 20_000, 2)
    this.maxConsultations = atLeast('maxConsultations', options.maxConsultations ?? 5000, 1)
    const sweepMs = atLeast('sweepMs', options.sweepMs ?? 30_000, 10)
    for (const room of options.fleet.list()) this.learn(room.room, room.schedule ?? [], room.readiness?.session ?? null)
    this.offs = [
      options.ingest.on('room', ({ room, part, state }) => {
        if (part === 'schedule' || part === 'readiness') this.learn(room, state.schedule ?? [], state.readiness?.session ?? null)
      }),
      options.ingest.on('reading', ({ room, device, reading }) => this.onReading(room, device, reading))
    ]
    this.sweeper = setInterval(() => this.sweep(), sweepMs)
    this.sweeper.unref()
  }

  get holdsReadings (): boolean {
    return this.options.holdReadings
  }

  /** The consultation, if the hub knows it (and, with holdReadings, still holds its readings). */
  find (room: string, id: string): ConsultationLookup {
    this.sweep()
    const held = this.byRoom.get(room)?.get(id)
    if (held !== undefined) return { kind: 'held', held }
    const droppedAt = this.expired.get(key(room, id))
    return droppedAt !== undefined ? { kind: 'expired', droppedAt } : { kind: 'unknown' }
  }

  /** Consultations held now, over every room (for tests and metrics). */
  get size (): number {
    return this.count
  }

  private learn (room: string, schedule: readonly Consultation[], session: Consultation | null): void {
    for (const c of session !== null ? [...schedule, session] : schedule) this.remember(room, c)
  }

  private remember (room: string, c: Consultation): void {
    const { start, end } = consultationWindow(c, this.beforeMinutes, this.afterMinutes)
    const expiresAt = end + (this.options.holdReadings ? this.keepMs : this.metadataKeepMs)
    if (expiresAt <= this.clock() || this.expired.has(key(room, c.id))) return
    let consultations = this.byRoom.get(room)
    if (consultations === undefined) {
      consultations = new Map()
      this.byRoom.set(room, consultations)
    }
    const known = consultations.get(c.id)
    if (known !== undefined) {
      // Moved or lengthened: readings already held stay with it.
      known.consultation = { ...c }
      known.windowStart = start
      known.windowEnd = end
      known.expiresAt = expiresAt
      return
    }
    if (this.count >= this.maxConsultations) this.evictOne()
    consultations.set(c.id, { room, consultation: { ...c }, windowStart: start, windowEnd: end, expiresAt, samples: [], thinned: 0, units: Object.create(null) as HeldConsultation['units'] })
    this.count++
  }

  private onReading (room: string, device: string, reading: ReadingsMessage): void {
    const consultations = this.byRoom.get(room)
    if (consultations === undefined) return
    const held = consultationAt(consultations.values(), reading.ts)
    if (held === undefined) return
    for (const [name, unit] of Object.entries(reading.units)) {
      if (isReadingName(name)) (held.units[device] ??= {})[name] = unit
    }
    if (!this.options.holdReadings) return
    const sample = vitalSampleOf(device, reading)
    if (sample === null) return
    held.samples.push(sample)
    if (held.samples.length >= this.maxSamples) {
      held.thinned += Math.floor(held.samples.length / 2)
      held.samples = held.samples.filter((_, i) => i % 2 === 0)
    }
  }

  /** Drops what has expired; remembers for a while that it was dropped (410 rather than 404). */
  sweep (): void {
    const now = this.clock()
    for (const [room, consultations] of this.byRoom) {
      for (const [id, held] of consultations) {
        if (held.expiresAt > now) continue
        consultations.delete(id)
        this.count--
        this.forget(room, id, now)
      }
      if (consultations.size === 0) this.byRoom.delete(room)
    }
  }

  private forget (room: string, id: string, at: number): void {
    this.expired.set(key(room, id), at)
    if (this.expired.size > this.maxConsultations) {
      const oldest = this.expired.keys().next().value
      if (oldest !== undefined) this.expired.delete(oldest)
    }
  }

  /** Makes room: the consultation that expires first goes. */
  private evictOne (): void {
    let victim: HeldConsultation | undefined
    for (const consultations of this.byRoom.values()) {
      for (const held of consultations.values()) if (victim === undefined || held.expiresAt < victim.expiresAt) victim = held
    }
    if (victim === undefined) return
    this.byRoom.get(victim.room)?.delete(victim.consultation.id)
    this.count--
    this.forget(victim.room, victim.consultation.id, this.clock())
  }

  /** Stops listening and drops everything held. */
  close (): void {
    clearInterval(this.sweeper)
    for (const off of this.offs) off()
    this.byRoom.clear()
    this.expired.clear()
    this.count = 0
  }
}

function key (room: string, id: string): string {
  return `${room}\u0000${id}`
}

function nonNegative (what: string, n: number): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new TypeError(`${what} must be a number of at least 0, got ${String(n)}`)
  return n
}

function atLeast (what: string, n: number, min: number): number {
  if (!Number.isInteger(n) || n < min) throw new TypeError(`${what} must be a whole number of at least ${min}, got ${String(n)}`)
  return n
}
