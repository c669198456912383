// The one small interface every device family implements (DESIGN.md, "The driver contract"), and
// the pieces drivers share: device config basics, localized reasons, command errors. Drivers depend
// on this file and on protocol/ only; the gateway's supervisor runs them.
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox'
import type { Logger } from 'pino'
import { Slug, type DeviceInfo, type HealthState, type LocalizedText, type Reason } from '../protocol/messages.js'

/** Fields every device entry in a room config has, whatever its kind. */
export const BaseDeviceConfig = Type.Object({
  id: Type.String({ ...Slug, description: 'a device id: lowercase letters, digits and -' }),
  name: Type.String({ minLength: 1, maxLength: 80, description: 'the name staff know the device by, e.g. Kamera' }),
  kind: Type.String({ minLength: 1 }),
  enabled: Type.Optional(Type.Boolean({ default: true })),
  /** Silence longer than this marks the device down; each driver has a sensible default. */
  staleAfterMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 }))
})
export type BaseDeviceConfig = Static<typeof BaseDeviceConfig>

export interface Clock {
  now: () => number
}
export const systemClock: Clock = { now: () => Date.now() }

export type MetricValue = number | string | boolean | null

/** What a driver says about the device's health. Report it after every probe, not only on change:
 *  the supervisor publishes only changes, and treats silence as the device being gone. */
export interface DriverHealth {
  state: HealthState
  reason?: Reason | null
  metrics?: Record<string, MetricValue>
  info?: DeviceInfo
}

export interface DriverReading {
  ts?: number
  values: Record<string, number | string | null>
  units?: Record<string, string>
  /** Values flagged implausible or invalid (e.g. probe off): shown as such, never as truth. */
  invalid?: string[]
  conditions?: string[]
}

export interface DriverSink {
  health: (health: DriverHealth) => void
  reading: (reading: DriverReading) => void
}

export interface DriverContext<C extends BaseDeviceConfig = BaseDeviceConfig> {
  /** The device's validated config entry. */
  device: C
  log: Logger
  clock: Clock
  emit: DriverSink
  /** Report an unrecoverable error: the supervisor stops this driver and restarts it with backoff. */
  fail: (error: Error) => void
  /** A folder the driver may keep state in (e.g. a learnt preset map). */
  dataDir: string
}

export interface Driver {
  start: (ctx: DriverContext<any>) => Promise<void>
  /** Must release every timer, socket and file handle it opened. */
  stop: () => Promise<void>
  /** Runs a command the factory declares; args have been validated against its schema. */
  command?: (name: string, args: Record<string, unknown>) => Promise<unknown>
}

export interface CommandSpec {
  name: string
  args: TObject
  label: LocalizedText
}

export interface DiscoveredDevice {
  kind: string
  /** A config entry (without id/name) that would reach the device. */
  config: Record<string, unknown>
  description: string
}

export interface DriverFactory<S extends TObject = TObject> {
  kind: string
  label: LocalizedText
  /** Kind-specific fields of the device config (the base fields are added by the room config). */
  configSchema: S
  commands?: readonly CommandSpec[]
  /**
   * How long the device may stay silent before it counts as down, at the kind's default settings;
   * the supervisor never allows less (unless the entry's own `staleAfterMs` says so).
   */
  defaultStaleAfterMs: number
  /**
   * The silence this entry's settings explain (e.g. three polls plus their timeouts): a device
   * polled every 10 minutes must not count as down after 35 s. Absent: `defaultStaleAfterMs`.
   */
  staleAfterMs? (config: Static<S> & BaseDeviceConfig): number
  // Method form, so that a factory typed with its own schema still fits a plain DriverFactory.
  create (config: Static<S> & BaseDeviceConfig): Driver
  discover?: (options: { timeoutMs: number, log: Logger }) => Promise<DiscoveredDevice[]>
}

/** A device failure as people should read it: a stable code and a Norwegian + English sentence. */
export function reason (code: string, nb: string, en: string, extra: Partial<Pick<Reason, 'device' | 'level'>> = {}): Reason {
  return { code, message: { nb, en }, ...extra }
}

/** Thrown by a command that the device refused or could not carry out. */
export class DeviceCommandError extends Error {
  constructor (readonly reason: Reason) {
    super(reason.message.en)
    this.name = 'DeviceCommandError'
  }
}

/** The config schema of a device kind as it appears in a room config: base fields + kind fields. */
export function deviceConfigSchema (factory: DriverFactory): TSchema {
  return Type.Composite([BaseDeviceConfig, factory.configSchema], { additionalProperties: false })
}

/** A device simulator started by `helserom simulate`, the demo and the tests. */
export interface RunningSimulator {
  /** Where the simulated device can be reached, for people (a URL or a tty path). */
  readonly address: string
  /** The kind-specific config fields that make a driver talk to this simulator. */
  readonly deviceConfig: Record<string, unknown>
  stop: () => Promise<void>
}
