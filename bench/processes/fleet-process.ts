// A fleet of virtual gateways (cli/fleet-sim/) in a process of its own, so the load generator's
// CPU is not the hub's. `ready` comes once every gateway has logged in; `report` gives the counts.
import { FleetSimulator, type FleetReport } from '../../cli/fleet-sim/fleet.js'
import { fleetRooms } from '../../cli/fleet-sim/rooms.js'
import { serveChild } from './child-runtime.js'

export interface FleetProcessInput {
  url: string
  rooms: number
  secret: string
  connectPerSecond?: number
  keepaliveS?: number
  seed?: number
  connectDeadlineMs?: number
}

export interface FleetProcessReady {
  connected: number
  failures: Record<string, string>
  connectSeconds: number
  nominalReadingsPerSecond: number
}

serveChild<FleetProcessInput, FleetProcessReady>(async (input) => {
  const fleet = new FleetSimulator({
    url: input.url,
    rooms: fleetRooms(input.rooms, input.secret),
    ...(input.connectPerSecond !== undefined ? { connectPerSecond: input.connectPerSecond } : {}),
    ...(input.keepaliveS !== undefined ? { keepaliveS: input.keepaliveS } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...(input.connectDeadlineMs !== undefined ? { connectDeadlineMs: input.connectDeadlineMs } : {})
  })
  const started = Date.now()
  await fleet.start()
  const report = fleet.report()
  let stopped: Promise<FleetReport> | null = null
  return {
    ready: { connected: report.connected, failures: report.failures, connectSeconds: (Date.now() - started) / 1000, nominalReadingsPerSecond: report.nominalReadingsPerSecond },
    handlers: {
      report: () => fleet.report(),
      stopTraffic: () => { fleet.stopTraffic(); return fleet.report() },
      stop: async () => { stopped ??= fleet.stop(); return await stopped }
    },
    stop: async () => { stopped ??= fleet.stop(); await stopped }
  }
})
