// The `hololens` device kind's fields in a room config, their defaults, and the one place the
// defaults are applied: the driver may be handed an entry that never went through the room-config
// loader (tests, `helserom simulate`), and a bad entry must end as a readable reason, not a crash.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { BaseDeviceConfig } from '../contract.js'
import { CERT_PIN_PATTERN, parseCertPin, type CertPin } from './cert-pin.js'

const URL_PATTERN = '^https://(?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?/?$'

export const HOLOLENS_DEFAULTS = {
  pollIntervalMs: 10_000,
  timeoutMs: 5_000,
  /** The 428x240 15 fps 0.6 Mbit/s preview: the lightest stream that proves video flows. */
  streamPath: '/api/holographic/stream/live_low.mp4',
  streamCheckIntervalMs: 60_000,
  /** Half of live_low's nominal 600 kbit/s: below that the preview stutters. */
  minStreamKbps: 300
} as const

export const HoloLensConfig = Type.Object({
  url: Type.String({ pattern: URL_PATTERN, description: 'the Device Portal address, https://host[:port]' }),
  username: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.String({ minLength: 1, maxLength: 500 }),
  certFingerprint: Type.Optional(Type.String({
    pattern: CERT_PIN_PATTERN,
    description: 'the device certificate\'s SHA-256: "sha256/<base64>" or hex (AA:BB:…)'
  })),
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000, default: HOLOLENS_DEFAULTS.pollIntervalMs })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, default: HOLOLENS_DEFAULTS.timeoutMs })),
  streamPath: Type.Optional(Type.String({ pattern: '^/[^\\s]*$', maxLength: 500, default: HOLOLENS_DEFAULTS.streamPath, description: 'a path starting with /' })),
  /** 0 turns the live-video check off. */
  streamCheckIntervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, default: HOLOLENS_DEFAULTS.streamCheckIntervalMs })),
  minStreamKbps: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, default: HOLOLENS_DEFAULTS.minStreamKbps }))
}, { additionalProperties: false })
export type HoloLensConfig = Static<typeof HoloLensConfig>
export type HoloLensDeviceConfig = HoloLensConfig & BaseDeviceConfig

export interface ResolvedHoloLensConfig {
  name: string
  origin: URL
  username: string
  password: string
  pin: CertPin | null
  pollIntervalMs: number
  timeoutMs: number
  streamPath: string
  streamCheckIntervalMs: number
  minStreamKbps: number
}

export type Resolved = { ok: true, value: ResolvedHoloLensConfig } | { ok: false, problem: string }

const kindFields = Object.keys(HoloLensConfig.properties)

/** Applies defaults and checks the entry; never throws. */
export function resolveConfig (config: Partial<HoloLensDeviceConfig> & Record<string, unknown>): Resolved {
  const own: Record<string, unknown> = {}
  for (const key of kindFields) if (config[key] !== undefined) own[key] = config[key]
  const value = Value.Default(HoloLensConfig, own) as Record<string, unknown>
  const first = Value.Errors(HoloLensConfig, value).First()
  if (first !== undefined) return { ok: false, problem: `${first.path.slice(1) || '(entry)'}: ${first.message}` }
  const c = value as Required<HoloLensConfig>
  let origin: URL
  try {
    origin = new URL(c.url.replace(/\/$/, ''))
  } catch {
    return { ok: false, problem: `url: "${c.url}" is not a valid address (https://host[:port])` }
  }
  const pin = c.certFingerprint !== undefined ? parseCertPin(c.certFingerprint) : null
  if (c.certFingerprint !== undefined && pin === null) return { ok: false, problem: 'certFingerprint: not a SHA-256 fingerprint' }
  return {
    ok: true,
    value: {
      name: typeof config.name === 'string' && config.name !== '' ? config.name : 'HoloLens',
      origin,
      username: c.username,
      password: c.password,
      pin,
      pollIntervalMs: c.pollIntervalMs,
      timeoutMs: c.timeoutMs,
      streamPath: c.streamPath,
      streamCheckIntervalMs: c.streamCheckIntervalMs,
      minStreamKbps: c.minStreamKbps
    }
  }
}
