// One item of the equipment register — a device, the room's network, or the gateway box — as the
// three sources describe it, and the view that merges them. Pure.
//   reported  what the gateway's driver read from the device (health `info`: vendor, model, serial,
//             firmware; its kind and name). Facts: never edited, only observed.
//   config    what the hub config says (gateways[].register): the baseline people agreed on.
//   edits     what IT changed through the API: overrides the config field by field (null removes
//             the override again, back to the config's value).
// A serial number or firmware that changes between two reports is recorded as a change, expected
// when IT announced it first (`expect`), else unexpected.
import type { DeviceInfo } from '../../protocol/messages.js'
import type { OpeningHoursSpec } from '../incidents/opening-hours.js'
import type { Calibration, EntryConfig, SupportOverride } from './config.js'

export type ItemKind = 'device' | 'network' | 'box'

/** The device kind whose driver watches the gateway box itself (drivers/host): it reports into the box entry. */
export const HOST_DEVICE_KIND = 'host'

export interface Reported extends DeviceInfo {
  /** The driver's kind, e.g. serial-sensor. */
  kind?: string
  /** The name staff know it by (the room config's `name`). */
  name?: string
}

export const WATCHED_FIELDS = ['serial', 'firmware'] as const
export type WatchedField = typeof WATCHED_FIELDS[number]

export interface ChangeRecord {
  at: number
  field: WatchedField
  from: string
  to: string
  /** IT announced this value beforehand (PATCH … { expect }). */
  expected: boolean
}

/** An edit's calibration may give only the last date: the interval stays the config's. */
export type CalibrationEdit = Partial<Calibration>

/** Fields IT may override; null in a PATCH removes the override. */
export type Edits = Partial<Omit<EntryConfig, 'calibration'> & { calibration: CalibrationEdit }>

/** What register.json keeps of one item. */
export interface StoredEntry {
  room: string
  item: ItemKind
  /** The device id; 'network' or 'box' for those. */
  id: string
  /** The device reporting into this entry (the device itself; for the box, its host device). */
  device: string | null
  reported: Reported
  edits: Edits
  expect: Partial<Record<WatchedField, string>>
  firstSeen: number | null
  lastSeen: number | null
  /** Newest last; at most MAX_CHANGES. */
  changes: ChangeRecord[]
}

export const MAX_CHANGES = 50

export function entryKey (room: string, item: ItemKind, id: string): string {
  return item === 'device' ? `${room}/devices/${id}` : `${room}/${item}`
}

export function emptyEntry (room: string, item: ItemKind, id: string): StoredEntry {
  return { room, item, id: item === 'device' ? id : item, device: null, reported: {}, edits: {}, expect: {}, firstSeen: null, lastSeen: null, changes: [] }
}

/** Where a device's reports go: its own entry, or the box's for the host device. */
export function itemOfDevice (deviceKind: string | null | undefined): ItemKind {
  return deviceKind === HOST_DEVICE_KIND ? 'box' : 'device'
}

export interface Observation {
  kind: string | null
  name: string | null
  info: DeviceInfo | null
}

export interface ObserveResult {
  /** Something worth writing to disk changed (not only lastSeen). */
  changed: boolean
  /** Serial number or firmware changes, in the order found. */
  changes: ChangeRecord[]
}

/**
 * Takes in what a driver reports. A field the driver leaves out keeps its last value (a serial
 * sensor says its serial number only in some lines); a field that changes is recorded.
 */
export function observe (entry: StoredEntry, device: string, o: Observation, now: number): ObserveResult {
  const before = JSON.stringify([entry.reported, entry.device, entry.firstSeen])
  const changes: ChangeRecord[] = []
  const next: Reported = { ...entry.reported }
  if (o.kind !== null) next.kind = o.kind
  if (o.name !== null) next.name = o.name
  for (const [field, value] of Object.entries(o.info ?? {}) as Array<[keyof DeviceInfo, string | undefined]>) {
    if (value === undefined || value === '') continue
    const old = entry.reported[field]
    if ((field === 'serial' || field === 'firmware') && old !== undefined && old !== value) {
      const expected = entry.expect[field] === value
      if (expected) delete entry.expect[field]
      changes.push({ at: now, field, from: old, to: value, expected })
    }
    next[field] = value
  }
  entry.reported = next
  entry.device = device
  entry.firstSeen ??= now
  entry.lastSeen = now
  if (changes.length > 0) entry.changes = [...entry.changes, ...changes].slice(-MAX_CHANGES)
  return { changed: changes.length > 0 || JSON.stringify([entry.reported, entry.device, entry.firstSeen]) !== before, changes }
}

/** Applies a PATCH: a value sets the override, null removes it. Returns the fields that changed. */
export function applyEdits (entry: StoredEntry, patch: Record<string, unknown>): string[] {
  const changed: string[] = []
  const edits = entry.edits as Record<string, unknown>
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'expect') continue
    if (value === undefined) continue
    const before = JSON.stringify(edits[field])
    if (value === null) delete edits[field]
    else edits[field] = structuredClone(value)
    if (JSON.stringify(edits[field]) !== before) changed.push(field)
  }
  const expect = patch.expect as Record<string, string | null> | undefined | null
  if (expect !== undefined) {
    const before = JSON.stringify(entry.expect)
    if (expect === null) entry.expect = {}
    else {
      for (const field of WATCHED_FIELDS) {
        const v = expect[field]
        if (v === null) delete entry.expect[field]
        else if (v !== undefined) entry.expect[field] = v
      }
    }
    if (JSON.stringify(entry.expect) !== before) changed.push('expect')
  }
  return changed
}

/** The merged view of one item (what the API and the CSV show). */
export interface RegisterEntry {
  room: string
  roomName: string
  item: ItemKind
  id: string
  device: string | null
  name: string
  deviceKind: string | null
  vendor: string | null
  model: string | null
  serial: string | null
  firmware: string | null
  hardware: string | null
  owner: string | null
  maintainer: string | null
  support: SupportOverride | null
  serviceHours: OpeningHoursSpec | null
  responseMinutes: number | null
  purchased: string | null
  calibration: Calibration | null
  notes: string | null
  /** A driver has reported this item (else it is only described in config or by IT). */
  reported: boolean
  firstSeen: number | null
  lastSeen: number | null
  changes: ChangeRecord[]
  expect: Partial<Record<WatchedField, string>>
  /** Fields that IT overrode through the API. */
  edited: string[]
}

const ITEM_NAMES: Record<Exclude<ItemKind, 'device'>, string> = { network: 'Nettverk', box: 'Gatewayboks' }

export function effectiveEntry (stored: StoredEntry, seed: EntryConfig | undefined, roomName: string): RegisterEntry {
  const e = stored.edits
  const s = seed ?? {}
  const r = stored.reported
  const pick = <K extends keyof EntryConfig>(k: K): EntryConfig[K] | undefined => (e as EntryConfig)[k] ?? s[k]
  const cal = mergeCalibration(s.calibration, e.calibration)
  return {
    room: stored.room,
    roomName,
    item: stored.item,
    id: stored.id,
    device: stored.device,
    name: pick('name') ?? r.name ?? (stored.item === 'device' ? stored.id : ITEM_NAMES[stored.item]),
    deviceKind: r.kind ?? null,
    vendor: r.vendor ?? pick('vendor') ?? null,
    model: r.model ?? pick('model') ?? null,
    serial: r.serial ?? pick('serial') ?? null,
    firmware: r.firmware ?? null,
    hardware: r.hardware ?? null,
    owner: pick('owner') ?? null,
    maintainer: pick('maintainer') ?? null,
    support: pick('support') ?? null,
    serviceHours: pick('serviceHours') ?? null,
    responseMinutes: pick('responseMinutes') ?? null,
    purchased: pick('purchased') ?? null,
    calibration: cal,
    notes: pick('notes') ?? null,
    reported: stored.firstSeen !== null,
    firstSeen: stored.firstSeen,
    lastSeen: stored.lastSeen,
    changes: stored.changes,
    expect: stored.expect,
    edited: Object.keys(e).sort()
  }
}

function mergeCalibration (seed: Calibration | undefined, edit: CalibrationEdit | undefined): Calibration | null {
  const merged = { ...seed, ...edit }
  return merged.intervalDays !== undefined ? { intervalDays: merged.intervalDays, ...(merged.last !== undefined ? { last: merged.last } : {}) } : null
}
