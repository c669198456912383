// The video-stream device entry of a room config (a Jodapro hands-free camera or any other stream
// source the gateway only watches), and turning one into the settings a probe works with: the URL
// without its credentials, and the credentials from the entry or the URL.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { BaseDeviceConfig } from '../contract.js'

export const VideoStreamConfig = Type.Object({
  url: Type.String({
    pattern: '^(rtsps?|https?|tcp)://\\S+$',
    description: 'a stream URL: rtsp://, rtsps://, http://, https:// (MJPEG, MP4, HLS .m3u8 …) or tcp://host:port'
  }),
  /** Used for RTSP / HTTP Basic or Digest auth; wins over credentials written in the URL. */
  username: Type.Optional(Type.String({ maxLength: 200 })),
  password: Type.Optional(Type.String({ maxLength: 200 })),
  /** Below this a byte stream (HTTP, HLS) counts as degraded; 1500 kbit/s is an HD video stream. */
  minKbps: Type.Number({ minimum: 0, maximum: 1_000_000, default: 1500 }),
  pollIntervalMs: Type.Integer({ minimum: 200, maximum: 3_600_000, default: 15_000 }),
  /** How long a byte stream is read to measure its bitrate (and an RTSP stream played, when the pre-session check times it). */
  measureWindowMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 2000 }),
  /** Connect + first answer; past it the source counts as not answering. */
  timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
  /** An answer slower than this is reported as slow (degraded). */
  slowMs: Type.Integer({ minimum: 10, maximum: 120_000, default: 2000 }),
  /** Optional HTTP JSON status endpoint of the device, read for its battery level. */
  statusUrl: Type.Optional(Type.String({ pattern: '^https?://\\S+$', description: 'an http:// or https:// URL' })),
  /** Where the battery level is in the status JSON, e.g. `power.battery` or `devices[0].batteryPct`. */
  batteryPath: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  minBatteryPct: Type.Number({ minimum: 0, maximum: 100, default: 20 }),
  /** false accepts a self-signed certificate (common on devices in a room LAN). */
  tlsVerify: Type.Boolean({ default: true })
}, { additionalProperties: false })

export type VideoStreamConfig = Static<typeof VideoStreamConfig>
export type VideoStreamDeviceConfig = VideoStreamConfig & BaseDeviceConfig

export type StreamScheme = 'rtsp' | 'rtsps' | 'http' | 'https' | 'tcp'

export interface Credentials {
  username: string
  password: string
}

/** What a probe needs, derived once from the config entry. */
export interface StreamTarget {
  scheme: StreamScheme
  /** The URL as sent on the wire: never with credentials in it. */
  url: URL
  host: string
  port: number
  credentials: Credentials | null
  timeoutMs: number
  measureWindowMs: number
  tlsVerify: boolean
}

const defaultPorts: Record<StreamScheme, number> = { rtsp: 554, rtsps: 322, http: 80, https: 443, tcp: 0 }

/** The config with every default filled in; never throws (a broken entry is caught by `configProblem`). */
export function withDefaults (config: Record<string, unknown>): VideoStreamDeviceConfig {
  const copy = structuredClone(config)
  return Value.Default(VideoStreamConfig, copy) as VideoStreamDeviceConfig
}

/** A sentence saying what is wrong with the entry, or null when it is fine. */
export function configProblem (config: unknown): string | null {
  const first = Value.Errors(VideoStreamConfig, stripBase(config)).First()
  return first === undefined ? null : `${first.path === '' ? '(entry)' : first.path}: ${first.message}`
}

function stripBase (config: unknown): unknown {
  if (config === null || typeof config !== 'object') return config
  const { id: _id, name: _name, kind: _kind, enabled: _enabled, staleAfterMs: _stale, ...rest } = config as Record<string, unknown>
  return rest
}

/** Parses the stream URL; throws a TypeError with a readable message when it cannot be used. */
export function streamTarget (config: VideoStreamDeviceConfig): StreamTarget {
  let url: URL
  try {
    url = new URL(config.url)
  } catch {
    throw new TypeError(`"${config.url}" is not a URL`)
  }
  const scheme = url.protocol.replace(/:$/, '') as StreamScheme
  if (!(scheme in defaultPorts)) throw new TypeError(`unsupported stream scheme ${url.protocol} (use rtsp, rtsps, http, https or tcp)`)
  const port = url.port !== '' ? Number(url.port) : defaultPorts[scheme]
  if (scheme === 'tcp' && port === 0) throw new TypeError('a tcp:// stream URL needs a port, e.g. tcp://192.168.1.40:5000')
  const fromUrl = url.username !== '' ? { username: safeDecode(url.username), password: safeDecode(url.password) } : null
  url.username = ''
  url.password = ''
  const credentials = config.username !== undefined
    ? { username: config.username, password: config.password ?? '' }
    : fromUrl
  return {
    scheme,
    url,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    credentials,
    timeoutMs: config.timeoutMs,
    measureWindowMs: config.measureWindowMs,
    tlsVerify: config.tlsVerify
  }
}

function safeDecode (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
