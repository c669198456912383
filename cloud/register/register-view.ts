// How a register entry is shown — to IT through the API, and as a CSV row for procurement and
// audits: parties by id and name, the effective contact and response promise (the item's own,
// else its maintainer's), calibration with its due date and state, webhook URLs by host only
// (they often carry their secret). The TypeBox schema is the API's response shape. Pure.
import { Type, type Static } from '@sinclair/typebox'
import { LocalizedText } from '../../protocol/messages.js'
import { OpeningHours } from '../incidents/config.js'
import type { ConsultationRef } from '../incidents/incident.js'
import { calibrationStatus } from './calibration.js'
import type { Party } from './config.js'
import { redactSupport, type EquipmentRegister } from './equipment-register.js'
import type { RegisterEntry } from './entry.js'

const Ms = Type.Integer({ minimum: 0, description: 'ms since epoch, UTC' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()])
const Text = Type.String()

export const PartyRef = Type.Object({ id: Type.String(), kind: Type.String(), name: LocalizedText }, { description: 'a party by id and name' })

export const RegisterEntryView = Type.Object({
  room: Type.String(),
  roomName: Type.String(),
  item: Type.Union([Type.Literal('device'), Type.Literal('network'), Type.Literal('box')]),
  id: Type.String({ description: 'the device id, or network / box' }),
  device: Nullable(Text),
  name: Type.String(),
  deviceKind: Nullable(Text),
  vendor: Nullable(Text),
  model: Nullable(Text),
  serial: Nullable(Text),
  firmware: Nullable(Text),
  hardware: Nullable(Text),
  owner: Nullable(PartyRef),
  maintainer: Nullable(PartyRef),
  support: Nullable(Type.Object({ phone: Type.Optional(Text), email: Type.Optional(Text), webhook: Type.Optional(Type.String({ description: 'the webhook\'s host' })) })),
  contact: Nullable(Type.Object({ party: Nullable(Text), name: LocalizedText, phone: Nullable(Text), email: Nullable(Text) }, { description: 'whom to call about it: its own contact, else its maintainer\'s (else the room\'s party)' })),
  serviceHours: Nullable(OpeningHours),
  responseMinutes: Nullable(Type.Integer()),
  purchased: Nullable(Text),
  calibration: Nullable(Type.Object({
    intervalDays: Type.Integer(),
    last: Nullable(Text),
    dueOn: Nullable(Text),
    state: Type.Union([Type.Literal('ok'), Type.Literal('due'), Type.Literal('overdue'), Type.Literal('unknown')])
  })),
  notes: Nullable(Text),
  reported: Type.Boolean({ description: 'a driver has reported it' }),
  firstSeen: Nullable(Ms),
  lastSeen: Nullable(Ms),
  changes: Type.Array(Type.Object({
    at: Ms,
    field: Type.Union([Type.Literal('serial'), Type.Literal('firmware')]),
    from: Text,
    to: Text,
    expected: Type.Boolean()
  }), { description: 'serial number and firmware changes seen, oldest first' }),
  expect: Type.Object({ serial: Type.Optional(Text), firmware: Type.Optional(Text) }, { description: 'changes IT has announced' }),
  edited: Type.Array(Text, { description: 'fields IT overrode through the API' })
}, { description: 'one item of the equipment register' })
export type RegisterEntryView = Static<typeof RegisterEntryView>

function partyRef (p: Party | undefined): RegisterEntryView['owner'] {
  return p !== undefined ? { id: p.id, kind: p.kind, name: p.name } : null
}

export function entryView (e: RegisterEntry, register: EquipmentRegister, now: number, next: ConsultationRef | null, timeZone: string): RegisterEntryView {
  const r = register.responsibilityOfThing(e.room, e.item === 'device' ? { item: 'device', device: e.id } : { item: e.item })
  const status = calibrationStatus(e.calibration, now, next, timeZone)
  const phone = e.support?.phone ?? r.party?.phone ?? null
  const email = e.support?.email ?? r.party?.email ?? null
  return {
    room: e.room,
    roomName: e.roomName,
    item: e.item,
    id: e.id,
    device: e.device,
    name: e.name,
    deviceKind: e.deviceKind,
    vendor: e.vendor,
    model: e.model,
    serial: e.serial,
    firmware: e.firmware,
    hardware: e.hardware,
    owner: partyRef(register.parties.get(e.owner)),
    maintainer: partyRef(register.parties.get(e.maintainer)),
    support: redactSupport(e.support),
    contact: r.party !== null || phone !== null || email !== null
      ? { party: r.party?.id ?? null, name: r.party?.name ?? { nb: 'IT-support', en: 'IT support' }, phone, email }
      : null,
    serviceHours: r.serviceHours ?? null,
    responseMinutes: r.responseMinutes,
    purchased: e.purchased,
    calibration: e.calibration !== null && status !== null
      ? { intervalDays: e.calibration.intervalDays, last: e.calibration.last ?? null, dueOn: status.dueOn, state: status.state }
      : null,
    notes: e.notes,
    reported: e.reported,
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
    changes: e.changes,
    expect: e.expect,
    edited: e.edited
  }
}
