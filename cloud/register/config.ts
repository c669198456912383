// The equipment register's part of the hub config: the support parties (defined once, referenced by
// id), each room's register entries under `gateways[].register` (the room's default party, the
// network, the box, the devices), and the `register` section's settings. cloud/config.ts adds these
// to the hub schema and calls checkRegisterConfig for what a schema cannot say (unknown party ids,
// unreadable dates and service hours).
//
//   parties:
//     - { id: rodoy-it, kind: municipal-it, name: { nb: kommunens IT, en: the municipality's IT },
//         phone: "75 09 50 00", notify: [{ kind: webhook, url: "https://…" }],
//         serviceHours: { mon-fri: "08:00-15:30" }, responseMinutes: 120, escalateTo: hospital-it }
//   gateways:
//     - room: rodoy-1 …
//       register:
//         support: rodoy-it
//         network: { owner: rodoy-kommune, maintainer: rodoy-it }
//         devices: { spo2-1: { owner: helgelandssykehuset, maintainer: mtu, calibration: { intervalDays: 365, last: "2025-06-01" } } }
import { Type, type Static } from '@sinclair/typebox'
import { LocalizedText } from '../../protocol/messages.js'
import { SLUG_PATTERN } from '../../protocol/topics.js'
import type { ConfigPath } from '../../protocol/config-file.js'
import { OpeningHours } from '../incidents/config.js'
import { parseOpeningHours, type OpeningHoursSpec } from '../incidents/opening-hours.js'
import { NotifyTarget } from '../notify/config.js'

const Strict = { additionalProperties: false } as const
const PartyId = Type.String({ pattern: SLUG_PATTERN, description: 'a party id from `parties` (a slug, e.g. mtu-helgeland)' })
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$'
const DateText = (description: string): ReturnType<typeof Type.String> => Type.String({ pattern: DATE_PATTERN, description: `${description} (YYYY-MM-DD)` })
const Phone = Type.String({ minLength: 3, maxLength: 40, pattern: '^[+0-9][0-9 ()-]*[0-9]$', description: 'a phone number, e.g. "+47 75 12 34 56"' })
const Email = Type.String({ maxLength: 200, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', description: 'an e-mail address' })
const ResponseMinutes = Type.Integer({ minimum: 1, maximum: 30 * 24 * 60, description: 'the promised response time in minutes, counted within service hours' })

export const PARTY_KINDS = ['municipality', 'municipal-it', 'hospital', 'hospital-it', 'medtech', 'vendor', 'other'] as const
export const PartyKind = Type.Union(PARTY_KINDS.map((k) => Type.Literal(k)), { description: `one of: ${PARTY_KINDS.join(', ')}` })

/** Who orders, owns, operates or maintains equipment, and how to reach them. */
export const Party = Type.Object({
  id: PartyId,
  kind: PartyKind,
  /** As it reads after "Ring …" / "call …" on the light: "medisinsk-teknisk avdeling", "kommunens IT". */
  name: LocalizedText,
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  /** Where this party's incidents are sent (its webhook or Teams channel). */
  notify: Type.Optional(Type.Array(NotifyTarget, { minItems: 1, maxItems: 10, description: 'the party\'s notification targets' })),
  /** When the party works on problems (default: always); the response time only runs inside them. */
  serviceHours: Type.Optional(OpeningHours),
  responseMinutes: Type.Optional(ResponseMinutes),
  /** Who hears of an incident this party has not acknowledged within its response time. */
  escalateTo: Type.Optional(PartyId)
}, { ...Strict, description: 'a support party: { id, kind, name, phone, email, notify, serviceHours, responseMinutes, escalateTo }' })
export type Party = Static<typeof Party>

export const Parties = Type.Array(Party, { default: [], description: 'the support parties (municipal IT, hospital IT, the medical-technical department, vendors …)' })

/** A device's own support contact, when it is not its maintainer's. */
export const SupportOverride = Type.Object({
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  webhook: Type.Optional(Type.String({ pattern: '^https?://\\S+$', maxLength: 500, description: 'a generic JSON webhook (http(s) URL)' }))
}, { ...Strict, description: 'a support contact of this item only: { phone, email, webhook }' })
export type SupportOverride = Static<typeof SupportOverride>

export const Calibration = Type.Object({
  intervalDays: Type.Integer({ minimum: 1, maximum: 3650, description: 'days between calibrations or controls' }),
  last: Type.Optional(DateText('the last calibration or control'))
}, { ...Strict, description: 'calibration or control of measuring equipment: { intervalDays, last }' })
export type Calibration = Static<typeof Calibration>

/** What people say about one item (a device, the network, the box); the same fields in config and API edits. */
export const EntryFieldSchemas = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'the name staff know it by (default: what the gateway reports)' }),
  vendor: Type.String({ minLength: 1, maxLength: 200, description: 'when the driver cannot read it' }),
  model: Type.String({ minLength: 1, maxLength: 200, description: 'when the driver cannot read it' }),
  serial: Type.String({ minLength: 1, maxLength: 200, description: 'when the driver cannot read it' }),
  owner: PartyId,
  maintainer: PartyId,
  support: SupportOverride,
  serviceHours: OpeningHours,
  responseMinutes: ResponseMinutes,
  purchased: DateText('when it was bought'),
  calibration: Calibration,
  notes: Type.String({ maxLength: 1000, description: 'anything else (agreement number, location in the room …)' })
}
export const EntryConfig = Type.Object({
  name: Type.Optional(EntryFieldSchemas.name),
  vendor: Type.Optional(EntryFieldSchemas.vendor),
  model: Type.Optional(EntryFieldSchemas.model),
  serial: Type.Optional(EntryFieldSchemas.serial),
  owner: Type.Optional(EntryFieldSchemas.owner),
  maintainer: Type.Optional(EntryFieldSchemas.maintainer),
  support: Type.Optional(EntryFieldSchemas.support),
  serviceHours: Type.Optional(EntryFieldSchemas.serviceHours),
  responseMinutes: Type.Optional(EntryFieldSchemas.responseMinutes),
  purchased: Type.Optional(EntryFieldSchemas.purchased),
  calibration: Type.Optional(EntryFieldSchemas.calibration),
  notes: Type.Optional(EntryFieldSchemas.notes)
}, { ...Strict, description: 'a register entry: { owner, maintainer, support, serviceHours, responseMinutes, purchased, calibration, … }' })
export type EntryConfig = Static<typeof EntryConfig>
export type EntryField = keyof EntryConfig

/** `gateways[].register`: the room's equipment as people describe it. */
export const RoomRegisterConfig = Type.Object({
  /** The room's default party: whom staff call when no maintainer is known. */
  support: Type.Optional(PartyId),
  network: Type.Optional(EntryConfig),
  /** The gateway box itself (its host device, when it runs one, reports into this entry). */
  box: Type.Optional(EntryConfig),
  devices: Type.Optional(Type.Record(Type.String({ pattern: SLUG_PATTERN }), EntryConfig, { additionalProperties: false, description: 'device id → register entry' }))
}, { ...Strict, description: 'the room\'s register: { support, network, box, devices }' })
export type RoomRegisterConfig = Static<typeof RoomRegisterConfig>

/** The `register` section. */
export const RegisterSettings = Type.Object({
  /** The party of rooms that name none. */
  defaultSupport: Type.Optional(PartyId),
  /** A specialist who opens the console this long before the start counts as ready. */
  specialistWindowMinutes: Type.Integer({ minimum: 1, maximum: 240, default: 15, description: 'minutes before a consultation in which the specialist\'s console counts (default 15)' }),
  /** How often the hub re-checks calibration and presence and republishes what changed. */
  tickSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 5, description: 'seconds between re-checks of calibration and presence (default 5)' })
}, { ...Strict, default: {}, description: 'equipment register settings: { defaultSupport, specialistWindowMinutes, tickSeconds }' })
export type RegisterSettings = Static<typeof RegisterSettings>

export interface RegisterConfigView {
  parties: readonly Party[]
  register: RegisterSettings
  gateways: ReadonlyArray<{ room: string, register?: RoomRegisterConfig }>
}

/** Checks a schema cannot express: unique party ids, references to parties, dates, service hours. */
export function checkRegisterConfig (config: RegisterConfigView, report: (path: ConfigPath, message: string) => void): void {
  const ids = new Map<string, number>()
  config.parties.forEach((p, i) => {
    const first = ids.get(p.id)
    if (first !== undefined) report(['parties', i, 'id'], `party "${p.id}" is already defined (parties[${first}])`)
    else ids.set(p.id, i)
  })
  const known = (): string => [...ids.keys()].join(', ') || 'none'
  const ref = (path: ConfigPath, id: string | undefined): void => {
    if (id !== undefined && !ids.has(id)) report(path, `no party "${id}" in parties (known: ${known()})`)
  }
  const hours = (path: ConfigPath, spec: OpeningHoursSpec | undefined): void => {
    if (spec === undefined) return
    try { parseOpeningHours(spec) } catch (err) { report(path, (err as Error).message) }
  }
  config.parties.forEach((p, i) => {
    ref(['parties', i, 'escalateTo'], p.escalateTo)
    if (p.escalateTo === p.id) report(['parties', i, 'escalateTo'], 'a party cannot escalate to itself')
    hours(['parties', i, 'serviceHours'], p.serviceHours)
    p.notify?.forEach((n, j) => {
      if (n.kind !== 'teams' && n.format !== undefined) report(['parties', i, 'notify', j, 'format'], 'format belongs to kind teams')
      if (n.kind !== 'webhook' && n.secret !== undefined) report(['parties', i, 'notify', j, 'secret'], 'secret belongs to kind webhook')
    })
  })
  ref(['register', 'defaultSupport'], config.register.defaultSupport)
  config.gateways.forEach((g, i) => {
    const r = g.register
    if (r === undefined) return
    const base: ConfigPath = ['gateways', i, 'register']
    ref([...base, 'support'], r.support)
    const entry = (path: ConfigPath, e: EntryConfig | undefined): void => {
      if (e === undefined) return
      for (const problem of describeEntryProblems(e, (id) => ids.has(id))) report([...path, problem.field], problem.message)
    }
    entry([...base, 'network'], r.network)
    entry([...base, 'box'], r.box)
    for (const [device, e] of Object.entries(r.devices ?? {})) entry([...base, 'devices', device], e)
  })
}

/**
 * Problems of one entry's fields that its schema cannot see (also used for API edits). With `today`
 * (YYYY-MM-DD in the hub's time zone), a calibration recorded after today is one: a date typed
 * wrong, which would keep the room green long past the real due date.
 */
export function describeEntryProblems (e: Partial<Record<EntryField, unknown>>, hasParty: (id: string) => boolean, today?: string): Array<{ field: string, message: string }> {
  const out: Array<{ field: string, message: string }> = []
  for (const field of ['owner', 'maintainer'] as const) {
    const id = e[field]
    if (typeof id === 'string' && !hasParty(id)) out.push({ field, message: `no party "${id}" in the hub config's parties` })
  }
  const calibrated = (e.calibration as Calibration | undefined | null)?.last
  for (const [field, value] of [['purchased', e.purchased], ['calibration', calibrated]] as const) {
    if (typeof value === 'string' && !isCalendarDate(value)) out.push({ field, message: `"${value}" is not a date (YYYY-MM-DD)` })
  }
  if (today !== undefined && typeof calibrated === 'string' && isCalendarDate(calibrated) && calibrated > today) {
    out.push({ field: 'calibration', message: `the last calibration ${calibrated} is in the future (today is ${today}): record a calibration once it has been done` })
  }
  if (e.serviceHours !== undefined && e.serviceHours !== null) {
    try { parseOpeningHours(e.serviceHours as OpeningHoursSpec) } catch (err) { out.push({ field: 'serviceHours', message: (err as Error).message }) }
  }
  return out
}

/** "2026-02-30" is not a date, though it looks like one. */
export function isCalendarDate (text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (m === null) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}
