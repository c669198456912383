// The embedded broker: aedes inside the hub, listening on mqtt.host:port over TCP, and on
// mqtt.tls.port over TLS when a certificate and key are configured. Every connection passes the
// packet size guard before aedes sees a byte; every client passes the hub's auth hooks (MqttAuth).
// A clustered hub is this same class given a shared `mq` (mqemitter-redis) and `persistence`
// (aedes-persistence-redis) — see broker.ts.
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { Aedes, type AedesPublishPacket } from 'aedes'
import type { Logger } from 'pino'
import type { MqttAuth } from '../auth/mqtt-auth.js'
import type { HubMetrics } from '../metrics.js'
import { RateLimitedLog } from '../rate-limited-log.js'
import type { BrokerEndpoints, BrokerHealth, HubBroker, MessageHandler, PublishOptions } from './broker.js'
import { PacketSizeLimitedStream } from './packet-size-limit.js'

export interface EmbeddedBrokerOptions {
  host: string
  port: number
  tls?: { port: number, cert: string, key: string, ca?: string }
  maxPacketBytes: number
  auth: MqttAuth
  log: Logger
  metrics: HubMetrics
  /** Clustered mode (clustered.ts): a shared mqemitter and persistence. Default: in-process memory. */
  mq?: unknown
  persistence?: unknown
  /**
   * aedes drops a packet whose brokerCounter is not above the last one the client got from that
   * broker (client.duplicates), taking it for a repeat. Across a cluster packets from one broker can
   * reach a client out of order — a retained message waits for its Redis write, the message after
   * it does not — and the older one is then dropped without a trace (aedes issues #955, #994).
   * false forwards every packet: QoS 1 is at-least-once anyway, and the bus (mqemitter-redis)
   * already drops repeats by packet id. Default true (aedes as it is).
   */
  dedupeByBrokerCounter?: boolean
}

export class EmbeddedBroker implements HubBroker {
  readonly mode = 'embedded' as const
  private aedes: Aedes | undefined
  private readonly servers: Server[] = []
  private readonly sockets = new Set<Socket>()
  private listening = false
  private lastError: string | null = null
  private readonly warn: RateLimitedLog

  constructor (private readonly options: EmbeddedBrokerOptions) {
    if (!Number.isInteger(options.maxPacketBytes) || options.maxPacketBytes < 1024) {
      throw new TypeError(`maxPacketBytes must be a whole number of at least 1024, got ${String(options.maxPacketBytes)}`)
    }
    this.warn = new RateLimitedLog(options.log)
  }

  get connected (): boolean {
    return this.listening
  }

  async start (beforeAccepting?: () => Promise<void>): Promise<BrokerEndpoints> {
    if (this.aedes !== undefined) throw new Error('the embedded broker is already started')
    const { auth, log, metrics } = this.options
    const tlsFiles = this.options.tls !== undefined ? readTlsFiles(this.options.tls) : undefined
    const aedes = await Aedes.createBroker({
      authenticate: auth.authenticate,
      authorizePublish: auth.authorizePublish,
      authorizeSubscribe: auth.authorizeSubscribe,
      authorizeForward: auth.authorizeForward,
      ...(this.options.mq !== undefined ? { mq: this.options.mq } : {}),
      ...(this.options.persistence !== undefined ? { persistence: this.options.persistence } : {})
    })
    this.aedes = aedes
    if (this.options.dedupeByBrokerCounter === false) aedes.on('client', forwardOutOfOrderPackets)
    aedes.on('clientReady', (client) => { auth.clientReady(client); metrics.mqttClients.set(aedes.connectedClients) })
    aedes.on('clientDisconnect', (client) => { auth.clientGone(client); metrics.mqttClients.set(aedes.connectedClients) })
    aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'))
    aedes.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt connection error'))
    await beforeAccepting?.()

    const plain = createServer((socket) => this.accept(socket))
    this.servers.push(plain)
    const endpoints: BrokerEndpoints = { mqtt: `mqtt://${urlHost(this.options.host)}:${await listen(plain, this.options.port, this.options.host)}` }
    if (tlsFiles !== undefined && this.options.tls !== undefined) {
      const secure = createTlsServer(tlsFiles, (socket: TLSSocket) => this.accept(socket))
      secure.on('tlsClientError', (err) => this.warn.warn({ err: err.message }, 'mqtt tls handshake failed'))
      this.servers.push(secure)
      endpoints.mqtts = `mqtts://${urlHost(this.options.host)}:${await listen(secure, this.options.tls.port, this.options.host)}`
    }
    this.listening = true
    log.info(endpoints, 'embedded mqtt broker listening')
    return endpoints
  }

  private accept (socket: Socket): void {
    const aedes = this.aedes
    if (aedes === undefined || !this.listening) { socket.destroy(); return }
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    socket.on('error', (err) => { this.lastError = err.message })
    socket.setNoDelay(true)
    const guarded = new PacketSizeLimitedStream(socket, this.options.maxPacketBytes, (size) => {
      this.options.metrics.mqttOversized.inc()
      this.warn.warn({ remote: socket.remoteAddress, size, limit: this.options.maxPacketBytes }, 'closed an MQTT connection: packet too large')
    })
    guarded.on('error', () => {}) // reported through aedes' clientError
    aedes.handle(guarded)
  }

  async publish (topic: string, payload: Buffer | string, options: PublishOptions = {}): Promise<void> {
    const aedes = this.aedes
    if (aedes === undefined || !this.listening) throw new Error('the embedded broker is not running')
    await new Promise<void>((resolve, reject) => {
      aedes.publish({
        cmd: 'publish',
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: options.qos ?? 1,
        retain: options.retain ?? false,
        dup: false
      }, (err) => { err !== undefined && err !== null ? reject(err) : resolve() })
    })
  }

  async subscribe (filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const aedes = this.aedes
    if (aedes === undefined) throw new Error('the embedded broker is not running')
    const deliver = (packet: AedesPublishPacket, done: () => void): void => {
      try {
        handler({
          topic: packet.topic,
          payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
          retain: packet.retain,
          qos: packet.qos
        })
      } catch (err) {
        this.options.log.error({ err, topic: packet.topic }, 'a broker message handler threw')
      }
      done()
    }
    await new Promise<void>((resolve) => aedes.subscribe(filter, deliver, resolve))
    return async () => await new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, resolve))
  }

  health (): BrokerHealth {
    return { mode: 'embedded', connected: this.listening, clients: this.aedes?.connectedClients ?? 0, lastError: this.lastError }
  }

  async close (): Promise<void> {
    this.listening = false
    const aedes = this.aedes
    this.aedes = undefined
    const closing = this.servers.map(async (server) => await new Promise<void>((resolve) => server.close(() => resolve())))
    if (aedes !== undefined) await new Promise<void>((resolve) => aedes.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await Promise.all(closing)
    this.servers.length = 0
    this.options.metrics.mqttClients.set(0)
  }
}

/** Gives aedes' dedupe() an empty record on every read, so it forwards every packet (see dedupeByBrokerCounter). */
function forwardOutOfOrderPackets (client: object): void {
  Object.defineProperty(client, 'duplicates', { get: () => ({}), set: () => {}, configurable: true })
}

function readTlsFiles (tls: { cert: string, key: string, ca?: string }): { cert: Buffer, key: Buffer, ca?: Buffer } {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path)
    } catch (err) {
      throw new Error(`cannot read the MQTT TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  return { cert: read('certificate', tls.cert), key: read('key', tls.key), ...(tls.ca !== undefined ? { ca: read('CA bundle', tls.ca) } : {}) }
}

async function listen (server: Server, port: number, host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new Error(`cannot listen for MQTT on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/** The host as it goes into a URL clients can use: a wildcard address becomes loopback. */
export function urlHost (host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
