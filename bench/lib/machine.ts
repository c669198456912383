// The machine a benchmark ran on, printed above every table and stored with the results: figures
// from different machines are not comparable, ratios measured in one run are.
import { cpus, freemem, loadavg, totalmem, hostname, release } from 'node:os'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

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
  /** The commit measured, with `+changes` when the tree had uncommitted changes: figures belong to code. */
  commit: string
}

function commitMeasured (): string {
  const git = (...args: string[]): string | null => {
    const r = spawnSync('git', args, { encoding: 'utf8', timeout: 5000 })
    return r.status === 0 ? r.stdout.trim() : null
  }
  const head = git('rev-parse', '--short=12', 'HEAD')
  if (head === null) return 'unknown (not a git checkout)'
  return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}+changes`
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
    host: hostname(),
    commit: commitMeasured()
  }
}

export function machineLine (m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}; load ${m.loadAtStart.join(' ')} at start; commit ${m.commit}`
}
