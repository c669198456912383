// The room config (DESIGN.md, "Command line and configuration"): its schema, its cross-checks,
// and loading it. Device entries are checked twice: the base fields here, the kind's own fields
// against that driver's schema, so a new device family needs no change in this file.
import { Type, type Static } from '@sinclair/typebox'
import { stringify } from 'yaml'
import {
  ConfigFileError, loadConfigFile, parseConfigText, readConfigFile, reportSchemaProblems,
  type ConfigPath, type EnvSubstitutions, type LoadResult
} from '../protocol/config-file.js'
import { LocalizedText, Slug } from '../protocol/messages.js'
import { BaseDeviceConfig, deviceConfigSchema, type DriverFactory } from '../drivers/contract.js'
import { driverFactories } from '../drivers/registry.js'
import { NetworkMonitorConfig } from './network/config.js'
import { CheckConfig } from './check/config.js'
import { NodeRedConfig } from './node-red/config.js'
import { StatusLightConfig } from './status-light/config.js'

const Port = Type.Integer({ minimum: 1, maximum: 65535, description: 'a TCP port (1–65535)' })

/** Teams media targets (Microsoft's published network requirements) unless a profile says otherwise. */
export const NetworkThresholds = Type.Object({
  minUpMbps: Type.Number({ minimum: 0, default: 1.5 }),
  minDownMbps: Type.Number({ minimum: 0, default: 1.5 }),
  maxRttMs: Type.Number({ exclusiveMinimum: 0, default: 100 }),
  maxJitterMs: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  maxLossPct: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
  /**
   * HD video streams the consultation sends each way at once; each needs 1.5 Mbit/s (Teams' figure),
   * so the bandwidth minimums become at least 1.5 × this. Default 1.
   */
  videoStreams: Type.Integer({ minimum: 1, maximum: 20, default: 1 })
}, { additionalProperties: false, default: {} })
export type NetworkThresholds = Static<typeof NetworkThresholds>

export const Profile = Type.Object({
  label: LocalizedText,
  requires: Type.Array(Slug, { default: [], description: 'ids of the devices this consultation needs' }),
  network: NetworkThresholds,
  /** Camera preset (a name from the camera's `presets`) the pre-session check and flows use. */
  preset: Type.Optional(Type.String({ minLength: 1 }))
// TypeBox fills defaults inside record values only when the value schema has a `default` key.
}, { additionalProperties: false, default: undefined })
export type Profile = Static<typeof Profile>

const ScheduledConsultation = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  start: Type.String({ minLength: 1, description: 'a date and time with offset, e.g. 2026-11-24T09:30:00+01:00' }),
  minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  profile: Type.String({ minLength: 1 }),
  title: Type.Optional(Type.String({ maxLength: 200 }))
}, { additionalProperties: false })

/** A device entry as the room schema sees it: the base fields; the kind's fields are checked after. */
const DeviceEntry = Type.Composite([BaseDeviceConfig], { additionalProperties: true })

export const RoomConfig = Type.Object({
  room: Type.String({ ...Slug, description: 'the room id: lowercase letters, digits and - (e.g. rodoy-1)' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  site: Type.String({ minLength: 1, maxLength: 200 }),
  timezone: Type.String({ default: 'Europe/Oslo', description: 'an IANA time zone such as Europe/Oslo' }),
  hub: Type.Object({
    url: Type.String({ pattern: '^(mqtts?|wss?|tcp|tls)://', description: 'an MQTT URL such as mqtt://hub.example:1883' }),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    http: Type.Optional(Type.String({ pattern: '^https?://', description: 'the hub\'s HTTP base URL' })),
    /** PEM file of the CA that signed the hub's certificate, for mqtts:// with a private CA. */
    ca: Type.Optional(Type.String({ minLength: 1 }))
  }, { additionalProperties: false }),
  local: Type.Object({
    host: Type.String({ default: '0.0.0.0' }),
    mqttPort: Type.Union([Port, Type.Literal(0)], { default: 1884, description: 'a TCP port, or 0 for any free port' }),
    httpPort: Type.Union([Port, Type.Literal(0)], { default: 8081, description: 'a TCP port, or 0 for any free port' }),
    /** Lets local tools (Node-RED, the local API) send device commands. Without it they cannot. */
    adminToken: Type.Optional(Type.Union([Type.Literal(''), Type.String({ minLength: 16 })], { description: 'a secret of at least 16 characters, or empty to disable commands' }))
  }, { additionalProperties: false, default: {} }),
  dataDir: Type.String({ default: './data', description: 'folder for the gateway\'s state' }),
  spool: Type.Object({
    dir: Type.Optional(Type.String({ minLength: 1 })),
    maxBytes: Type.Integer({ minimum: 65536, default: 512 * 1024 * 1024, description: 'bytes (at least 65536)' })
  }, { additionalProperties: false, default: {} }),
  support: Type.Object({
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
    name: Type.Optional(LocalizedText)
  }, { additionalProperties: false, default: {} }),
  readiness: Type.Object({
    /** How long a better level must hold before the light shows it (against flapping). */
    recoverAfterMs: Type.Integer({ minimum: 0, default: 10_000 }),
    /** A consultation this far ahead already decides the profile readiness checks. */
    lookaheadHours: Type.Number({ minimum: 0, default: 24 })
  }, { additionalProperties: false, default: {} }),
  devices: Type.Array(DeviceEntry, { default: [] }),
  defaultProfile: Type.Optional(Type.String({ minLength: 1 })),
  profiles: Type.Record(Type.String({ pattern: '^[a-z0-9_-]+$' }), Profile, { minProperties: 1, description: 'at least one consultation profile' }),
  schedule: Type.Array(ScheduledConsultation, { default: [] }),
  /** Network quality monitoring (gateway/network/config.ts); on by default. */
  network: NetworkMonitorConfig,
  /** The pre-session check (gateway/check/config.ts); on by default. */
  check: CheckConfig,
  /** Node-RED inside the gateway (gateway/node-red/config.ts); off by default. */
  nodeRed: NodeRedConfig,
  /** A USB/serial or GPIO light in the room mirroring the readiness colour. */
  statusLight: Type.Optional(StatusLightConfig)
}, { additionalProperties: false })

export type RoomConfig = Static<typeof RoomConfig>
export type DeviceConfig = BaseDeviceConfig & Record<string, unknown>

/** Cross-field rules and per-kind device fields. */
function checkRoom (factories: Readonly<Record<string, DriverFactory>>) {
  return (room: RoomConfig, report: (path: ConfigPath, message: string) => void, substitutions: EnvSubstitutions): void => {
    const ids = new Map<string, number>()
    room.devices.forEach((device, i) => {
      const first = ids.get(device.id)
      if (first !== undefined) report(['devices', i, 'id'], `duplicate device id "${device.id}" (also devices[${first}])`)
      else ids.set(device.id, i)
      const factory = Object.hasOwn(factories, device.kind) ? factories[device.kind] : undefined
      if (factory === undefined) {
        report(['devices', i, 'kind'], `unknown device kind "${device.kind}" (known: ${Object.keys(factories).join(', ') || 'none'})`)
        return
      }
      reportSchemaProblems(deviceConfigSchema(factory), device, ['devices', i], report, substitutions)
    })
    for (const [id, profile] of Object.entries(room.profiles)) {
      profile.requires.forEach((deviceId, j) => {
        if (!ids.has(deviceId)) report(['profiles', id, 'requires', j], `no device with id "${deviceId}" in devices`)
      })
    }
    if (room.defaultProfile !== undefined && !Object.hasOwn(room.profiles, room.defaultProfile)) {
      report(['defaultProfile'], `no profile named "${room.defaultProfile}" (profiles: ${Object.keys(room.profiles).join(', ')})`)
    }
    room.schedule.forEach((c, i) => {
      if (Number.isNaN(Date.parse(c.start)) || !/[zZ]|[+-]\d\d:?\d\d$/.test(c.start)) {
        report(['schedule', i, 'start'], `expected a date and time with offset such as 2026-11-24T09:30:00+01:00, got "${c.start}"`)
      }
      if (!Object.hasOwn(room.profiles, c.profile)) report(['schedule', i, 'profile'], `no profile named "${c.profile}"`)
    })
    try {
      new Intl.DateTimeFormat('nb-NO', { timeZone: room.timezone })
    } catch {
      report(['timezone'], `unknown time zone "${room.timezone}" (e.g. Europe/Oslo)`)
    }
    if (room.local.mqttPort !== 0 && room.local.mqttPort === room.local.httpPort) {
      report(['local', 'httpPort'], `the same port as local.mqttPort (${room.local.mqttPort})`)
    }
  }
}

export interface RoomConfigOptions {
  env?: Record<string, string | undefined>
  /** Device families to accept; the built-in registry by default (tests add their own). */
  factories?: Readonly<Record<string, DriverFactory>>
}

/** Mbit/s one HD video stream needs each way (Microsoft's published Teams figure). */
export const MBPS_PER_HD_STREAM = 1.5

/** Derived settings: a profile's bandwidth minimums cover the HD streams it sends. */
function resolveRoom (room: RoomConfig): RoomConfig {
  for (const profile of Object.values(room.profiles)) {
    const need = MBPS_PER_HD_STREAM * profile.network.videoStreams
    profile.network.minUpMbps = Math.max(profile.network.minUpMbps, need)
    profile.network.minDownMbps = Math.max(profile.network.minDownMbps, need)
  }
  return room
}

export function loadRoomConfig (file: string, options: RoomConfigOptions = {}): LoadResult<RoomConfig> {
  const result = loadConfigFile(file, RoomConfig, { env: options.env, extraChecks: checkRoom(options.factories ?? driverFactories) })
  return result.ok ? { ok: true, value: resolveRoom(result.value) } : result
}

/** Loads a room config or throws a ConfigFileError listing every problem. */
export function readRoomConfig (file: string, options: RoomConfigOptions = {}): RoomConfig {
  return resolveRoom(readConfigFile(file, RoomConfig, { env: options.env, extraChecks: checkRoom(options.factories ?? driverFactories) }))
}

/**
 * A room config built in code (the demo, tools): checked exactly as a file would be, by the same
 * pipeline; `name` stands in for the file name in problems. Throws a ConfigFileError.
 */
export function roomConfigFromObject (name: string, value: Record<string, unknown>, options: RoomConfigOptions = {}): RoomConfig {
  const result = parseConfigText(name, stringify(value), RoomConfig, { env: options.env ?? {}, extraChecks: checkRoom(options.factories ?? driverFactories) })
  if (!result.ok) throw new ConfigFileError(result.problems)
  return resolveRoom(result.value)
}

/** The profile readiness checks when no consultation is near: `defaultProfile`, else the first. */
export function defaultProfileId (room: RoomConfig): string {
  return room.defaultProfile ?? Object.keys(room.profiles)[0] ?? ''
}
