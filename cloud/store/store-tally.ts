// What every telemetry store counts for its health(): points written, dropped at a bound and refused
// by the point rules, and the last error. Kept in one place so that both stores refuse a point and
// report their health the same way (the abstract store suite checks both against the same figures).
import { checkPoint } from './point-rules.js'
import type { StoreHealth, TelemetryPoint } from './telemetry-store.js'

export class StoreTally {
  written = 0
  dropped = 0
  rejected = 0
  lastError: string | null = null
  lastErrorAt: number | null = null

  /** The point as it will be stored, or null when the naming and value rules refuse it (counted, and kept as the last error). */
  admit (raw: TelemetryPoint, clinical: boolean): TelemetryPoint | null {
    const point = checkPoint(raw, clinical)
    if (typeof point !== 'string') return point
    this.rejected++
    this.error(`refused a point: ${point}`)
    return null
  }

  error (message: string): void {
    this.lastError = message
    this.lastErrorAt = Date.now()
  }

  health (writable: boolean, pending: number): StoreHealth {
    return {
      writable,
      pending,
      dropped: this.dropped,
      rejected: this.rejected,
      written: this.written,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt
    }
  }
}
