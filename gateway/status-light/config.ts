// The optional `statusLight` section of a room config: a serial "line per colour" light, or GPIO
// pins driven through sysfs (one value file per colour, e.g. /sys/class/gpio/gpio17/value).
import { Type, type Static } from '@sinclair/typebox'

const Words = Type.Object({
  green: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  amber: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  red: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  off: Type.Optional(Type.String({ minLength: 1, maxLength: 40 }))
}, { additionalProperties: false })

export const SerialLightConfig = Type.Object({
  kind: Type.Literal('serial'),
  path: Type.String({ minLength: 1, description: 'the light\'s serial port, e.g. /dev/serial/by-id/usb-…' }),
  baudRate: Type.Integer({ minimum: 300, maximum: 921_600, default: 9600 }),
  words: Type.Optional(Words),
  repeatMs: Type.Integer({ minimum: 500, maximum: 600_000, default: 5000, description: 'the colour is written again this often, so a light can tell the gateway is gone' })
}, { additionalProperties: false })

export const GpioLightConfig = Type.Object({
  kind: Type.Literal('gpio'),
  /** sysfs value files per colour (exported and set to out beforehand, e.g. by a udev rule). */
  pins: Type.Object({
    green: Type.Optional(Type.String({ minLength: 1 })),
    amber: Type.Optional(Type.String({ minLength: 1 })),
    red: Type.Optional(Type.String({ minLength: 1 }))
  }, { additionalProperties: false }),
  activeLow: Type.Boolean({ default: false }),
  repeatMs: Type.Integer({ minimum: 500, maximum: 600_000, default: 5000 })
}, { additionalProperties: false })

export const StatusLightConfig = Type.Union([SerialLightConfig, GpioLightConfig], { description: 'an optional physical light mirroring the readiness colour' })
export type StatusLightConfig = Static<typeof StatusLightConfig>
export type SerialLightConfig = Static<typeof SerialLightConfig>
export type GpioLightConfig = Static<typeof GpioLightConfig>
