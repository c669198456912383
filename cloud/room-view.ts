// What a user may see of a room (pure): the one place that decides it, used by the REST API and the
// WebSocket alike. Staff see what the readiness light shows (online state and readiness); IT and
// specialists see everything — the roles are described in cloud/auth/users.ts. The last reading of
// each device (patient data) is in a view only when the caller asks for it (`lastReading: true`),
// which only GET /api/rooms/:room does, and it audits that view: lists, WebSocket snapshots and
// room changes go to fleet pages that have no need for clinical values.
import { Type, type Static, type TNull, type TSchema, type TUnion } from '@sinclair/typebox'
import {
  CheckReport, DeviceInfo, HealthState, NetworkMessage, ReadinessMessage, Reason, ScheduleMessage, SpoolReport
} from '../protocol/messages.js'
import { canSeeReadings, canSeeRoomDetail, type HubUser } from './auth/users.js'
import type { DeviceState, RoomState } from './fleet-state.js'

const Nullable = <T extends TSchema>(schema: T): TUnion<[T, TNull]> => Type.Union([schema, Type.Null()])
const Ms = Type.Integer({ minimum: 0, description: 'ms since epoch, UTC' })

export const LastReadingView = Type.Object({
  ts: Ms,
  boot: Type.String(),
  seq: Type.Integer(),
  values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()])),
  units: Type.Record(Type.String(), Type.String()),
  invalid: Type.Optional(Type.Array(Type.String())),
  conditions: Type.Optional(Type.Array(Type.String())),
  receivedAt: Ms
}, { description: 'the latest live reading of a device (patient data: specialists and IT only, in GET /api/rooms/:room only, at most a few minutes old)' })

export const DeviceView = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  kind: Nullable(Type.String()),
  state: HealthState,
  reason: Nullable(Reason),
  metrics: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])),
  info: Nullable(DeviceInfo),
  healthTs: Nullable(Ms),
  lastReading: Type.Optional(Nullable(LastReadingView))
})

export const RoomView = Type.Object({
  room: Type.String({ description: 'the room slug, e.g. rodoy-1' }),
  name: Type.String(),
  site: Nullable(Type.String()),
  online: Type.Boolean({ description: 'the gateway is connected (from its status and Last Will)' }),
  lastSeen: Nullable(Ms),
  onlineSince: Nullable(Ms),
  readiness: Nullable(ReadinessMessage),
  // below: it and specialist only
  boot: Type.Optional(Nullable(Type.String())),
  version: Type.Optional(Nullable(Type.String())),
  startedAt: Type.Optional(Nullable(Ms)),
  network: Type.Optional(Nullable(NetworkMessage)),
  check: Type.Optional(Nullable(CheckReport)),
  spool: Type.Optional(Nullable(SpoolReport)),
  schedule: Type.Optional(Nullable(ScheduleMessage)),
  devices: Type.Optional(Type.Record(Type.String(), DeviceView)),
  readings: Type.Optional(Type.Object({
    accepted: Type.Integer(),
    duplicates: Type.Integer(),
    lost: Type.Integer(),
    recovered: Type.Integer()
  }, { description: 'reading counts since the hub started: accepted, dropped as duplicates, lost in gaps, recovered late' }))
}, { description: 'a room as the asking user may see it (staff: online and readiness only)' })
export type RoomView = Static<typeof RoomView>

/** Staff views change only with these parts. */
export const staffParts: ReadonlySet<string> = new Set(['status', 'readiness'])

export interface RoomViewOptions {
  /** Include each device's last reading, for a user who may see readings (the caller audits it). */
  lastReading?: boolean
}

export function roomView (state: RoomState, user: HubUser, options: RoomViewOptions = {}): RoomView {
  const base = {
    room: state.room,
    name: state.name,
    site: state.site,
    online: state.online,
    lastSeen: state.lastSeen,
    onlineSince: state.onlineSince,
    readiness: state.readiness
  }
  if (!canSeeRoomDetail(user, state.room)) return base
  const readings = options.lastReading === true && canSeeReadings(user, state.room)
  const devices: Record<string, Static<typeof DeviceView>> = {}
  for (const [id, d] of Object.entries(state.devices)) devices[id] = deviceView(d, readings)
  return {
    ...base,
    boot: state.boot,
    version: state.version,
    startedAt: state.startedAt,
    network: state.network,
    check: state.check,
    spool: state.spool,
    schedule: state.schedule,
    devices,
    readings: { ...state.readings }
  }
}

function deviceView (d: DeviceState, readings: boolean): Static<typeof DeviceView> {
  const { lastReading, ...rest } = d
  return readings ? { ...rest, lastReading } : rest
}
