// The `network:` section of a room config: how the gateway measures the path a consultation's video
// takes. Every field has a default, so a room config without the section measures the hub path
// (found from `hub.http`) with the light probe and the packet train, and runs a throughput test
// every 30 minutes outside consultations. Thresholds are not here: they belong to each profile.
import { Type, type Static } from '@sinclair/typebox'
import type { RoomConfig } from '../config.js'

const Port = Type.Integer({ minimum: 1, maximum: 65535, description: 'a UDP port (1–65535)' })
const Host = Type.String({ minLength: 1, maxLength: 253, description: 'a host name or IP address' })

export const NetworkTarget = Type.Object({
  /** What IT calls this path, e.g. "STUN (videorelé)". */
  name: Type.String({ minLength: 1, maxLength: 80 }),
  /** stun: RFC 5389 Binding requests to a STUN server; echo: another of our echo services. */
  kind: Type.Union([Type.Literal('stun'), Type.Literal('echo')], { default: 'stun' }),
  host: Host,
  port: Type.Optional(Port),
  /** Whether this path's figures count in the room's `network` message (default yes). */
  counts: Type.Boolean({ default: true })
}, { additionalProperties: false })
export type NetworkTarget = Static<typeof NetworkTarget>

export const NetworkMonitorConfig = Type.Object({
  enabled: Type.Boolean({ default: true }),
  /** One probe cycle: a burst of probes, a packet train, and a `network` message. */
  intervalMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 5000, description: 'ms between probe cycles (1000–600000)' }),
  /** The hub's UDP echo service; default: the host and port number of `hub.http`. */
  echo: Type.Optional(Type.Object({ host: Host, port: Port }, { additionalProperties: false })),
  probe: Type.Object({
    /** Probes per burst, spaced like audio packets, so jitter is measured at media timescales. */
    packets: Type.Integer({ minimum: 2, maximum: 200, default: 25 }),
    spacingMs: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
    bytes: Type.Integer({ minimum: 40, maximum: 1472, default: 64 }),
    /** A probe not answered within this is lost. */
    timeoutMs: Type.Integer({ minimum: 50, maximum: 10_000, default: 1000 }),
    /** Round-trip time and jitter are over this window (Teams states its targets per 15 s). */
    rttWindowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 15_000 }),
    /** Loss is over this window: 300 probes at the defaults, so 1 % is three lost probes. */
    lossWindowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 })
  }, { additionalProperties: false, default: {} }),
  train: Type.Object({
    /** A packet train per cycle to the hub's echo: notices a bandwidth drop within one cycle. */
    enabled: Type.Boolean({ default: true }),
    packets: Type.Integer({ minimum: 8, maximum: 64, default: 24 }),
    bytes: Type.Integer({ minimum: 200, maximum: 1472, default: 1200 })
  }, { additionalProperties: false, default: {} }),
  /** More paths to watch, e.g. a STUN server on the video relay path. */
  targets: Type.Array(NetworkTarget, { default: [], maxItems: 10 }),
  throughput: Type.Object({
    enabled: Type.Boolean({ default: true }),
    /** Base URL of the probe endpoints (/probe/upload, /probe/download); default `hub.http`. */
    url: Type.Optional(Type.String({ pattern: '^https?://', description: 'an http(s) URL' })),
    /** A test this often while no consultation runs. */
    everyMinutes: Type.Number({ minimum: 1, maximum: 1440, default: 30 }),
    /** Each direction stops after this long or this many bytes, whichever comes first. */
    maxDurationMs: Type.Integer({ minimum: 500, maximum: 30_000, default: 3000 }),
    maxBytes: Type.Integer({ minimum: 65_536, maximum: 256 * 1024 * 1024, default: 4 * 1024 * 1024 }),
    /** No test this close before a consultation starts (nor while one runs). */
    quietBeforeMinutes: Type.Number({ minimum: 0, maximum: 120, default: 2 }),
    /** A train reading this far off the one at the last test (either way) means the link changed. */
    changeRatio: Type.Number({ minimum: 1.05, maximum: 10, default: 1.3 }),
    /** Tests started because the link changed are at least this far apart. */
    minGapSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 60 })
  }, { additionalProperties: false, default: {} }),
  /** The interface whose counters give the room's load; default: the one the probe leaves by. */
  interface: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  trend: Type.Object({
    /** A trend that would cross a threshold within this many minutes turns readiness amber. */
    horizonMinutes: Type.Number({ minimum: 1, maximum: 240, default: 30 }),
    /** The trend is fitted over this many minutes. */
    windowMinutes: Type.Number({ minimum: 2, maximum: 240, default: 15 })
  }, { additionalProperties: false, default: {} })
}, { additionalProperties: false, default: {}, description: 'network monitoring: see gateway/network/config.ts' })
export type NetworkMonitorConfig = Static<typeof NetworkMonitorConfig>

export interface UdpAddress { host: string, port: number }

/** Where the hub's echo listens: `network.echo`, else the host and port number of `hub.http`. */
export function hubEchoAddress (room: Pick<RoomConfig, 'hub'>, network: NetworkMonitorConfig): UdpAddress | null {
  if (network.echo !== undefined) return network.echo
  if (room.hub.http === undefined) return null
  const url = new URL(room.hub.http)
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port }
}

/** Base URL of the hub's probe endpoints, or null when there is none to test against. */
export function throughputBaseUrl (room: Pick<RoomConfig, 'hub'>, network: NetworkMonitorConfig): string | null {
  const url = network.throughput.url ?? room.hub.http
  return url === undefined ? null : url.replace(/\/+$/, '')
}

/** The port a target is asked on when the config gives none (STUN's registered port is 3478). */
export function targetPort (target: NetworkTarget, hubEcho: UdpAddress | null): number {
  return target.port ?? (target.kind === 'stun' ? 3478 : hubEcho?.port ?? 8080)
}
