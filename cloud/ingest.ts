// The ingest: every message under helserom/v1/# is decoded by the WireValidator (rejects are counted
// by kind and cause in /metrics), refused when its room is not configured (`unknown-room`), readings
// are de-duplicated by (room, device, boot, seq), and the result updates the FleetState, is written
// to the TelemetryStore when one is given, and is emitted as typed events for the WebSocket, the
// incident engine and whatever comes later. Nothing in here throws out of `handle`.
import type { Logger } from 'pino'
import type { CommandResult, HealthMessage, ReadingsMessage } from '../protocol/messages.js'
import { topics } from '../protocol/topics.js'
import { WireValidator, type Decoded } from '../protocol/validate.js'
import type { BrokerMessage, HubBroker } from './broker/broker.js'
import type { FleetState, RoomPart, RoomState } from './fleet-state.js'
import type { HubMetrics } from './metrics.js'
import { RateLimitedLog } from './rate-limited-log.js'
import { ReadingSequences } from './reading-sequences.js'
import { pointsOf } from './store/points.js'
import type { TelemetryStore } from './store/telemetry-store.js'
import { TypedEmitter } from './typed-emitter.js'

export interface RoomChangeEvent {
  room: string
  part: RoomPart
  /** For part 'device'. */
  device?: string
  state: RoomState
}

export interface ReadingEvent {
  room: string
  device: string
  reading: ReadingsMessage
  /** Replayed from the gateway's spool: history, not live. */
  historical: boolean
  /** When the hub received it (hub clock): the age of a live value, whatever the gateway's clock says. */
  receivedAt: number
}

export interface HistoricalHealthEvent {
  room: string
  device: string
  health: HealthMessage
}

export interface CommandResultEvent {
  room: string
  name: string
  result: CommandResult
}

export interface RejectEvent {
  room: string | null
  kind: string
  cause: string
  topic: string
}

export interface IngestEvents {
  [event: string]: unknown
  /** A room's current state changed (status, readiness, network, check, schedule or a device's health). */
  room: RoomChangeEvent
  /** A reading was accepted (live or historical); duplicates never get here. */
  reading: ReadingEvent
  /** A health message replayed from the spool. */
  historicalHealth: HistoricalHealthEvent
  commandResult: CommandResultEvent
  rejected: RejectEvent
}

export interface IngestOptions {
  fleet: FleetState
  metrics: HubMetrics
  log: Logger
  /** When given, what is ingested is written as points (cloud/store/points.ts; readings only when store.clinical). */
  store?: TelemetryStore
  clock?: () => number
  maxPayloadBytes?: number
}

export class Ingest extends TypedEmitter<IngestEvents> {
  readonly validator: WireValidator
  private readonly sequences = new ReadingSequences()
  private readonly countedRejects = new Map<string, number>()
  private readonly clock: () => number
  private readonly warn: RateLimitedLog
  private attached = false

  constructor (private readonly options: IngestOptions) {
    super((err, event) => options.log.error({ err, event }, 'an ingest event listener threw'))
    this.clock = options.clock ?? Date.now
    this.warn = new RateLimitedLog(options.log)
    this.validator = new WireValidator({
      log: options.log,
      clock: this.clock,
      ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {})
    })
  }

  /** Subscribes to every room's topics on the broker. */
  async attach (broker: HubBroker): Promise<void> {
    if (this.attached) throw new Error('the ingest is already attached')
    this.attached = true
    // never unsubscribed: it lives as long as the broker (see Hub.stop)
    await broker.subscribe(topics.all, (message) => this.handle(message))
  }

  /** Stops emitting (the hub is stopping). */
  close (): void {
    this.removeAllListeners()
  }

  /** Handles one MQTT message. Never throws. */
  handle (message: BrokerMessage): void {
    try {
      if (message.payload.length === 0) return // clearing a retained message, not a message
      const decoded = this.validator.decode(message.topic, message.payload)
      if (decoded === null) {
        this.countValidatorRejects(message.topic)
        return
      }
      const room = decoded.topic.room
      if (!this.options.fleet.has(room)) {
        this.reject(room, decoded.kind, 'unknown-room', message.topic, `room "${room}" is not in the hub config`)
        return
      }
      this.dispatch(decoded)
    } catch (err) {
      this.options.log.error({ err, topic: message.topic.slice(0, 200) }, 'the ingest failed on a message')
    }
  }

  private dispatch (d: Decoded): void {
    const { fleet, metrics } = this.options
    const now = this.clock()
    const room = d.topic.room
    switch (d.kind) {
      case 'status':
        fleet.applyStatus(room, d.message, now)
        this.changed(room, 'status')
        this.write(d, now)
        break
      case 'readiness':
        fleet.touch(room, now)
        fleet.applyReadiness(room, d.message)
        this.changed(room, 'readiness')
        this.write(d, now)
        break
      case 'network':
        fleet.touch(room, now)
        fleet.applyNetwork(room, d.message)
        this.changed(room, 'network')
        this.write(d, now)
        break
      case 'check':
        fleet.touch(room, now)
        fleet.applyCheck(room, d.message)
        this.changed(room, 'check')
        this.write(d, now)
        break
      case 'schedule':
        fleet.applySchedule(room, d.message)
        this.changed(room, 'schedule')
        break
      case 'health': {
        const device = d.topic.device
        fleet.touch(room, now)
        if (d.message.historical === true) {
          this.write(d, now)
          this.emit('historicalHealth', { room, device, health: d.message })
          break
        }
        if (!fleet.applyHealth(room, device, d.message)) {
          this.reject(room, 'health', 'too-many-devices', topics.health(room, device), `room ${room} has too many devices`)
          return
        }
        this.changed(room, 'device', device)
        this.write(d, now)
        break
      }
      case 'readings':
        fleet.touch(room, now)
        if (!this.reading(room, d.topic.device, d.message, now)) return
        this.write(d, now)
        break
      case 'commandResult':
        fleet.touch(room, now)
        this.emit('commandResult', { room, name: d.topic.name, result: d.message })
        break
      case 'command':
        break // the hub's own requests to gateways
    }
    metrics.messages.inc({ kind: d.kind })
  }

  /** Returns false when the reading was dropped. */
  private reading (room: string, device: string, msg: ReadingsMessage, now: number): boolean {
    const { fleet, metrics } = this.options
    if (!fleet.acceptsDevice(room, device)) {
      this.reject(room, 'readings', 'too-many-devices', topics.readings(room, device), `room ${room} has too many devices`)
      return false
    }
    const verdict = this.sequences.check(room, device, msg.boot, msg.seq)
    if (verdict.kind === 'duplicate') {
      metrics.readingsDuplicate.inc()
      fleet.countReading(room, 'duplicates')
      return false
    }
    if (verdict.kind === 'recovered') {
      metrics.readingsRecovered.inc()
      fleet.countReading(room, 'recovered')
    } else if (verdict.lost > 0) {
      metrics.readingsLost.inc(verdict.lost)
      fleet.countReading(room, 'lost', verdict.lost)
    }
    fleet.countReading(room, 'accepted')
    const historical = msg.historical === true
    if (!historical) fleet.applyReading(room, device, msg, now)
    this.emit('reading', { room, device, reading: msg, historical, receivedAt: now })
    return true
  }

  private changed (room: string, part: RoomPart, device?: string): void {
    const state = this.options.fleet.get(room)
    if (state === undefined) return
    this.emit('room', { room, part, state, ...(device !== undefined ? { device } : {}) })
  }

  /** Hands the message's points to the store (the store's own mapping, pointsOf). Never throws. */
  private write (d: Decoded, receivedAt: number): void {
    const store = this.options.store
    if (store === undefined) return
    try {
      const points = pointsOf(d, { clinical: store.clinical, receivedAt })
      if (points.length > 0) store.write(points)
    } catch (err) {
      this.options.metrics.storeWriteErrors.inc()
      this.warn.warn({ err: (err as Error).message, kind: d.kind }, 'could not hand points to the telemetry store')
    }
  }

  private reject (room: string | null, kind: string, cause: string, topic: string, reason: string): void {
    this.options.metrics.rejected.inc({ kind, cause })
    this.warn.warn({ topic: topic.slice(0, 200), kind, cause, reason }, 'rejected a message')
    this.emit('rejected', { room, kind, cause, topic })
  }

  /** Mirrors the validator's own reject counts into Prometheus. */
  private countValidatorRejects (topic: string): void {
    for (const [key, n] of this.validator.rejected) {
      const before = this.countedRejects.get(key) ?? 0
      if (n === before) continue
      this.countedRejects.set(key, n)
      const [kind = 'unknown', cause = 'unknown'] = key.split('/')
      this.options.metrics.rejected.inc({ kind, cause }, n - before)
      this.emit('rejected', { room: null, kind, cause, topic })
    }
  }
}
