// `helserom gateway --config room.yaml`: one room's gateway, until stopped.
import { readRoomConfig } from '../gateway/config.js'
import { Gateway } from '../gateway/gateway.js'
import { ConfigFileError } from '../protocol/config-file.js'
import { createLogger, keepRunningOnUncaught, parseOptions, untilStopped } from './options.js'

export async function runGateway (args: string[]): Promise<number> {
  const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } })
  if (values.config === undefined) {
    console.error('helserom gateway: --config room.yaml is required')
    return 2
  }
  let config
  try {
    config = readRoomConfig(values.config)
  } catch (err) {
    if (err instanceof ConfigFileError) {
      console.error(err.message)
      return 1
    }
    throw err
  }
  const log = createLogger('gateway')
  keepRunningOnUncaught(log)
  const gateway = new Gateway(config, { log })
  await gateway.start()
  console.log(`Helserom gateway for ${config.name} (${config.room})\n  light: ${gateway.urls.light}\n  API:   ${gateway.urls.http}/api/readiness\n  MQTT:  ${gateway.urls.mqtt}`)
  await untilStopped()
  await gateway.stop()
  return 0
}
