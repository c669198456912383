// The room's own MQTT broker (aedes) on `local.mqttPort`: local consumers (Node-RED, a USB
// light, a kiosk) get the same topics as the hub, live, even when the hub is unreachable.
// Anyone on the room LAN may read the room's state (status, readiness, health, network, check):
// the light on the wall needs no login. Readings are health data about a patient, and commands and
// their results act on the room: those need the local admin token as the MQTT password (any user
// name), or the reader secret the gateway gives its own embedded consumers (Node-RED). Nobody may
// publish but an admin, and an admin only commands. Messages go out at QoS 1, as the contract says.
import { createServer, type Server } from 'node:net'
import { timingSafeEqual } from 'node:crypto'
import { Aedes, type Client } from 'aedes'
import type { Logger } from 'pino'
import { parseTopic, TOPIC_ROOT, type MessageKind } from '../protocol/topics.js'

export interface LocalBrokerOptions {
  host: string
  port: number
  room: string
  /** Lets a client read everything and send commands. */
  adminToken?: string
  /** Lets a client read everything, readings included, but send nothing (the gateway's own Node-RED). */
  readerToken?: string
  log: Logger
  /** A command published by an authorised local client. */
  onCommand: (topic: string, payload: Buffer, clientId: string) => void
}

/** What only a client with a secret may receive: patient data, and commands and their answers. */
const privateKinds: ReadonlySet<MessageKind> = new Set(['readings', 'command', 'commandResult'])

const admins = new WeakSet<Client>()
const readers = new WeakSet<Client>()

function sameSecret (a: string, b: Buffer): boolean {
  const expected = Buffer.from(a)
  return expected.length === b.length && timingSafeEqual(expected, b)
}

/**
 * A filter asking for readings by name (`…/devices/+/readings`), refused outright so the client
 * knows; a wider one (`#`) is granted and has the readings held back. Command filters are granted
 * (a light or kiosk subscribes to results along with the state) and held back the same way.
 */
function asksForReadings (filter: string): boolean {
  return filter.split('/').at(-1) === 'readings'
}

export class LocalBroker {
  private broker: Aedes | null = null
  private server: Server | null = null
  denied = 0
  /** Private messages (readings, commands, results) held back from clients without a secret. */
  withheld = 0
  port = 0

  constructor (private readonly options: LocalBrokerOptions) {}

  async start (): Promise<number> {
    const o = this.options
    const privileged = (client: Client | null): boolean => client === null || admins.has(client) || readers.has(client)
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (username === undefined && password === undefined) { done(null, true); return }
        if (o.adminToken !== undefined && password !== undefined && sameSecret(o.adminToken, password)) {
          admins.add(client)
          done(null, true)
          return
        }
        if (o.readerToken !== undefined && password !== undefined && sameSecret(o.readerToken, password)) {
          readers.add(client)
          done(null, true)
          return
        }
        this.denied++
        const error = Object.assign(new Error('bad username or password'), { returnCode: 4 as const })
        done(error, false)
      },
      authorizePublish: (client, packet, callback) => {
        if (client === null) { callback(null); return } // the gateway itself
        const parsed = parseTopic(packet.topic)
        if (parsed?.kind === 'command' && parsed.room === o.room && admins.has(client)) { callback(null); return }
        this.denied++
        o.log.warn({ client: client.id, topic: packet.topic }, 'local broker: publish denied (only commands, with the admin token)')
        callback(new Error('publish not allowed'))
      },
      authorizeSubscribe: (client, sub, callback) => {
        const inRoom = sub.topic === '#' || sub.topic === `${TOPIC_ROOT}/#` || sub.topic.startsWith(`${TOPIC_ROOT}/${o.room}/`)
        const allowed = inRoom && (privileged(client) || !asksForReadings(sub.topic))
        if (allowed) { callback(null, sub); return }
        this.denied++
        o.log.warn({ client: client?.id, filter: sub.topic }, inRoom
          ? 'local broker: subscription refused (readings need the local admin token)'
          : 'local broker: subscription refused (outside this room)')
        // A refused filter gets a failure in SUBACK (MQTT 3.1.1 §3.9.3: 0x80); the client stays
        // connected with its other subscriptions.
        callback(null, null)
      },
      // A wide filter (`#`) is allowed, but what it would bring of private topics is held back.
      authorizeForward: (client, packet) => {
        if (privileged(client)) return packet
        const kind = parseTopic(packet.topic)?.kind
        if (kind === undefined || !privateKinds.has(kind)) return packet
        this.withheld++
        return null
      }
    })
    broker.on('publish', (packet, client) => {
      if (client === null || client === undefined) return
      if (parseTopic(packet.topic)?.kind === 'command') o.onCommand(packet.topic, Buffer.from(packet.payload), client.id)
    })
    this.broker = broker
    const server = createServer(broker.handle)
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(o.port, o.host, () => { server.off('error', reject); resolve() })
    })
    const address = server.address()
    this.port = typeof address === 'object' && address !== null ? address.port : o.port
    return this.port
  }

  /** QoS 1 as the contract's table says; 0 only for what may be lost (waveforms). */
  publish (topic: string, payload: Buffer, retain: boolean, qos: 0 | 1 = 1): void {
    this.broker?.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (err) => {
      if (err !== undefined && err !== null) this.options.log.warn({ err: err.message, topic }, 'local broker: publish failed')
    })
  }

  get clients (): number {
    return this.broker?.connectedClients ?? 0
  }

  async stop (): Promise<void> {
    const server = this.server
    const broker = this.broker
    this.server = null
    this.broker = null
    if (broker !== null) await new Promise<void>((resolve) => broker.close(() => resolve()))
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
