// The commands an onvif-camera takes (DESIGN.md, "The driver contract"), with their arguments as
// TypeBox schemas: the supervisor validates a request against them before the driver sees it.
import { Type, type Static } from '@sinclair/typebox'
import type { CommandSpec } from '../contract.js'

const Velocity = (what: string): ReturnType<typeof Type.Number> => Type.Number({ minimum: -1, maximum: 1, description: `${what} speed, −1 … 1 (0 = still)` })

export const GotoPresetArgs = Type.Object({
  preset: Type.String({ minLength: 1, maxLength: 64, description: 'our preset name from config (e.g. patient), or a camera preset name or token' })
}, { additionalProperties: false })

export const MoveArgs = Type.Object({
  pan: Velocity('pan'),
  tilt: Velocity('tilt'),
  zoom: Velocity('zoom'),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, description: 'the camera stops by itself after this long (default 5000)' }))
}, { additionalProperties: false })

export const NoArgs = Type.Object({}, { additionalProperties: false })

export const SnapshotArgs = Type.Object({
  includeImage: Type.Optional(Type.Boolean({ default: false, description: 'also return the picture, base64-encoded' }))
}, { additionalProperties: false })

export type GotoPresetArgs = Static<typeof GotoPresetArgs>
export type MoveArgs = Static<typeof MoveArgs>
export type SnapshotArgs = Static<typeof SnapshotArgs>

/** A continuous move with no timeout would keep turning if the "stop" got lost. */
export const DEFAULT_MOVE_TIMEOUT_MS = 5000

export const onvifCameraCommands = [
  { name: 'ptz.gotoPreset', args: GotoPresetArgs, label: { nb: 'Gå til forhåndsinnstilling', en: 'Go to preset' } },
  { name: 'ptz.move', args: MoveArgs, label: { nb: 'Snu og zoom kameraet', en: 'Pan, tilt and zoom' } },
  { name: 'ptz.stop', args: NoArgs, label: { nb: 'Stopp kameraet', en: 'Stop moving' } },
  { name: 'ptz.home', args: NoArgs, label: { nb: 'Tilbake til hjemmeposisjon', en: 'Go to home position' } },
  { name: 'snapshot', args: SnapshotArgs, label: { nb: 'Ta stillbilde', en: 'Take a snapshot' } },
  { name: 'selfTest', args: NoArgs, label: { nb: 'Test kameraet', en: 'Test the camera' } }
] as const satisfies readonly CommandSpec[]
