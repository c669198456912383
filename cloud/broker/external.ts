// External broker mode: the hub is an mqtt.js client of a broker it does not run (Mosquitto, EMQX).
// Then that broker authenticates the gateways and enforces what each may publish and subscribe —
// configure it with the same rules as cloud/auth/mqtt-auth.ts (for Mosquitto: the acl_file and the
// password_file lines `helserom mosquitto-acl` makes from hub.yaml, see mosquitto-acl.ts), and give
// the hub an account (broker.username) that may read helserom/v1/# and write schedule, support and
// cmd topics. The hub still validates every payload and refuses rooms it does not know.
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { HubMetrics } from '../metrics.js'
import { topicMatches, type BrokerEndpoints, type BrokerHealth, type HubBroker, type MessageHandler, type PublishOptions } from './broker.js'

export interface ExternalBrokerOptions {
  url: string
  username?: string
  password?: string
  clientId?: string
  log: Logger
  metrics: HubMetrics
  /** How long start() waits for the first connection before going on (and reconnecting in the background). */
  connectTimeoutMs?: number
  /** Pause between reconnect attempts. */
  reconnectMs?: number
}

/** The hub's client id at an external broker unless broker.clientId says otherwise. */
export const DEFAULT_CLIENT_ID = 'helserom-hub'

export class ExternalBroker implements HubBroker {
  readonly mode = 'external' as const
  private client: MqttClient | undefined
  private readonly handlers = new Set<{ filter: string, handler: MessageHandler }>()
  private readonly filterCounts = new Map<string, number>()
  private lastError: string | null = null

  constructor (private readonly options: ExternalBrokerOptions) {
    if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(options.url)) throw new TypeError(`broker.url must be an mqtt://, mqtts://, ws:// or wss:// URL, got "${options.url}"`)
  }

  get connected (): boolean {
    return this.client?.connected === true
  }

  async start (beforeAccepting?: () => Promise<void>): Promise<BrokerEndpoints> {
    if (this.client !== undefined) throw new Error('the external broker client is already started')
    const { log, metrics } = this.options
    const client = mqtt.connect(this.options.url, {
      protocolVersion: 4,
      // A lasting session: while the hub is down (a restart, an upgrade) the broker keeps its
      // subscriptions and queues the gateways' QoS 1 messages for it — they acknowledged those to the
      // gateways, whose spools then let them go. Two hubs on one broker need a clientId each.
      clientId: this.options.clientId ?? DEFAULT_CLIENT_ID,
      clean: false,
      manualConnect: true, // the handlers are in place before the queued messages pour in
      reconnectPeriod: this.options.reconnectMs ?? 2000,
      connectTimeout: 10_000,
      resubscribe: false, // renewSubscriptions() does it, also for filters added while offline
      ...(this.options.username !== undefined ? { username: this.options.username } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {})
    })
    this.client = client
    client.on('error', (err) => {
      this.lastError = err.message
      log.warn({ err: err.message, url: this.options.url }, 'external mqtt broker error')
    })
    client.on('connect', () => {
      metrics.brokerConnected.set(1)
      log.info({ url: this.options.url }, 'connected to the external mqtt broker')
      this.renewSubscriptions(client)
    })
    client.on('close', () => metrics.brokerConnected.set(0))
    client.on('message', (topic, payload, packet) => {
      if (this.handlers.size === 0) this.options.log.warn({ topic }, 'a message from the external broker with nobody to take it')
      for (const { filter, handler } of this.handlers) {
        if (!topicMatches(filter, topic)) continue
        try {
          handler({ topic, payload, retain: packet.retain, qos: packet.qos })
        } catch (err) {
          log.error({ err, topic }, 'a broker message handler threw')
        }
      }
    })
    await beforeAccepting?.()
    client.connect()
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.warn({ url: this.options.url, timeoutMs }, 'external mqtt broker not reachable yet; the hub goes on and keeps trying')
        resolve()
      }, timeoutMs)
      timer.unref()
      client.once('connect', () => { clearTimeout(timer); resolve() })
    })
    return { mqtt: this.options.url }
  }

  async publish (topic: string, payload: Buffer | string, options: PublishOptions = {}): Promise<void> {
    const client = this.client
    if (client === undefined) throw new Error('the external broker client is not started')
    await client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false })
  }

  async subscribe (filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const client = this.client
    if (client === undefined) throw new Error('the external broker client is not started')
    const entry = { filter, handler }
    this.handlers.add(entry)
    const count = this.filterCounts.get(filter) ?? 0
    this.filterCounts.set(filter, count + 1)
    // While offline the filter is only noted: renewSubscriptions() subscribes on every (re)connect.
    if (count === 0 && client.connected) await this.subscribeNow(client, filter)
    return async () => {
      if (!this.handlers.delete(entry)) return
      const left = (this.filterCounts.get(filter) ?? 1) - 1
      if (left > 0) { this.filterCounts.set(filter, left); return }
      this.filterCounts.delete(filter)
      if (this.client?.connected === true) await this.client.unsubscribeAsync(filter)
    }
  }

  private async subscribeNow (client: MqttClient, filter: string): Promise<void> {
    const granted = await client.subscribeAsync(filter, { qos: 1 })
    if (granted.some((g) => g.qos === 128)) {
      this.lastError = `the external broker refused the hub's subscription to ${filter} (check its ACL)`
      throw new Error(this.lastError)
    }
  }

  private renewSubscriptions (client: MqttClient): void {
    for (const filter of this.filterCounts.keys()) {
      this.subscribeNow(client, filter).catch((err: Error) => this.options.log.error({ err: err.message, filter }, 'cannot subscribe at the external broker'))
    }
  }

  health (): BrokerHealth {
    return { mode: 'external', connected: this.connected, clients: null, lastError: this.lastError }
  }

  async close (): Promise<void> {
    const client = this.client
    this.client = undefined
    this.handlers.clear()
    this.filterCounts.clear()
    if (client !== undefined) await client.endAsync(true)
    this.options.metrics.brokerConnected.set(0)
  }
}
