// Memory from /proc/meminfo. MemAvailable (Linux ≥ 3.14) is the kernel's own estimate of what can be
// used without swapping; MemFree alone would call a box with a full page cache "out of memory".
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface MemoryState {
  totalMB: number
  availableMB: number
  availablePct: number
}

/** Parses meminfo text (`MemTotal:  3884192 kB`); null when MemTotal is missing. */
export function parseMeminfo (text: string): MemoryState | null {
  const kb = new Map<string, number>()
  for (const m of text.matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s*kB)?\s*$/gm)) kb.set(m[1] ?? '', Number(m[2]))
  const total = kb.get('MemTotal')
  if (total === undefined || total <= 0) return null
  // Kernels before 3.14 have no MemAvailable: estimate it the way `free` did then.
  const available = kb.get('MemAvailable') ?? ((kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0))
  return {
    totalMB: Math.round(total / 1024),
    availableMB: Math.round(available / 1024),
    availablePct: Math.round((available / total) * 1000) / 10
  }
}

export async function readMemory (procRoot: string): Promise<MemoryState> {
  const text = await readFile(join(procRoot, 'meminfo'), 'utf8')
  const state = parseMeminfo(text)
  if (state === null) throw new Error(`${join(procRoot, 'meminfo')} has no MemTotal line`)
  return state
}
