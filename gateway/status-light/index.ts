// The optional physical status light (a serial "line per colour" light or GPIO pins), as a gateway
// extension switched on by the room config's `statusLight` section.
import type { GatewayExtension } from '../extensions.js'
import type { Gateway } from '../gateway.js'
import type { StatusLightConfig } from './config.js'
import { GpioLightOutput, SerialLightOutput } from './outputs.js'
import { StatusLight } from './status-light.js'

export { StatusLightConfig, SerialLightConfig, GpioLightConfig } from './config.js'
export { StatusLight, type ReadinessSource } from './status-light.js'
export { SerialLightOutput, GpioLightOutput, type LightOutput } from './outputs.js'
export { colourOf, lineFor, DEFAULT_WORDS, type LightColour } from './colour.js'

export function statusLightExtension (gateway: Gateway): GatewayExtension | null {
  const config = (gateway.config as { statusLight?: StatusLightConfig }).statusLight
  if (config === undefined) return null
  let light: StatusLight | null = null
  return {
    name: 'status-light',
    start: async () => {
      const output = config.kind === 'serial'
        ? new SerialLightOutput({ path: config.path, baudRate: config.baudRate ?? 9600, ...(config.words !== undefined ? { words: config.words } : {}) })
        : new GpioLightOutput({ pins: config.pins, activeLow: config.activeLow ?? false })
      light = new StatusLight(output, gateway, { repeatMs: config.repeatMs ?? 5000, log: gateway.log.child({ part: 'status-light' }) })
      light.start()
    },
    stop: async () => { await light?.stop() }
  }
}
