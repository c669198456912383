// CPU and memory of a process as the kernel counts them (/proc/PID/stat and /proc/PID/status), so a
// process we did not write (Mosquitto, Node-RED, influxd) is measured exactly like our own.
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

let ticksPerSecond: number | null = null
function clockTicks (): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** User + system CPU seconds the process has used so far, or null when it is gone. */
export function cpuSeconds (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return (utime + stime) / clockTicks()
  } catch {
    return null
  }
}

/** Resident set size in MiB, or null when the process is gone. */
export function rssMiB (pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? null : Number(m[1]) / 1024
  } catch {
    return null
  }
}

export interface UsageWindow {
  /** Mean CPU over the window, in % of one core. */
  cpuPct: number
  /** Mean and highest RSS sampled over the window (MiB). */
  rssMeanMiB: number
  rssMaxMiB: number
}

/**
 * Samples a set of processes from now until `stop()`: CPU as the difference of their CPU seconds
 * over wall time, RSS every `everyMs`. Processes that exit meanwhile count up to their last sample.
 */
export function measureUsage (pids: readonly number[], everyMs = 500): { stop: () => UsageWindow } {
  const started = performance.now()
  const cpu0 = pids.map((p) => cpuSeconds(p) ?? 0)
  const cpuLast = [...cpu0]
  const rss: number[] = []
  const sample = (): void => {
    let total = 0
    pids.forEach((p, i) => {
      const c = cpuSeconds(p)
      if (c !== null) cpuLast[i] = c
      total += rssMiB(p) ?? 0
    })
    rss.push(total)
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      sample()
      const seconds = (performance.now() - started) / 1000
      const used = cpuLast.reduce((sum, c, i) => sum + (c - cpu0[i]!), 0)
      return {
        cpuPct: (used / seconds) * 100,
        rssMeanMiB: rss.reduce((a, b) => a + b, 0) / rss.length,
        rssMaxMiB: rss.reduce((a, b) => Math.max(a, b), 0)
      }
    }
  }
}
