// The machine a benchmark ran on, printed above every table and stored with the results: figures
// from different machines are not comparable, ratios measured in one run are.
import { cpus, freemem, loadavg, totalmem, hostname, release } from 'node:os'
import { readFileSync } from 'node:fs'

export interface Machine {
  cpu: string
  cores: number
  ramGiB: number
  node: string
  os: string
  /** Load averages when the run started: others' work on a shared machine shows here. */
  loadAtStart: number[]
  freeRamGiBAtStart: number
  host: string
}

function osName (): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))
    if (m?.[1] !== undefined) return `${m[1]} (Linux ${release()})`
  } catch {}
  return `${process.platform} ${release()}`
}

export function describeMachine (): Machine {
  const list = cpus()
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    os: osName(),
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    freeRamGiBAtStart: Math.round(freemem() / 2 ** 30 * 10) / 10,
    host: hostname()
  }
}

export function machineLine (m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}; load ${m.loadAtStart.join(' ')} at start`
}
