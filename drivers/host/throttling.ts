// Raspberry Pi throttling, from the firmware's `vcgencmd get_throttled` (`throttled=0x50005`). The bits
// (Raspberry Pi documentation, "vcgencmd"): 0 under-voltage now, 1 ARM frequency capped now, 2 throttled
// now, 3 soft temperature limit now; 16–19 the same "has occurred since boot". Under-voltage means the
// power supply is too weak: the usual cause of a Pi that resets or corrupts its SD card.
import { runTool, type ToolFinder } from './tools.js'

export interface ThrottleState {
  raw: number
  underVoltage: boolean
  frequencyCapped: boolean
  throttled: boolean
  softTempLimit: boolean
  underVoltageSinceBoot: boolean
  frequencyCappedSinceBoot: boolean
  throttledSinceBoot: boolean
  softTempLimitSinceBoot: boolean
}

export function decodeThrottled (raw: number): ThrottleState {
  const bit = (n: number): boolean => Math.floor(raw / 2 ** n) % 2 === 1
  return {
    raw,
    underVoltage: bit(0),
    frequencyCapped: bit(1),
    throttled: bit(2),
    softTempLimit: bit(3),
    underVoltageSinceBoot: bit(16),
    frequencyCappedSinceBoot: bit(17),
    throttledSinceBoot: bit(18),
    softTempLimitSinceBoot: bit(19)
  }
}

/** `throttled=0x50005` → 0x50005; null when the text is not that answer. */
export function parseGetThrottled (output: string): number | null {
  const m = /throttled=(0x[0-9a-f]+|\d+)/i.exec(output)
  if (m?.[1] === undefined) return null
  const n = Number(m[1])
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}

/** The Pi's throttle state, or null on a box without vcgencmd (a NUC) or when it fails. */
export async function readThrottling (tools: ToolFinder, timeoutMs: number): Promise<ThrottleState | null> {
  const vcgencmd = tools.find('vcgencmd')
  if (vcgencmd === null) return null
  const result = await runTool(vcgencmd, ['get_throttled'], timeoutMs)
  if (result === null) return null
  const raw = parseGetThrottled(result)
  return raw === null ? null : decodeThrottled(raw)
}

export function hex (n: number): string {
  return `0x${n.toString(16)}`
}
