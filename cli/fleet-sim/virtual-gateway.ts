// One simulated room's gateway on the wire: an MQTT connection with its own credentials and Last
// Will, the retained status/readiness/health/network on every (re)connect as the real gateway does,
// then 1 Hz readings from one or two sensors, network every 5 s and device health changing now and
// then. It counts what it sent and what the broker confirmed, so a receiver can compute the loss:
// readings carry (boot, seq) per device exactly as the real gateway's do.
import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import type { HealthState } from '../../protocol/messages.js'
import { topics } from '../../protocol/topics.js'
import type { FleetRoom } from './rooms.js'
import {
  healthMessage, MEAN_SECONDS_BETWEEN_CHANGES, networkMessage, nextState, readingMessage, readinessMessage,
  SENSOR_IDS, SIM_DEVICES, statusMessage
} from './traffic.js'

export interface VirtualGatewayOptions {
  url: string
  room: FleetRoom
  random: () => number
  keepaliveS?: number
  reconnectPeriodMs?: number
  /** Milliseconds between readings of a sensor (default 1000). */
  readingEveryMs?: number
}

export interface GatewayCounts {
  /** Readings handed to the MQTT client (QoS 1). */
  readingsSent: number
  /** Readings the broker confirmed (PUBACK). */
  readingsAcked: number
  readingsFailed: number
  /** Every message, readings included. */
  messagesSent: number
  connects: number
  healthChanges: number
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))

export class VirtualGateway {
  readonly boot: string
  readonly startedAt = Date.now()
  readonly counts: GatewayCounts = { readingsSent: 0, readingsAcked: 0, readingsFailed: 0, messagesSent: 0, connects: 0, healthChanges: 0 }
  /** The last seq sent per sensor (a receiver holding every seq 1…last lost nothing). */
  readonly lastSeq = new Map<string, number>()
  lastError: string | null = null
  private client: MqttClient | null = null
  private readonly states = new Map<string, HealthState>(SIM_DEVICES.map((d) => [d.id, 'ok']))
  private readonly sensors: readonly string[]
  private phase: NodeJS.Timeout | null = null
  private ticker: NodeJS.Timeout | null = null
  private ticks = 0
  private lastLevel = ''

  constructor (private readonly options: VirtualGatewayOptions) {
    this.boot = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
    this.sensors = SENSOR_IDS.slice(0, options.room.sensors)
  }

  get room (): string {
    return this.options.room.room
  }

  get connected (): boolean {
    return this.client?.connected === true
  }

  /** Connects; resolves at the first CONNACK, rejects when the broker refuses the login. */
  async connect (): Promise<void> {
    const { room } = this.options
    const client = mqtt.connect(this.options.url, {
      clientId: `gateway-${room.room}`,
      username: room.username,
      password: room.password,
      protocolVersion: 4,
      clean: true,
      keepalive: this.options.keepaliveS ?? 15,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 2000,
      connectTimeout: 10_000, // as the real uplink (gateway/uplink.ts)
      will: { topic: topics.status(room.room), payload: json({ online: false, boot: this.boot }), qos: 1, retain: true }
    })
    this.client = client
    client.on('error', (err) => { this.lastError = err.message })
    client.on('connect', () => {
      this.counts.connects++
      this.publishState()
    })
    await new Promise<void>((resolve, reject) => {
      const onConnect = (): void => { client.off('error', onError); resolve() }
      const onError = (err: Error): void => {
        // A refused login will not get better by retrying: stop here.
        if (/not authorized|bad user ?name or password|identifier rejected/i.test(err.message)) {
          client.off('connect', onConnect)
          client.end(true)
          reject(new Error(`${room.room}: ${err.message}`))
        }
      }
      client.once('connect', onConnect)
      client.on('error', onError)
    })
  }

  /** Starts the periodic traffic at a random phase, so a fleet does not send in lockstep. */
  startTraffic (): void {
    const every = this.options.readingEveryMs ?? 1000
    this.phase = setTimeout(() => {
      this.phase = null
      this.tick()
      this.ticker = setInterval(() => this.tick(), every)
    }, Math.floor(this.options.random() * every))
  }

  /** Stops sending (the connection stays, so no Last Will fires). */
  stopTraffic (): void {
    if (this.phase !== null) clearTimeout(this.phase)
    if (this.ticker !== null) clearInterval(this.ticker)
    this.phase = null
    this.ticker = null
  }

  /** A clean stop: `online: false` (retained), then DISCONNECT. */
  async stop (): Promise<void> {
    this.stopTraffic()
    const client = this.client
    this.client = null
    if (client === null) return
    if (client.connected) {
      await Promise.race([
        client.publishAsync(topics.status(this.room), json(statusMessage(false, this.boot, this.startedAt, Date.now())), { qos: 1, retain: true }).catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000).unref())
      ])
    }
    await client.endAsync(true)
  }

  /** Dies without a DISCONNECT (the broker publishes the Last Will). */
  kill (): void {
    this.stopTraffic()
    const client = this.client
    this.client = null
    if (client === null) return
    client.stream?.destroy()
    client.end(true)
  }

  private send (topic: string, payload: Buffer, retain: boolean, reading = false): void {
    const client = this.client
    if (client === null) return
    this.counts.messagesSent++
    if (reading) this.counts.readingsSent++
    client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (!reading) return
      if (err !== undefined && err !== null) this.counts.readingsFailed++
      else this.counts.readingsAcked++
    })
  }

  /** What a gateway (re)sends on every connect: the retained state of the room. */
  private publishState (): void {
    const now = Date.now()
    const room = this.room
    this.send(topics.status(room), json(statusMessage(true, this.boot, this.startedAt, now)), true)
    for (const d of SIM_DEVICES) this.send(topics.health(room, d.id), json(healthMessage(d, this.states.get(d.id) ?? 'ok', this.options.random, now)), true)
    this.sendReadiness(now, true)
    this.send(topics.network(room), json(networkMessage(this.options.random, now)), true)
  }

  private sendReadiness (now: number, always: boolean): void {
    const message = readinessMessage(this.states, now)
    if (!always && message.level === this.lastLevel) return
    this.lastLevel = message.level
    this.send(topics.readiness(this.room), json(message), true)
  }

  private tick (): void {
    const now = Date.now()
    const random = this.options.random
    const room = this.room
    this.ticks++
    // Readings only while connected: the real gateway spools them meanwhile, and a simulated
    // backlog in memory would only measure mqtt.js.
    if (this.client?.connected === true) {
      for (const sensor of this.sensors) {
        const seq = (this.lastSeq.get(sensor) ?? 0) + 1
        this.lastSeq.set(sensor, seq)
        this.send(topics.readings(room, sensor), json(readingMessage(sensor, this.boot, seq, random, now)), false, true)
      }
    }
    if (this.ticks % 5 === 0) this.send(topics.network(room), json(networkMessage(random, now)), true)
    let changed = false
    for (const d of SIM_DEVICES) {
      if (random() >= 1 / MEAN_SECONDS_BETWEEN_CHANGES) continue
      const next = nextState(this.states.get(d.id) ?? 'ok', random)
      this.states.set(d.id, next)
      this.counts.healthChanges++
      this.send(topics.health(room, d.id), json(healthMessage(d, next, random, now)), true)
      changed = true
    }
    if (changed) this.sendReadiness(now, false)
  }
}
