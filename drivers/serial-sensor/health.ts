// The health of a serial sensor as a pure function of what the driver has seen: is the port open,
// when did the last line and the last readable line come, and what did the last reading say.
// Kept apart from the I/O so each rule is tested with plain numbers.
import type { HealthState, Reason } from '../../protocol/messages.js'
import type { SensorReading } from './line-result.js'
import { healthConcernOf, valuesInvalidatedBy } from './sensor-conditions.js'
import * as reasons from './reasons.js'

export interface LinkView {
  state: 'opening' | 'open' | 'closed'
  /** Why it is closed: the open failure or the disconnect. */
  problem: Reason | null
  /** Since when silence counts: the last open (or an earlier one, when a silent link was reopened). */
  openedAt: number | null
}

export interface SensorView {
  now: number
  link: LinkView
  /** Lines and readings since the link opened. */
  firstLineAt: number | null
  lastLineAt: number | null
  lastReadingAt: number | null
  lastReading: SensorReading | null
  lastGarbageWhy: string | null
  /** Silence longer than this is down; lines without a reading for longer than this are unreadable. */
  silenceMs: number
}

export interface Assessment {
  state: HealthState
  reason: Reason | null
}

export function assessHealth (view: SensorView, device: reasons.DeviceNaming, target: string, protocol: string): Assessment {
  const { link, now, silenceMs } = view
  if (link.state !== 'open' || link.openedAt === null) {
    return link.problem !== null
      ? { state: 'down', reason: link.problem }
      : { state: 'unknown', reason: reasons.connecting(device, target) }
  }
  const quietFor = now - (view.lastLineAt ?? link.openedAt)
  if (quietFor > silenceMs) return { state: 'down', reason: reasons.silent(device, quietFor) }
  if (view.lastLineAt === null || view.firstLineAt === null) return { state: 'unknown', reason: reasons.waitingForData(device, target) }

  const unreadableFor = now - (view.lastReadingAt ?? view.firstLineAt)
  if (view.lastReading === null || unreadableFor > silenceMs) {
    return unreadableFor > silenceMs
      ? { state: 'degraded', reason: reasons.unreadable(device, protocol, view.lastGarbageWhy) }
      : { state: 'unknown', reason: reasons.waitingForData(device, target) }
  }

  const concern = healthConcernOf(view.lastReading.conditions)
  if (concern !== null) return { state: 'degraded', reason: reasons.concern(device, concern) }
  // Values a condition already explains (SpCO low confidence) are flagged on the reading, not a fault.
  const explained = valuesInvalidatedBy(view.lastReading.conditions, Object.keys(view.lastReading.values))
  const implausible = view.lastReading.invalid.filter((name) => !explained.includes(name))
  if (implausible.length > 0) return { state: 'degraded', reason: reasons.implausible(device, implausible) }
  return { state: 'ok', reason: null }
}
