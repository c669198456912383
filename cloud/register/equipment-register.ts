// The equipment register of every room: what drivers report about each device (kept as reported),
// what the config and IT say about it (owner, maintainer, support, service hours, response time,
// purchase, calibration), and the questions the hub asks of it — who answers for an incident, whom
// staff call about what, what is due for calibration. Persisted in `<dataDir>/register.json`
// (register-file.ts); every edit is written to the audit log before it takes effect, every serial
// number or firmware change is recorded (and audited) as it is seen.
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { SupportMessage } from '../../protocol/messages.js'
import type { AuditInput } from '../audit/audit-log.js'
import type { DeviceState, RoomState } from '../fleet-state.js'
import type { Incident } from '../incidents/incident.js'
import { dayOf, type CalibrationSubject } from './calibration.js'
import type { EntryConfig, EntryField, Party, RoomRegisterConfig } from './config.js'
import { describeEntryProblems } from './config.js'
import {
  applyEdits, effectiveEntry, emptyEntry, entryKey, itemOfDevice, observe, type ChangeRecord, type ItemKind, type RegisterEntry,
  type StoredEntry
} from './entry.js'
import { PartyBook } from './parties.js'
import { RegisterFile } from './register-file.js'
import { failingThings, responsibilityOf, thingOfReason, type Responsibility, type Thing } from './responsibility.js'

/** The part of the AuditLog the register uses. */
export interface RegisterAudit {
  record: (input: AuditInput) => unknown
  write: (input: AuditInput) => Promise<unknown>
}

export interface EquipmentRegisterOptions {
  parties: readonly Party[]
  /** The party of rooms that name none. */
  defaultSupport?: string
  gateways: ReadonlyArray<{ room: string, name: string, register?: RoomRegisterConfig }>
  /** register.json lives here; without it the register is in memory only. */
  dataDir?: string
  fsync?: boolean
  log: Pick<Logger, 'info' | 'warn' | 'error'>
  clock?: () => number
  /** Read when needed: the audit log may be built after the register. */
  audit?: () => RegisterAudit | undefined
  /** Readiness codes that never make an incident (for finding what a readiness incident is about). */
  ignoreCodes?: readonly string[]
  /** The hub's time zone (alerts.timezone), for what "today" is (default Europe/Oslo). */
  timezone?: string
}

/** How long reported changes wait to be written together (see persist()). */
const REPORTED_WRITE_DELAY_MS = 1000

export class RegisterError extends Error {
  constructor (readonly code: 'not_found' | 'bad_request' | 'unavailable', message: string) {
    super(message)
    this.name = 'RegisterError'
  }
}

/** Devices per room the register accepts from edits (reports are bounded by the fleet already). */
const MAX_ENTRIES_PER_ROOM = 250

export class EquipmentRegister {
  readonly parties: PartyBook
  private readonly stored = new Map<string, StoredEntry>()
  /** room → ids of its device entries in `stored`: list() runs for every room on every evaluation. */
  private readonly deviceIds = new Map<string, Set<string>>()
  private readonly rooms = new Map<string, { name: string, register: RoomRegisterConfig }>()
  private readonly file: RegisterFile | undefined
  private readonly clock: () => number
  private readonly ignoreCodes: ReadonlySet<string>
  /** The edit in progress per entry key: edits of one entry run one after the other. */
  private readonly editing = new Map<string, Promise<unknown>>()
  private persistTimer: NodeJS.Timeout | null = null

  constructor (private readonly options: EquipmentRegisterOptions) {
    this.parties = new PartyBook(options.parties)
    this.clock = options.clock ?? Date.now
    this.ignoreCodes = new Set(options.ignoreCodes ?? ['uplink.down', 'readiness.settling'])
    for (const g of options.gateways) this.rooms.set(g.room, { name: g.name, register: g.register ?? {} })
    this.file = options.dataDir !== undefined ? new RegisterFile(join(options.dataDir, 'register.json'), { fsync: options.fsync }) : undefined
  }

  /** Reads register.json (entries of rooms no longer configured are kept, not shown). */
  load (): void {
    if (this.file === undefined) return
    for (const e of this.file.load()) this.store(e)
    this.options.log.info({ entries: this.stored.size, path: this.file.path }, 'equipment register loaded')
  }

  hasRoom (room: string): boolean {
    return this.rooms.has(room)
  }

  /** Takes in a device's current health (kind, name, info) from the fleet. */
  observeDevice (room: string, device: DeviceState): void {
    if (!this.rooms.has(room)) return
    const item = itemOfDevice(device.kind)
    const entry = this.storedOrNew(room, item, device.id)
    const result = observe(entry, device.id, { kind: device.kind, name: device.name, info: device.info }, this.clock())
    for (const change of result.changes) this.recordChange(entry, change)
    if (result.changed) this.persist()
  }

  /** Every item of `room` (or of every room), devices by id, then the network and the box. */
  list (room?: string): RegisterEntry[] {
    const out: RegisterEntry[] = []
    for (const r of room !== undefined ? [room] : [...this.rooms.keys()]) {
      const cfg = this.rooms.get(r)
      if (cfg === undefined) continue
      const ids = new Set<string>(Object.keys(cfg.register.devices ?? {}))
      for (const id of this.deviceIds.get(r) ?? []) ids.add(id)
      for (const id of [...ids].sort()) out.push(this.entry(r, 'device', id))
      out.push(this.entry(r, 'network', 'network'), this.entry(r, 'box', 'box'))
    }
    return out
  }

  entry (room: string, item: ItemKind, id: string): RegisterEntry {
    const cfg = this.rooms.get(room)
    if (cfg === undefined) throw new RegisterError('not_found', `room "${room}" is not configured at this hub`)
    const stored = this.stored.get(entryKey(room, item, id)) ?? emptyEntry(room, item, id)
    return effectiveEntry(stored, this.seedOf(room, item, id), cfg.name)
  }

  /**
   * Edits one item for `user`. Unknown party ids, bad dates, a calibration after today or bad service
   * hours → bad_request. The edit is in the audit log before it takes effect; when it cannot be
   * audited it is refused (unavailable). Edits of one item wait for each other, so that two at once
   * both take effect (each sees the other's result) and the audit's before/after are true.
   */
  async edit (room: string, item: ItemKind, id: string, patch: Record<string, unknown>, user: { name: string, role: string }): Promise<RegisterEntry> {
    if (!this.rooms.has(room)) throw new RegisterError('not_found', `room "${room}" is not configured at this hub`)
    const today = dayOf(this.clock(), this.options.timezone ?? 'Europe/Oslo')
    const problems = describeEntryProblems(patch as Partial<Record<EntryField, unknown>>, (p) => this.parties.has(p), today)
    if (problems.length > 0) throw new RegisterError('bad_request', problems.map((p) => `${p.field}: ${p.message}`).join('; '))
    const key = entryKey(room, item, id)
    const previous = this.editing.get(key) ?? Promise.resolve()
    const run = previous.then(async () => await this.editNow(room, item, id, patch, user))
    const settled = run.catch(() => {})
    this.editing.set(key, settled)
    void settled.then(() => { if (this.editing.get(key) === settled) this.editing.delete(key) })
    return await run
  }

  private async editNow (room: string, item: ItemKind, id: string, patch: Record<string, unknown>, user: { name: string, role: string }): Promise<RegisterEntry> {
    const key = entryKey(room, item, id)
    if (!this.stored.has(key) && item === 'device' && this.list(room).filter((e) => e.item === 'device').length >= MAX_ENTRIES_PER_ROOM) {
      throw new RegisterError('bad_request', `room "${room}" already has ${MAX_ENTRIES_PER_ROOM} devices in the register`)
    }
    const before = this.entry(room, item, id)
    const draft = structuredClone(this.stored.get(key) ?? emptyEntry(room, item, id))
    const fields = applyEdits(draft, patch)
    if (fields.length === 0) return before
    const after = effectiveEntry(draft, this.seedOf(room, item, id), before.roomName)
    const audit = this.options.audit?.()
    try {
      await audit?.write({
        actor: user.name,
        role: user.role,
        action: 'register.edit',
        room,
        ...(item === 'device' ? { device: id } : {}),
        detail: { item, id, fields, before: pickFields(before, fields), after: pickFields(after, fields) },
        result: 'ok'
      })
    } catch (err) {
      throw new RegisterError('unavailable', `the edit could not be written to the audit log, so it was not made: ${(err as Error).message}`)
    }
    // Onto the entry as it is now: a driver's report may have come in during the audit write.
    const current = structuredClone(this.stored.get(key) ?? emptyEntry(room, item, id))
    applyEdits(current, patch)
    this.store(current)
    await this.persistNow()
    return effectiveEntry(current, this.seedOf(room, item, id), before.roomName)
  }

  /** Who answers for an incident (the first failing thing's maintainer). */
  responsibility (incident: Pick<Incident, 'room' | 'cause' | 'device'>, state: RoomState | undefined): Responsibility[] {
    const things = failingThings(incident, state, { ignoreCodes: this.ignoreCodes, isBoxDevice: (d) => this.isBoxDevice(incident.room, d, state) })
    return things.map((thing) => this.responsibilityOfThing(incident.room, thing))
  }

  responsibilityOfThing (room: string, thing: Thing): Responsibility {
    const entry = thing.item === 'room' ? null : this.entry(room, thing.item, thing.item === 'device' ? thing.device : thing.item)
    return responsibilityOf(thing, entry, this.roomSupport(room), this.parties)
  }

  /** Whom staff call about each thing in the room (what the `support` message carries). */
  contacts (room: string): SupportMessage['contacts'] {
    const devices: Record<string, NonNullable<SupportMessage['contacts']['room']>> = {}
    const box = this.responsibilityOfThing(room, { item: 'box' }).contact
    for (const e of this.list(room)) {
      if (e.item !== 'device') continue
      const contact = this.responsibilityOfThing(room, { item: 'device', device: e.id }).contact
      if (contact !== null) devices[e.id] = contact
    }
    // the host device reports into the box entry; the light knows it by its device id
    const host = this.stored.get(entryKey(room, 'box', 'box'))?.device
    if (host != null && box !== null) devices[host] = box
    return {
      room: this.responsibilityOfThing(room, { item: 'room' }).contact,
      network: this.responsibilityOfThing(room, { item: 'network' }).contact,
      box,
      devices
    }
  }

  /** The room's default party id (its own, else the hub's default). */
  roomSupport (room: string): string | null {
    return this.rooms.get(room)?.register.support ?? this.options.defaultSupport ?? null
  }

  /** The thing a readiness reason is about, in this room. */
  thingOfReason (room: string, reason: { code: string, device?: string }): Thing {
    return thingOfReason(reason, (d) => this.isBoxDevice(room, d, undefined) ? { item: 'box' } : { item: 'device', device: d })
  }

  /** The devices of `room` with a calibration interval, as the calibration rules need them. */
  calibrationSubjects (room: string): CalibrationSubject[] {
    const out: CalibrationSubject[] = []
    for (const e of this.list(room)) {
      if (e.item !== 'device' || e.calibration === null) continue
      const party = this.parties.get(e.maintainer ?? this.roomSupport(room))
      out.push({ device: e.id, name: e.name, calibration: e.calibration, maintainer: party?.name ?? null })
    }
    return out
  }

  /** Writes what is pending (lastSeen included). */
  async flush (): Promise<void> {
    await this.persistNow()
  }

  private isBoxDevice (room: string, device: string, state: RoomState | undefined): boolean {
    const kind = state?.devices[device]?.kind ?? this.stored.get(entryKey(room, 'device', device))?.reported.kind
    return itemOfDevice(kind) === 'box' || this.stored.get(entryKey(room, 'box', 'box'))?.device === device
  }

  private seedOf (room: string, item: ItemKind, id: string): EntryConfig | undefined {
    const r = this.rooms.get(room)?.register
    if (r === undefined) return undefined
    return item === 'device' ? r.devices?.[id] : r[item]
  }

  private storedOrNew (room: string, item: ItemKind, id: string): StoredEntry {
    const key = entryKey(room, item, id)
    let e = this.stored.get(key)
    if (e === undefined) {
      e = emptyEntry(room, item, id)
      this.store(e)
    }
    return e
  }

  private store (e: StoredEntry): void {
    this.stored.set(entryKey(e.room, e.item, e.id), e)
    if (e.item !== 'device') return
    let ids = this.deviceIds.get(e.room)
    if (ids === undefined) this.deviceIds.set(e.room, ids = new Set())
    ids.add(e.id)
  }

  private recordChange (entry: StoredEntry, change: ChangeRecord): void {
    const what = { room: entry.room, item: entry.item, id: entry.id, field: change.field, from: change.from, to: change.to, expected: change.expected }
    if (change.expected) this.options.log.info(what, 'a device reported the new value IT announced')
    else this.options.log.warn(what, `a device's ${change.field === 'serial' ? 'serial number' : 'firmware'} changed unexpectedly`)
    try {
      this.options.audit?.()?.record({
        actor: 'hub',
        role: 'system',
        action: `register.${change.field}-changed`,
        room: entry.room,
        ...(entry.device !== null ? { device: entry.device } : {}),
        detail: { item: entry.item, id: entry.id, from: change.from, to: change.to },
        result: change.expected ? 'expected' : 'unexpected'
      })
    } catch (err) {
      this.options.log.error({ err }, 'could not audit a register change')
    }
  }

  /**
   * What gateways report is written at most once a second: a fleet logging in to a new hub reports
   * thousands of devices within seconds, and a write per device (the whole file, fsynced, on the
   * event loop) kept gateways from getting their CONNACK in time. People's edits are written at once.
   */
  private persist (): void {
    if (this.persistTimer !== null) return
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null
      this.persistNow().catch((err: unknown) => this.options.log.error({ err }, 'could not write the equipment register'))
    }, REPORTED_WRITE_DELAY_MS)
    this.persistTimer.unref() // flush() at stop writes what is left
  }

  private async persistNow (): Promise<void> {
    if (this.persistTimer !== null) { clearTimeout(this.persistTimer); this.persistTimer = null }
    await this.file?.save(() => ({ version: 1, entries: [...this.stored.values()] }))
  }
}

function pickFields (e: RegisterEntry, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) out[f] = f === 'support' ? redactSupport(e.support) : (e as unknown as Record<string, unknown>)[f] ?? null
  return out
}

/** A support override with its webhook shown by host only: webhook URLs often carry their secret. */
export function redactSupport (s: RegisterEntry['support']): Record<string, string> | null {
  if (s === null) return null
  const { webhook, ...rest } = s
  return { ...rest, ...(webhook !== undefined ? { webhook: urlHost(webhook) } : {}) }
}

function urlHost (url: string): string {
  try { return new URL(url).host } catch { return '(unreadable URL)' }
}
