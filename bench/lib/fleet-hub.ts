// Shared set-up of benchmarks with a simulated fleet: the fleet's gateway entries for a hub config
// (hashed once per run of the benchmarks, however many hubs are started), an IT user whose token the
// WebSocket client uses, and a Mosquitto broker configured with the same rules as the hub's auth.
import { randomBytes } from 'node:crypto'
import { chmodSync } from 'node:fs'
import { fleetRooms, hubGatewayEntries, writeMosquittoAuthFiles } from '../../cli/fleet-sim/rooms.js'
import { generateToken, hashToken } from '../../protocol/credentials.js'
import { startMosquitto, type Mosquitto } from '../../test/helpers/servers.js'
import { tempDir, type Teardown } from '../../test/helpers/index.js'

export type GatewayEntry = Awaited<ReturnType<typeof hubGatewayEntries>>[number]

export class FleetCredentials {
  readonly secret = randomBytes(12).toString('base64url')
  readonly itToken = generateToken()
  private entries: GatewayEntry[] = []

  /** The first `n` rooms' hub config entries (hashing only those not hashed before). */
  async gateways (n: number): Promise<GatewayEntry[]> {
    if (this.entries.length < n) {
      const rooms = fleetRooms(n, this.secret).slice(this.entries.length)
      this.entries.push(...await hubGatewayEntries(rooms))
    }
    return this.entries.slice(0, n)
  }

  users (): Array<Record<string, unknown>> {
    return [{ name: 'it-bench', role: 'it', tokenHash: hashToken(this.itToken) }]
  }

  /** A Mosquitto that knows the first `n` rooms and a hub account; anonymous logins refused. */
  async mosquitto (t: Teardown, n: number): Promise<{ broker: Mosquitto, hub: { username: string, password: string } }> {
    const hub = { username: 'hub-bench', password: randomBytes(12).toString('base64url') }
    const dir = tempDir(t, 'helserom-mosquitto-auth-')
    chmodSync(dir, 0o755) // Mosquitto started as root reads these as the `mosquitto` user
    const files = writeMosquittoAuthFiles(dir, fleetRooms(n, this.secret), hub)
    const broker = await startMosquitto(t, { passwordFile: files.passwordFile, aclFile: files.aclFile })
    return { broker, hub }
  }
}
