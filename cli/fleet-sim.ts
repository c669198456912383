// `helserom fleet-sim --rooms N --hub URL`: N virtual gateways (cli/fleet-sim/) speaking the wire
// contract to a hub, each with its own credentials, until --duration or Ctrl-C; then what was sent,
// so the loss can be computed at the receiving end. The rooms' credentials come from one fleet
// secret, so the hub side is configured with the same command:
//   helserom fleet-sim --rooms 500 --print-gateways > gateways.yaml    (paste under `gateways:` of hub.yaml)
//   helserom fleet-sim --rooms 500 --mosquitto-files DIR               (password_file + acl_file for Mosquitto)
//   helserom fleet-sim --rooms 500 --hub mqtt://hub:1883 --duration 60 --report sent.json
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { FleetSimulator, type FleetReport } from './fleet-sim/fleet.js'
import { fleetRooms, hubGatewayEntries, writeMosquittoAuthFiles } from './fleet-sim/rooms.js'
import { parseOptions, UsageError } from './options.js'

const DEFAULT_SECRET = 'helserom-fleet-sim'

function positiveInteger (value: string | undefined, what: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback !== undefined) return fallback
    throw new UsageError(`${what} is required`)
  }
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a whole number of at least 1, got "${value}"`)
  return n
}

function summary (report: FleetReport, seconds: number): string {
  return [
    `rooms ${report.rooms} (connected ${report.connected}${Object.keys(report.failures).length > 0 ? `, ${Object.keys(report.failures).length} refused` : ''})`,
    `readings sent ${report.readingsSent}, confirmed by the broker ${report.readingsAcked}, failed ${report.readingsFailed}`,
    `messages sent ${report.messagesSent} (${Math.round(report.messagesSent / Math.max(1, seconds))}/s), health changes ${report.healthChanges}, connects ${report.connects}`
  ].join('\n')
}

export async function runFleetSim (args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    rooms: { type: 'string', short: 'n' },
    hub: { type: 'string' },
    duration: { type: 'string' },
    secret: { type: 'string' },
    prefix: { type: 'string' },
    'connect-rate': { type: 'string' },
    report: { type: 'string' },
    'print-gateways': { type: 'boolean' },
    'mosquitto-files': { type: 'string' },
    'hub-user': { type: 'string' },
    'hub-password': { type: 'string' }
  })
  const rooms = fleetRooms(positiveInteger(values.rooms, '--rooms'), values.secret ?? process.env.HELSEROM_FLEET_SECRET ?? DEFAULT_SECRET, values.prefix ?? 'sim')

  if (values['print-gateways'] === true) {
    console.log(stringify({ gateways: await hubGatewayEntries(rooms) }))
    return 0
  }
  if (values['mosquitto-files'] !== undefined) {
    if (values['hub-user'] === undefined || values['hub-password'] === undefined) throw new UsageError('--mosquitto-files needs --hub-user and --hub-password (the hub\'s own account at the broker)')
    const files = writeMosquittoAuthFiles(values['mosquitto-files'], rooms, { username: values['hub-user'], password: values['hub-password'] })
    console.log(`password_file ${files.passwordFile}\nacl_file ${files.aclFile}`)
    return 0
  }
  if (values.hub === undefined) throw new UsageError('--hub mqtt://HOST:PORT is required (the hub\'s MQTT URL, or its external broker\'s)')
  const durationS = values.duration !== undefined ? positiveInteger(values.duration, '--duration') : null

  const fleet = new FleetSimulator({ url: values.hub, rooms, connectPerSecond: positiveInteger(values['connect-rate'], '--connect-rate', 250) })
  console.log(`Connecting ${rooms.length} virtual gateways to ${values.hub} …`)
  const started = Date.now()
  await fleet.start()
  const first = fleet.report()
  console.log(`${first.connected} connected in ${((Date.now() - started) / 1000).toFixed(1)} s${Object.keys(first.failures).length > 0 ? `; refused: ${Object.entries(first.failures).slice(0, 3).map(([r, e]) => `${r} (${e})`).join(', ')}${Object.keys(first.failures).length > 3 ? ' …' : ''}` : ''}`)
  const trafficStart = Date.now()
  const progress = setInterval(() => {
    const r = fleet.report()
    console.log(`${new Date().toISOString()}  connected ${r.connected}/${r.rooms}  readings sent ${r.readingsSent} (confirmed ${r.readingsAcked})  messages ${r.messagesSent}`)
  }, 5000)
  await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(timer); process.off('SIGINT', done); process.off('SIGTERM', done); resolve() }
    const timer = durationS !== null ? setTimeout(done, durationS * 1000) : undefined
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  clearInterval(progress)
  fleet.stopTraffic()
  // A moment for the last confirmations, then a clean stop (retained online:false per room).
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const report = await fleet.stop()
  console.log(`\n${summary(report, (Date.now() - trafficStart) / 1000)}`)
  if (values.report !== undefined) {
    writeFileSync(values.report, JSON.stringify(report, null, 2))
    console.log(`per-room counts (last seq per device, boot) written to ${values.report}`)
  }
  return Object.keys(report.failures).length > 0 ? 1 : 0
}
