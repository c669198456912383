// The room's own MQTT broker (aedes) on `local.mqttPort`: local consumers (Node-RED, a USB
// light, a kiosk) get the same topics as the hub, live, even when the hub is unreachable.
// Anyone on the room LAN may read; only a client holding the local admin token may send
// commands, and nobody may publish readings or state in the gateway's name.
import { createServer, type Server } from 'node:net'
import { timingSafeEqual } from 'node:crypto'
import { Aedes, type Client } from 'aedes'
import type { Logger } from 'pino'
import { parseTopic, TOPIC_ROOT } from '../protocol/topics.js'

export interface LocalBrokerOptions {
  host: string
  port: number
  room: string
  adminToken?: string
  log: Logger
  /** A command published by an authorised local client. */
  onCommand: (topic: string, payload: Buffer, clientId: string) => void
}

const admins = new WeakSet<Client>()

function sameSecret (a: string, b: Buffer): boolean {
  const expected = Buffer.from(a)
  return expected.length === b.length && timingSafeEqual(expected, b)
}

export class LocalBroker {
  private broker: Aedes | null = null
  private server: Server | null = null
  denied = 0
  port = 0

  constructor (private readonly options: LocalBrokerOptions) {}

  async start (): Promise<number> {
    const o = this.options
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (username === undefined && password === undefined) { done(null, true); return }
        if (o.adminToken !== undefined && password !== undefined && sameSecret(o.adminToken, password)) {
          admins.add(client)
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
        const allowed = sub.topic === '#' || sub.topic === `${TOPIC_ROOT}/#` || sub.topic.startsWith(`${TOPIC_ROOT}/${o.room}/`)
        if (!allowed) this.denied++
        callback(allowed ? null : new Error('subscription not allowed'), allowed ? sub : null)
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

  publish (topic: string, payload: Buffer, retain: boolean): void {
    this.broker?.publish({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false }, (err) => {
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
