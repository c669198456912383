// Load average, core count and uptime from /proc and /sys. Load is judged per core: 4.0 on a 4-core
// Pi is busy but fine, on one core it is four times more work than it can do.
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

export interface LoadState {
  load1: number
  load5: number
  load15: number
  cores: number
}

/** `0.08 0.12 0.08 1/86 6291` → the three averages; null when the text is not that. */
export function parseLoadavg (text: string): [number, number, number] | null {
  const parts = text.trim().split(/\s+/).slice(0, 3).map(Number)
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0)) return null
  return parts as [number, number, number]
}

/** `0-3` or `0,2-5` (the kernel's cpu list format) → how many CPUs; null when unreadable. */
export function countCpuList (text: string): number | null {
  let n = 0
  for (const range of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range.trim())
    if (m === null) return null
    n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1
  }
  return n > 0 ? n : null
}

/** `523.54 946.41` → 523.54 s since boot. */
export function parseUptime (text: string): number | null {
  const first = text.trim().split(/\s+/)[0] ?? ''
  if (!/^\d+(\.\d+)?$/.test(first)) return null
  return Number(first)
}

export async function readLoad (procRoot: string, sysRoot: string): Promise<LoadState> {
  const file = join(procRoot, 'loadavg')
  const averages = parseLoadavg(await readFile(file, 'utf8'))
  if (averages === null) throw new Error(`${file} is not a load average`)
  let cores: number | null = null
  try {
    cores = countCpuList(await readFile(join(sysRoot, 'devices', 'system', 'cpu', 'online'), 'utf8'))
  } catch {}
  return { load1: averages[0], load5: averages[1], load15: averages[2], cores: cores ?? availableParallelism() }
}

export async function readUptime (procRoot: string): Promise<number> {
  const file = join(procRoot, 'uptime')
  const s = parseUptime(await readFile(file, 'utf8'))
  if (s === null) throw new Error(`${file} is not an uptime`)
  return s
}
