// The gateway's MQTT connection to the hub: Last Will on `status`, QoS 1, reconnects forever.
// It only transports; what is sent when (spool replay, retained state) is decided by the gateway.
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { ForwardTransport } from './spool/forwarder.js'

export interface UplinkOptions {
  url: string
  clientId: string
  username?: string
  password?: string
  /** PEM file of a private CA for mqtts://. */
  ca?: string
  will: { topic: string, payload: Buffer }
  /** Topic filters to subscribe to on every (re)connect. */
  subscriptions: string[]
  log: Logger
  reconnectPeriodMs?: number
  keepaliveS?: number
  connectTimeoutMs?: number
}

export interface UplinkEvents {
  connected: []
  disconnected: []
  message: [string, Buffer]
}

export class HubUplink extends EventEmitter<UplinkEvents> implements ForwardTransport {
  private client: MqttClient | null = null
  private isConnected = false
  connects = 0
  lastError: string | null = null
  /** Since when the uplink has been in its current state. */
  since = Date.now()

  constructor (private readonly options: UplinkOptions) {
    super()
  }

  get connected (): boolean {
    return this.isConnected
  }

  start (): void {
    const o = this.options
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveS ?? 15,
      reconnectPeriod: o.reconnectPeriodMs ?? 2000,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: o.will.topic, payload: o.will.payload, qos: 1, retain: true },
      ...(o.ca !== undefined ? { ca: readFileSync(o.ca) } : {})
    }
    const client = mqtt.connect(o.url, clientOptions)
    this.client = client
    client.on('connect', () => {
      this.connects++
      this.lastError = null
      client.subscribe(o.subscriptions, { qos: 1 }, (err) => {
        if (err !== null && err !== undefined) o.log.warn({ err: err.message }, 'uplink: subscribe failed')
      })
      this.setConnected(true)
    })
    client.on('close', () => this.setConnected(false))
    client.on('offline', () => this.setConnected(false))
    // mqtt.js swallows errors unless someone listens; a refused login or DNS failure lands here.
    client.on('error', (err) => {
      if (this.lastError !== err.message) o.log.warn({ err: err.message, url: o.url }, 'uplink: connection error')
      this.lastError = err.message
    })
    client.on('message', (topic, payload) => this.emit('message', topic, payload))
  }

  async publish (topic: string, payload: Buffer, options: { qos: 0 | 1, retain: boolean }): Promise<void> {
    const client = this.client
    if (client === null) throw new Error('uplink not started')
    await new Promise<void>((resolve, reject) => {
      client.publish(topic, payload, { qos: options.qos, retain: options.retain }, (err) => {
        if (err !== undefined && err !== null) reject(err)
        else resolve()
      })
    })
  }

  /** Sends the given last messages (e.g. a clean `online: false`) if connected, then disconnects. */
  async stop (last: Array<{ topic: string, payload: Buffer, retain: boolean }> = []): Promise<void> {
    const client = this.client
    if (client === null) return
    this.client = null
    if (this.isConnected) {
      await Promise.race([
        Promise.all(last.map(async (m) => await new Promise<void>((resolve) => client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, () => resolve())))),
        new Promise((resolve) => setTimeout(resolve, 2000).unref())
      ])
    }
    // Forced: anything still unconfirmed is in the spool and goes out after the next start, so
    // there is nothing to wait for (and a graceful end would wait for ever on a dead broker).
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()))
    this.setConnected(false)
  }

  private setConnected (connected: boolean): void {
    if (connected === this.isConnected) return
    this.isConnected = connected
    this.since = Date.now()
    this.emit(connected ? 'connected' : 'disconnected')
  }
}
