// The `check:` section of a room config: when the pre-session ("før timen") check runs and how
// patient it is with each device. Every field has a default, so a room config without the section
// checks 30 and 5 minutes before each consultation.
import { Type, type Static } from '@sinclair/typebox'

export const CheckConfig = Type.Object({
  enabled: Type.Boolean({ default: true }),
  /** Minutes before each consultation's start at which the check runs. */
  beforeMinutes: Type.Array(Type.Number({ minimum: 1, maximum: 24 * 60 }), { default: [30, 5], maxItems: 10, description: 'minutes before the start, e.g. [30, 5]' }),
  /** A failed scheduled check runs again this often until it passes or the consultation starts (0: never). */
  retryMinutes: Type.Number({ minimum: 0, maximum: 120, default: 5 }),
  /** How long each required sensor has to send a reading. */
  sensorWaitMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 }),
  /** How long the camera has after the preset command before the snapshot is taken. */
  cameraSettleMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 3000 }),
  /** Where the camera is put back when it cannot say which preset it was at (default: left at the profile's preset). */
  restorePreset: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Minutes a battery must last beyond the consultation's length. */
  batteryMarginMinutes: Type.Number({ minimum: 0, maximum: 240, default: 10 }),
  /** The largest difference to the hub's clock that counts as in sync. */
  maxClockOffsetMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 2000 }),
  /**
   * After the gateway starts, scheduled checks wait until every device has reported and the network
   * has been measured (at most this long), so that they test the room, not its start-up.
   */
  startupGraceSeconds: Type.Integer({ minimum: 0, maximum: 600, default: 60 }),
  /** Run a throughput test as one of the steps (never while a consultation runs). */
  throughput: Type.Boolean({ default: true })
}, { additionalProperties: false, default: {}, description: 'the pre-session check: see gateway/check/config.ts' })
export type CheckConfig = Static<typeof CheckConfig>
