// Keeps a failing disk (full, read-only, a worn-out SD card) from silently costing the room its
// data: every spool write goes through here; a refused write is counted and the fault is kept as
// state — a readiness reason local staff and the hub see — until a write succeeds again. What to do
// with a record the spool refused (send it live) is the gateway's decision, not this module's.
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { reason } from '../../drivers/contract.js'
import type { Reason } from '../../protocol/messages.js'
import type { SpoolRecord, StoreAndForwardSpool } from './spool.js'

export interface SpoolFault {
  since: number
  /** The disk's answer, e.g. `ENOSPC: no space left on device, write`. */
  error: string
}

export interface SpoolWriteGuardEvents {
  /** The spool started failing (a fault) or took a write again (null). */
  change: [SpoolFault | null]
}

export const storageFailingReason: Reason = reason('gateway.storage-failing',
  'Lagringen i boksen feiler — ring IT-support',
  'The box\'s storage is failing — call IT support',
  { level: 'amber' })

export class SpoolWriteGuard extends EventEmitter<SpoolWriteGuardEvents> {
  /** Writes the disk refused, by what they carried (readings, health). */
  readonly failures = new Map<string, number>()
  fault: SpoolFault | null = null

  constructor (private readonly spool: StoreAndForwardSpool, private readonly options: { log: Logger, clock: () => number }) {
    super()
  }

  /** Opens the spool if it is not open yet; false (and a fault) when the disk will not have it. */
  open (): boolean {
    try {
      this.spool.open()
      return true
    } catch (err) {
      this.failed(err, 'open')
      return false
    }
  }

  /** Appends a record; false when the disk refused it (then counted, and the fault is set). */
  append (record: SpoolRecord, what: string): boolean {
    try {
      // A spool that could not be opened (at start, or since) is tried again with each write.
      this.spool.open()
      this.spool.append(record)
    } catch (err) {
      this.failed(err, what)
      return false
    }
    if (this.fault !== null) {
      this.options.log.info({ since: this.fault.since, error: this.fault.error }, 'spool: the disk takes writes again')
      this.fault = null
      this.emit('change', null)
    }
    return true
  }

  get failuresTotal (): number {
    let total = 0
    for (const n of this.failures.values()) total += n
    return total
  }

  /** The readiness reason while the spool is failing. */
  reasons (): Reason[] {
    return this.fault === null ? [] : [storageFailingReason]
  }

  private failed (err: unknown, what: string): void {
    this.failures.set(what, (this.failures.get(what) ?? 0) + 1)
    const error = err instanceof Error ? err.message : String(err)
    if (this.fault !== null && this.fault.error === error) return // logged when it began
    const first = this.fault === null
    this.fault = { since: first ? this.options.clock() : this.fault!.since, error }
    this.options.log.error({ error, what }, 'spool: the disk refused a write; readings go out live only while the hub is connected')
    if (first) this.emit('change', this.fault)
  }
}
