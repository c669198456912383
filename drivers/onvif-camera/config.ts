// The onvif-camera entry of a room config (DESIGN.md, "Command line and configuration"), and the
// settings the driver runs with once defaults are filled in.
import { Type, type Static } from '@sinclair/typebox'

export const DEFAULT_PORT = 80
export const DEFAULT_PATH = '/onvif/device_service'
export const DEFAULT_POLL_INTERVAL_MS = 5000
export const DEFAULT_TIMEOUT_MS = 3000

/** Our names for camera views, as staff and the consultation console use them (e.g. patient). */
export const PresetName = Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9_-]{0,39}$', description: 'our name for a camera view, e.g. patient' })

export const OnvifCameraConfig = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253, description: 'the camera\'s IP address or host name on the room LAN' }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULT_PORT, description: 'HTTP port of the ONVIF device service' })),
  username: Type.Optional(Type.String({ maxLength: 100, description: 'an ONVIF user on the camera (operator rights are enough)' })),
  password: Type.Optional(Type.String({ maxLength: 200 })),
  presets: Type.Optional(Type.Record(PresetName, Type.String({ minLength: 1, maxLength: 64 }), {
    additionalProperties: false,
    default: {},
    description: 'our preset names mapped to the camera\'s preset tokens or preset names, e.g. { patient: "1" }'
  })),
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: 200, maximum: 600_000, default: DEFAULT_POLL_INTERVAL_MS, description: 'time between health probes' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, default: DEFAULT_TIMEOUT_MS, description: 'how long one request to the camera may take' })),
  path: Type.Optional(Type.String({ pattern: '^/[^\\s]*$', maxLength: 200, default: DEFAULT_PATH, description: 'path of the ONVIF device service' })),
  maxClockDriftMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'camera clock drift above which health is degraded' }))
}, { additionalProperties: false })
export type OnvifCameraConfig = Static<typeof OnvifCameraConfig>

export interface CameraSettings {
  /** Device id and the name staff know it by, from the base config. */
  id: string
  name: string
  host: string
  port: number
  username: string
  password: string
  presets: Record<string, string>
  pollIntervalMs: number
  timeoutMs: number
  path: string
  maxClockDriftMs: number | null
}

/** Fills in defaults; the gateway may or may not have applied the schema's defaults already. */
export function cameraSettings (config: OnvifCameraConfig & { id?: string, name?: string }): CameraSettings {
  return {
    id: config.id ?? 'camera',
    name: config.name ?? 'Kamera',
    host: config.host,
    port: config.port ?? DEFAULT_PORT,
    username: config.username ?? '',
    password: config.password ?? '',
    presets: { ...(config.presets ?? {}) },
    pollIntervalMs: config.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    path: config.path ?? DEFAULT_PATH,
    maxClockDriftMs: config.maxClockDriftMs ?? null
  }
}
