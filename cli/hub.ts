// `helserom hub --config hub.yaml`: the hub, until stopped.
import { Hub } from '../cloud/hub.js'
import { ConfigFileError } from '../protocol/config-file.js'
import { createLogger, keepRunningOnUncaught, parseOptions, untilStopped } from './options.js'

export async function runHub (args: string[]): Promise<number> {
  const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } })
  if (values.config === undefined) {
    console.error('helserom hub: --config hub.yaml is required')
    return 2
  }
  const log = createLogger('hub')
  let hub: Hub
  try {
    hub = Hub.fromFile(values.config, { store: 'from-config', logger: log })
  } catch (err) {
    if (err instanceof ConfigFileError) {
      console.error(err.message)
      return 1
    }
    throw err
  }
  keepRunningOnUncaught(log)
  const urls = await hub.start()
  console.log(`Helserom hub\n  dashboard: ${urls.http}/\n  API docs:  ${urls.docs}\n  MQTT:      ${urls.mqtt}${urls.mqtts !== undefined ? `\n  MQTT/TLS:  ${urls.mqtts}` : ''}`)
  await untilStopped()
  await hub.stop()
  return 0
}
