// The host device entry of a room config: the gateway box itself. Where to read its figures (so
// tests, the demo and the simulator can point it at a fake /sys, /proc and /run tree and a folder of
// fake tools) and the thresholds past which the box is degraded.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { BaseDeviceConfig } from '../contract.js'

export const HostConfig = Type.Object({
  pollIntervalMs: Type.Integer({ minimum: 200, maximum: 3_600_000, default: 30_000 }),
  /** The folder whose disk matters: the spool's (store-and-forward needs room to write). */
  diskPath: Type.String({ minLength: 1, default: '.' }),
  sysRoot: Type.String({ minLength: 1, default: '/sys' }),
  procRoot: Type.String({ minLength: 1, default: '/proc' }),
  runRoot: Type.String({ minLength: 1, default: '/run' }),
  /** Folders to find vcgencmd, timedatectl and chronyc in, `:`-separated; default: PATH plus /usr/bin and /opt/vc/bin. */
  binPath: Type.Optional(Type.String({ minLength: 1 })),
  /** A Raspberry Pi 4 starts throttling at 80 °C (85 °C hard limit); Intel NUCs run hotter but not for long. */
  maxCpuTempC: Type.Number({ minimum: 30, maximum: 120, default: 80 }),
  minDiskFreePct: Type.Number({ minimum: 0, maximum: 100, default: 10 }),
  minDiskFreeMB: Type.Number({ minimum: 0, default: 500 }),
  /** Below this the disk counts as full: the spool cannot write, readings get lost (down). */
  diskFullMB: Type.Number({ minimum: 0, default: 50 }),
  minMemAvailablePct: Type.Number({ minimum: 0, maximum: 100, default: 10 }),
  minMemAvailableMB: Type.Number({ minimum: 0, default: 100 }),
  /** Sustained (5-minute) load per core above this means the box cannot keep up. */
  maxLoadPerCore: Type.Number({ minimum: 0.1, default: 4 }),
  /** How long a helper tool (vcgencmd, timedatectl, chronyc) may take. */
  toolTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 3000 })
}, { additionalProperties: false })

export type HostConfig = Static<typeof HostConfig>
export type HostDeviceConfig = HostConfig & BaseDeviceConfig

export function withDefaults (config: Record<string, unknown>): HostDeviceConfig {
  return Value.Default(HostConfig, structuredClone(config)) as HostDeviceConfig
}

/** A sentence saying what is wrong with the entry, or null when it is fine. */
export function configProblem (config: HostDeviceConfig): string | null {
  const { id: _id, name: _name, kind: _kind, enabled: _enabled, staleAfterMs: _stale, ...own } = config
  const first = Value.Errors(HostConfig, own).First()
  return first === undefined ? null : `${first.path === '' ? '(entry)' : first.path}: ${first.message}`
}
