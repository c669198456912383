// TypeBox schemas of every message in the wire contract (DESIGN.md, "Wire contract"), and their
// static types. Objects accept extra properties so that a newer gateway can add a field without
// breaking an older hub; everything the contract names is checked.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { COMMAND_NAME_PATTERN, SLUG_PATTERN } from './topics.js'

export const Slug = Type.String({ pattern: SLUG_PATTERN, description: 'room or device id: [a-z0-9-]+' })
/** Milliseconds since the epoch, UTC. */
export const Timestamp = Type.Integer({ minimum: 0, description: 'ms since epoch, UTC' })

/** Text that people read: Norwegian bokmål first, English second. */
export const LocalizedText = Type.Object({
  nb: Type.String({ minLength: 1, maxLength: 1000 }),
  en: Type.String({ minLength: 1, maxLength: 1000 })
})
export type LocalizedText = Static<typeof LocalizedText>

/** Why something is not as it should be: a stable code for machines, a sentence for people. */
export const Reason = Type.Object({
  code: Type.String({ pattern: '^[a-z0-9_.-]{1,80}$', description: 'stable machine code, e.g. device.down' }),
  message: LocalizedText,
  device: Type.Optional(Slug),
  /** How bad this reason is on its own: what readiness level it pulls the room down to. */
  level: Type.Optional(Type.Union([Type.Literal('amber'), Type.Literal('red')]))
})
export type Reason = Static<typeof Reason>

export const HealthState = Type.Union([
  Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('unknown')
])
export type HealthState = Static<typeof HealthState>

export const ReadinessLevel = Type.Union([Type.Literal('green'), Type.Literal('amber'), Type.Literal('red')])
export type ReadinessLevel = Static<typeof ReadinessLevel>

const MetricValue = Type.Union([Type.Number(), Type.String({ maxLength: 500 }), Type.Boolean(), Type.Null()])
/** A reading's value: a number, a string (e.g. a state), or null for "the device gave no value" (Masimo `--`). */
const ReadingValue = Type.Union([Type.Number(), Type.String({ maxLength: 500 }), Type.Null()])

/** What a driver could read about the device itself (feeds the equipment register). */
export const DeviceInfo = Type.Object({
  vendor: Type.Optional(Type.String({ maxLength: 200 })),
  model: Type.Optional(Type.String({ maxLength: 200 })),
  serial: Type.Optional(Type.String({ maxLength: 200 })),
  firmware: Type.Optional(Type.String({ maxLength: 200 })),
  hardware: Type.Optional(Type.String({ maxLength: 200 }))
})
export type DeviceInfo = Static<typeof DeviceInfo>

/** What the gateway's store-and-forward spool has lost: the hub hears of it (optional, added later). */
export const SpoolReport = Type.Object({
  /** Undelivered records dropped, oldest first, because the spool's bound was hit; counted since the spool was created. */
  dropped: Type.Integer({ minimum: 0 }),
  /** When the last of them was dropped. */
  lastDroppedAt: Type.Optional(Timestamp)
})
export type SpoolReport = Static<typeof SpoolReport>

const statusDetails = {
  startedAt: Type.Optional(Timestamp),
  ts: Type.Optional(Timestamp),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  site: Type.Optional(Type.String({ maxLength: 200 })),
  spool: Type.Optional(SpoolReport)
}

/**
 * `status` (retained). A gateway that says it is online names its version and its run (`boot`), so
 * the hub can tell runs apart; the Last Will publishes `{online: false}`, with nothing else needed.
 */
export const StatusMessage = Type.Union([
  Type.Object({
    online: Type.Literal(true),
    version: Type.String({ minLength: 1, maxLength: 100 }),
    boot: Type.String({ minLength: 1, maxLength: 100 }),
    ...statusDetails
  }),
  Type.Object({
    online: Type.Literal(false),
    version: Type.Optional(Type.String({ maxLength: 100 })),
    boot: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    ...statusDetails
  })
], { description: 'online: true with version and boot, or online: false' })
export type StatusMessage = Static<typeof StatusMessage>

/** A scheduled consultation. `start` is ms since epoch (UTC). */
export const Consultation = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  start: Timestamp,
  minutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
  profile: Type.String({ minLength: 1, maxLength: 100 }),
  title: Type.Optional(Type.String({ maxLength: 200 }))
})
export type Consultation = Static<typeof Consultation>

/** `readiness` (retained): can the room hold its next consultation? */
export const ReadinessMessage = Type.Object({
  level: ReadinessLevel,
  profile: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
  profileLabel: Type.Optional(LocalizedText),
  session: Type.Union([Consultation, Type.Null()]),
  reasons: Type.Array(Reason, { maxItems: 100 }),
  /** One sentence for the light: what it means and what to do. */
  summary: Type.Optional(LocalizedText),
  /** Since when the room has been at this level. */
  since: Type.Optional(Timestamp),
  /**
   * The specialist's side of the "before the appointment" check, from the hub's `support` message:
   * ready (has the consultation console open) or absent (the consultation has started without them).
   */
  specialist: Type.Optional(Type.Union([Type.Literal('ready'), Type.Literal('absent')])),
  ts: Timestamp
})
export type ReadinessMessage = Static<typeof ReadinessMessage>

/** `devices/{device}/health` (retained). */
export const HealthMessage = Type.Object({
  kind: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  state: HealthState,
  reason: Type.Union([Reason, Type.Null()]),
  metrics: Type.Record(Type.String({ maxLength: 100 }), MetricValue),
  info: Type.Optional(DeviceInfo),
  /** Replayed from the gateway's spool after an outage: history, not the current state. */
  historical: Type.Optional(Type.Boolean()),
  ts: Timestamp
})
export type HealthMessage = Static<typeof HealthMessage>

/**
 * `devices/{device}/readings` (not retained). `boot` names the gateway run and `seq` counts up per
 * device within it, so a gap in (device, boot, seq) is a loss and a repeat is a duplicate.
 */
export const ReadingsMessage = Type.Object({
  ts: Timestamp,
  boot: Type.String({ minLength: 1, maxLength: 100 }),
  seq: Type.Integer({ minimum: 0 }),
  values: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ReadingValue),
  units: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ maxLength: 50 })),
  /** Names of values the driver flagged as implausible or invalid: shown, never taken as truth. */
  invalid: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
  /** Device conditions at the time of the reading, e.g. `sensor-off-patient`, `low-perfusion`. */
  conditions: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
  historical: Type.Optional(Type.Boolean())
})
export type ReadingsMessage = Static<typeof ReadingsMessage>

const Measured = Type.Union([Type.Number({ minimum: 0 }), Type.Null()])
/** One network path's figures in a `network` message. */
export const NetworkPath = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 80 }),
  kind: Type.String({ minLength: 1, maxLength: 20, description: 'hub, stun or echo' }),
  rttMs: Measured,
  jitterMs: Measured,
  jitterUpMs: Type.Optional(Measured),
  jitterDownMs: Type.Optional(Measured),
  lossPct: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
  /** The address a STUN server saw the room come from. */
  mappedAddress: Type.Optional(Type.String({ maxLength: 100 }))
})
export type NetworkPath = Static<typeof NetworkPath>
/** `network` (retained): the quality of the path a consultation's video takes. null = not measured yet. */
export const NetworkMessage = Type.Object({
  rttMs: Measured,
  jitterMs: Measured,
  lossPct: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
  upMbps: Measured,
  downMbps: Measured,
  ifaceUtilPct: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  /** Each path measured (the hub, and targets such as a STUN server on the video relay path); the
   *  figures above are the worst of the paths that count. */
  paths: Type.Optional(Type.Array(NetworkPath, { maxItems: 20 })),
  /** When upMbps/downMbps were measured, and how: a throughput test, or a packet-train estimate. */
  throughputTs: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  throughputSource: Type.Optional(Type.Union([Type.Literal('test'), Type.Literal('train'), Type.Null()])),
  /** The interface whose counters give ifaceUtilPct, and the room's own traffic on it. */
  iface: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  ifaceRxMbps: Type.Optional(Measured),
  ifaceTxMbps: Type.Optional(Measured),
  ts: Timestamp
})
export type NetworkMessage = Static<typeof NetworkMessage>

export const CheckStep = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  device: Type.Optional(Slug),
  passed: Type.Boolean(),
  value: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 500 }), Type.Boolean(), Type.Null()])),
  unit: Type.Optional(Type.String({ maxLength: 50 })),
  reason: Type.Optional(Reason),
  label: Type.Optional(LocalizedText),
  /** Not carried out this time (e.g. the throughput test while a consultation runs); counts as passed. */
  skipped: Type.Optional(Type.Boolean()),
  /** Could not be checked (nothing to measure with, e.g. no clock to compare with): `passed` is false
   *  and the reason (amber) says what could not be checked. Absent means measured. */
  unverified: Type.Optional(Type.Boolean()),
  ts: Timestamp
})
export type CheckStep = Static<typeof CheckStep>

/** `check` (retained): the latest pre-session ("før timen") check report. */
export const CheckReport = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  trigger: Type.Union([Type.Literal('scheduled'), Type.Literal('manual')]),
  session: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  profile: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
  passed: Type.Boolean(),
  steps: Type.Array(CheckStep, { maxItems: 200 }),
  /** When the consultation the check was for starts, and how many minutes before it the check was due. */
  sessionStart: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  minutesBefore: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
  startedAt: Timestamp,
  ts: Timestamp
})
export type CheckReport = Static<typeof CheckReport>

/** `cmd/{name}`: a request, answered on `cmd/{name}/result` with the same id. */
export const CommandRequest = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  device: Type.Optional(Slug),
  args: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown())),
  /** Who asked (a hub user or a local client), for the audit trail. */
  by: Type.Optional(Type.String({ maxLength: 200 })),
  ts: Timestamp
})
export type CommandRequest = Static<typeof CommandRequest>

export const CommandResult = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  ok: Type.Boolean(),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(Reason),
  ts: Timestamp
})
export type CommandResult = Static<typeof CommandResult>

/** `schedule` (retained, published by the hub): the room's upcoming consultations. */
export const ScheduleMessage = Type.Array(Consultation, { maxItems: 1000 })
export type ScheduleMessage = Static<typeof ScheduleMessage>

/**
 * Whom staff call about one thing in the room: the party that maintains it (cloud/register). A
 * department's name as it reads after "ring …" / "call …", and its number: no personal data.
 */
export const SupportContact = Type.Object({
  party: Type.String({ pattern: SLUG_PATTERN, description: 'the party\'s id in the hub config' }),
  name: LocalizedText,
  phone: Type.String({ minLength: 3, maxLength: 40 })
})
export type SupportContact = Static<typeof SupportContact>

/** The specialist's presence for the room's running or next consultation (role only, never a name). */
export const SpecialistPresence = Type.Object({
  consultation: Type.String({ minLength: 1, maxLength: 200 }),
  state: Type.Union([Type.Literal('ready'), Type.Literal('absent')])
})
export type SpecialistPresence = Static<typeof SpecialistPresence>

/**
 * `support` (retained, published by the hub): what the hub knows that the light needs — who to call
 * about each thing (the devices by id, the network, the box, and the room's default), the hub's own
 * readiness reasons (calibration or control due), and whether the specialist is there.
 */
export const SupportMessage = Type.Object({
  contacts: Type.Object({
    room: Type.Union([SupportContact, Type.Null()]),
    network: Type.Union([SupportContact, Type.Null()]),
    box: Type.Union([SupportContact, Type.Null()]),
    devices: Type.Record(Type.String({ pattern: SLUG_PATTERN }), SupportContact, { additionalProperties: false })
  }),
  reasons: Type.Array(Reason, { maxItems: 100 }),
  specialist: Type.Union([SpecialistPresence, Type.Null()]),
  ts: Timestamp
})
export type SupportMessage = Static<typeof SupportMessage>

/** The schema of each message kind, keyed as `parseTopic` names them. */
export const messageSchemas = {
  status: StatusMessage,
  readiness: ReadinessMessage,
  health: HealthMessage,
  readings: ReadingsMessage,
  network: NetworkMessage,
  check: CheckReport,
  command: CommandRequest,
  commandResult: CommandResult,
  schedule: ScheduleMessage,
  support: SupportMessage
} as const satisfies Record<string, TSchema>

export interface MessageOfKind {
  status: StatusMessage
  readiness: ReadinessMessage
  health: HealthMessage
  readings: ReadingsMessage
  network: NetworkMessage
  check: CheckReport
  command: CommandRequest
  commandResult: CommandResult
  schedule: ScheduleMessage
  support: SupportMessage
}

/** Retained flag and QoS of each message kind, as the contract's table says. */
export const deliveryOf: Record<keyof MessageOfKind, { retain: boolean, qos: 0 | 1 }> = {
  status: { retain: true, qos: 1 },
  readiness: { retain: true, qos: 1 },
  health: { retain: true, qos: 1 },
  readings: { retain: false, qos: 1 },
  network: { retain: true, qos: 1 },
  check: { retain: true, qos: 1 },
  command: { retain: false, qos: 1 },
  commandResult: { retain: false, qos: 1 },
  schedule: { retain: true, qos: 1 },
  support: { retain: true, qos: 1 }
}

// Keep the pattern referenced so a change of command naming is made in one place (topics.ts).
export const CommandName = Type.String({ pattern: COMMAND_NAME_PATTERN })
