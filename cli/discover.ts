// `helserom discover`: what this machine can find by itself — ONVIF cameras answering
// WS-Discovery on the room LAN, serial ports present — as device entries ready for a room config.
import { stringify } from 'yaml'
import { driverFactories } from '../drivers/registry.js'
import { createLogger, parseOptions } from './options.js'

export async function runDiscover (args: string[]): Promise<number> {
  const { values } = parseOptions(args, { timeout: { type: 'string' } })
  const timeoutMs = values.timeout !== undefined ? Number(values.timeout) : 3000
  const log = createLogger('discover', 'warn')
  let found = 0
  for (const factory of Object.values(driverFactories)) {
    if (factory.discover === undefined) continue
    let devices
    try {
      devices = await factory.discover({ timeoutMs, log })
    } catch (err) {
      console.error(`${factory.kind}: discovery failed: ${(err as Error).message}`)
      continue
    }
    console.log(`\n${factory.label.en} (${factory.kind}): ${devices.length} found`)
    devices.forEach((device, i) => {
      found++
      console.log(`  # ${device.description}`)
      console.log(stringify([{ id: `${factory.kind}-${i + 1}`, name: factory.label.nb, kind: factory.kind, ...device.config }]).replace(/^/gm, '  '))
    })
  }
  if (found === 0) console.log('\nNothing found. Cameras must be on the same network segment; serial devices must be plugged in.')
  return 0
}
