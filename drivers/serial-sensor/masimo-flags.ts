// Decodes the two hex bit fields at the end of a Masimo ASCII line — EXC (exceptions: the state of
// sensor and signal) and ALARM — into named conditions.
//
// Sources, since Masimo does not publish the serial format openly:
// - MD PnP Program, github.com/mdpnp/mdpnp `other/pox_rad/src/poxrad_discrete.h` (their Masimo
//   Radical-5/7 serial driver, LGPL-3.0): `exceptionmessage()` names EXC bits 0x000001–0x400000 and
//   `alarmmessage()` ALARM bits 0x0001–0x2000. Only the meanings are used here, no code.
// - The Rad-8 operator's manual, "Trend data format", as quoted in github.com/remkolems/masimo-datacapture
//   `masimo-capture.py` (after nmenon/masimo-datacapture): the same meanings for 0x001–0x800, and
//   0x800 = "Masimo SET", the algorithm running in full SET mode — normal operation, not a problem.
//   The same file confirms ALARM bits 0x01–0x20 by experiment on a Rad-8 (SpO2 high/low, pulse
//   high/low, alarm active, alarm silenced).

/** EXC bits; 0x000200 and 0x800000 are reserved (the Rad-8 manual also calls 0x000100 reserved; the
 *  Radical-7 uses it for an incompatible sensor). */
export const EXCEPTION_BITS: ReadonlyArray<readonly [bit: number, condition: string]> = [
  [0x000001, 'no-sensor'],
  [0x000002, 'defective-sensor'],
  [0x000004, 'low-perfusion'],
  [0x000008, 'pulse-search'],
  [0x000010, 'interference'],
  [0x000020, 'sensor-off-patient'],
  [0x000040, 'ambient-light'],
  [0x000080, 'unrecognized-sensor'],
  [0x000100, 'incompatible-sensor'],
  [0x000400, 'low-signal-iq'],
  [0x001000, 'no-cable'],
  [0x002000, 'cable-life-expired'],
  [0x004000, 'incompatible-cable'],
  [0x008000, 'unrecognized-cable'],
  [0x010000, 'defective-cable'],
  [0x020000, 'sensor-calibrating'],
  [0x040000, 'sensor-life-expired'],
  [0x080000, 'emitter-temperature-out-of-range'],
  [0x100000, 'sensor-current-limit'],
  [0x200000, 'spco-low-confidence'],
  [0x400000, 'spmet-low-confidence']
]

/** "Masimo SET": set on every good line, so it is known but not reported as a condition. */
export const EXCEPTION_SET_MODE = 0x000800

/** ALARM bits; 0x0080 is reserved. */
export const ALARM_BITS: ReadonlyArray<readonly [bit: number, condition: string]> = [
  [0x0001, 'spo2-high-alarm'],
  [0x0002, 'spo2-low-alarm'],
  [0x0004, 'pulse-high-alarm'],
  [0x0008, 'pulse-low-alarm'],
  [0x0010, 'alarm-active'],
  [0x0020, 'alarm-silenced'],
  [0x0040, 'low-battery'],
  [0x0100, 'spco-high-alarm'],
  [0x0200, 'spco-low-alarm'],
  [0x0400, 'spmet-high-alarm'],
  [0x0800, 'spmet-low-alarm'],
  [0x1000, 'desat-index-alarm'],
  [0x2000, 'pi-change-alarm']
]

export interface DecodedFlags {
  conditions: string[]
  /** Bits set that no source names (reserved, or a newer firmware's): kept for IT, not guessed at. */
  unknownBits: number
}

function decode (value: number, table: ReadonlyArray<readonly [number, string]>, quiet: number): DecodedFlags {
  let known = quiet
  const conditions: string[] = []
  for (const [bit, condition] of table) {
    known |= bit
    if ((value & bit) !== 0) conditions.push(condition)
  }
  // >>> 0 keeps the result unsigned when bit 31 is involved.
  return { conditions, unknownBits: (value & ~known) >>> 0 }
}

export function decodeExceptions (exc: number): DecodedFlags {
  return decode(exc, EXCEPTION_BITS, EXCEPTION_SET_MODE)
}

export function decodeAlarms (alarm: number): DecodedFlags {
  return decode(alarm, ALARM_BITS, 0)
}

/** The bit of a named EXC condition, for the simulator. */
export function exceptionBit (condition: string): number {
  const entry = EXCEPTION_BITS.find(([, name]) => name === condition)
  if (entry === undefined) throw new Error(`no Masimo EXC bit is named ${condition}`)
  return entry[0]
}
