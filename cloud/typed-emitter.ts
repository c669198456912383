// A typed event emitter (the shape of MQTT.js's TypedEmitter): `on('reading', fn)` knows fn's
// argument. A listener that throws is logged and does not stop the others or the emitter.
import { EventEmitter } from 'node:events'

export type EventMap = Record<string, unknown>

export class TypedEmitter<Events extends EventMap> {
  private readonly emitter = new EventEmitter({ captureRejections: false })

  constructor (private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {
    this.emitter.setMaxListeners(100)
  }

  on<K extends keyof Events & string> (event: K, listener: (payload: Events[K]) => void): () => void {
    this.emitter.on(event, listener)
    return () => { this.emitter.off(event, listener) }
  }

  off<K extends keyof Events & string> (event: K, listener: (payload: Events[K]) => void): void {
    this.emitter.off(event, listener)
  }

  listenerCount<K extends keyof Events & string> (event: K): number {
    return this.emitter.listenerCount(event)
  }

  protected emit<K extends keyof Events & string> (event: K, payload: Events[K]): void {
    for (const listener of this.emitter.listeners(event) as Array<(p: Events[K]) => void>) {
      try {
        listener(payload)
      } catch (err) {
        this.onListenerError(err, event)
      }
    }
  }

  protected removeAllListeners (): void {
    this.emitter.removeAllListeners()
  }
}
