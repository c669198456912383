// Drains the spool to the hub in order while the uplink is up: a window of QoS 1 publishes in
// flight, each acknowledged back to the spool when the hub confirms it. A record that waited out
// an outage goes out marked `historical` (and not retained, so it cannot overwrite newer state).
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { SpoolEntry, StoreAndForwardSpool } from './spool.js'

export interface ForwardTransport {
  readonly connected: boolean
  publish: (topic: string, payload: Buffer, options: { qos: 0 | 1, retain: boolean }) => Promise<void>
}

export interface ForwarderOptions {
  /** Publishes in flight at once. */
  window?: number
  /** A record older than this when sent counts as historical even if it was appended online. */
  historicalAfterMs?: number
  clock?: () => number
  log?: Logger
}

export interface ForwarderEvents {
  /** Everything spooled so far has reached the hub. */
  drained: []
}

export class SpoolForwarder extends EventEmitter<ForwarderEvents> {
  private inFlight = 0
  private failed = false
  private scheduled = false
  private wasDrained = true
  private stopped = false
  private readonly window: number
  private readonly historicalAfterMs: number
  private readonly clock: () => number
  sent = 0
  sentHistorical = 0

  constructor (private readonly spool: StoreAndForwardSpool, private readonly transport: ForwardTransport, private readonly options: ForwarderOptions = {}) {
    super()
    this.window = options.window ?? 64
    this.historicalAfterMs = options.historicalAfterMs ?? 5000
    this.clock = options.clock ?? Date.now
  }

  /** Something was appended or the uplink came up: send what can be sent. */
  kick (): void {
    if (this.scheduled || this.stopped) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.pump()
    })
  }

  stop (): void {
    this.stopped = true
  }

  /** True while records wait to be delivered. */
  get backlog (): number {
    return this.spool.pending
  }

  private pump (): void {
    if (this.stopped || this.failed || !this.transport.connected) return
    while (this.inFlight < this.window) {
      const entries = this.spool.read(this.window - this.inFlight)
      if (entries.length === 0) break
      this.wasDrained = false
      for (const entry of entries) this.send(entry)
    }
    if (this.inFlight === 0 && this.spool.drained && !this.wasDrained) {
      this.wasDrained = true
      this.emit('drained')
    }
  }

  private send (entry: SpoolEntry): void {
    const { record } = entry
    const historical = record.offline || this.clock() - record.at > this.historicalAfterMs
    const payload = historical ? { ...record.payload, historical: true } : record.payload
    this.inFlight++
    this.sent++
    if (historical) this.sentHistorical++
    this.transport.publish(record.topic, Buffer.from(JSON.stringify(payload)), { qos: record.qos, retain: historical ? false : record.retain })
      .then(() => {
        this.spool.ack(entry)
      }, (err: Error) => {
        // Not confirmed: once the rest settles, read again from the first unconfirmed record.
        this.failed = true
        this.options.log?.debug({ err: err.message }, 'forwarder: publish not confirmed, will resend')
      })
      .finally(() => {
        this.inFlight--
        if (this.inFlight === 0 && this.failed) {
          this.failed = false
          this.spool.rewind()
        }
        this.kick()
      })
  }
}
