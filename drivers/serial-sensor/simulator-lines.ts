// What the simulated sensor says, as pure functions: a patient's vital signs drifting in a slow
// random walk, and the lines a Masimo, a Nonin or a generic key=value device prints for them —
// normal, with the probe off, and the garbage a noisy cable produces. Written from the formats the
// parsers document, not from the recorded fixtures.
import { exceptionBit, EXCEPTION_SET_MODE } from './masimo-flags.js'
import type { KvFieldMap } from './kv-line.js'
import type { SerialProtocol } from './protocols.js'

/** mulberry32: a small seeded generator, so a test run can be repeated exactly. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Vitals {
  spo2: number
  pulse: number
  pi: number
  pvi: number
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value))

/** A resting adult: SpO2 95–99 %, pulse 60–90 /min, PI 1–6 %, each moving a little every second. */
export class VitalsWalk {
  private state: Vitals = { spo2: 97, pulse: 72, pi: 3.2, pvi: 14 }

  constructor (private readonly random: () => number) {}

  step (): Vitals {
    const drift = (scale: number): number => (this.random() - 0.5) * 2 * scale
    const s = this.state
    this.state = {
      spo2: clamp(s.spo2 + drift(0.6), 95, 99),
      pulse: clamp(s.pulse + drift(2), 60, 90),
      pi: clamp(s.pi + drift(0.25), 1, 6),
      pvi: clamp(s.pvi + drift(1), 8, 22)
    }
    return this.now()
  }

  now (): Vitals {
    return { ...this.state }
  }
}

const pad = (value: number, width: number): string => String(Math.round(value)).padStart(width, '0')
const two = (n: number): string => String(n).padStart(2, '0')

export interface MasimoLineOptions {
  time: Date
  serial: string
  /** Radical-7 lines carry PVI=. */
  model: 'rad-8' | 'radical-7'
  /** null: the probe is off the patient. */
  vitals: Vitals | null
}

/** A Masimo "ASCII 1" line, without CR LF. */
export function masimoLine ({ time, serial, model, vitals }: MasimoLineOptions): string {
  const stamp = `${two(time.getMonth() + 1)}/${two(time.getDate())}/${two(time.getFullYear() % 100)} ${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}`
  const exc = vitals === null ? exceptionBit('sensor-off-patient') : EXCEPTION_SET_MODE
  const fields = [
    `SN=${serial}`,
    `SPO2=${vitals === null ? '---' : pad(vitals.spo2, 3)}%`,
    `BPM=${vitals === null ? '---' : pad(vitals.pulse, 3)}`,
    `PI=${vitals === null ? '--.--' : vitals.pi.toFixed(2).padStart(5, '0')}%`,
    'SPCO=--.-%',
    'SPMET=--.-%',
    'DESAT=--',
    'PIDELTA=+--',
    ...(model === 'radical-7' ? [`PVI=${vitals === null ? '---' : pad(vitals.pvi, 3)}`] : []),
    'ALARM=0000',
    `EXC=${exc.toString(16).toUpperCase().padStart(6, '0')}`
  ]
  return `${stamp} ${fields.join(' ')}`
}

/** A Nonin real-time line: `SPO2=097 HR=072`, dashes when there is nothing to show. */
export function noninLine (vitals: Vitals | null): string {
  return vitals === null ? 'SPO2=--- HR=---' : `SPO2=${pad(vitals.spo2, 3)} HR=${pad(vitals.pulse, 3)}`
}

/** The field map the simulated generic device needs (kv-line). */
export const SIMULATED_KV_FIELD_MAP: KvFieldMap = {
  SPO2: { name: 'spo2', unit: '%' },
  PR: { name: 'pulse', unit: '/min' },
  PI: { name: 'pi', unit: '%' }
}

export function kvLine (vitals: Vitals | null): string {
  return vitals === null ? 'SPO2=-- PR=-- PI=--' : `SPO2=${Math.round(vitals.spo2)} PR=${Math.round(vitals.pulse)} PI=${vitals.pi.toFixed(2)}`
}

export function sensorLine (protocol: SerialProtocol, options: MasimoLineOptions): string {
  if (protocol === 'nonin-ascii') return noninLine(options.vitals)
  if (protocol === 'kv-line') return kvLine(options.vitals)
  return masimoLine(options)
}

/**
 * A line of the kind a bad connection produces: a line cut short (the start was lost), bytes at the
 * wrong baud rate, a flipped bit in a field, or a stray burst of control bytes.
 */
export function garbageLine (random: () => number, good: string): string {
  const pick = Math.floor(random() * 4)
  if (pick === 0) return good.slice(Math.floor(good.length * (0.3 + random() * 0.5)))
  if (pick === 1) {
    const bytes: number[] = []
    for (let i = 0; i < 20 + Math.floor(random() * 40); i++) bytes.push(0x80 + Math.floor(random() * 0x7f))
    return String.fromCharCode(...bytes)
  }
  if (pick === 2) return good.replace(/=(\d)/, '=$1\x7f:')
  return '\x00\x1b\x7f\x03'
}
