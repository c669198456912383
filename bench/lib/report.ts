// What a benchmark returns and how it is shown: each figure beside its peer's, measured in the
// same run, with the ratio ours/peer; printed as a table and written to bench/results/NAME.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectFile } from '../../protocol/project-files.js'
import type { Machine } from './machine.js'
import { round } from './stats.js'

export type Figure = number | string | null

export interface Row {
  figure: string
  unit?: string
  ours: Figure
  peer: Figure
  /** Which way is better, for the reader ('lower' for latency, CPU, memory). */
  better?: 'lower' | 'higher'
}

export interface BenchResult {
  name: string
  title: string
  /** What "ours" and "peer" are in this benchmark. */
  ours: string
  peer: string
  rows: Row[]
  notes: string[]
  /** Raw measurements, kept in the JSON. */
  data?: unknown
  seconds?: number
}

export function ratio (ours: Figure, peer: Figure): number | null {
  if (typeof ours !== 'number' || typeof peer !== 'number' || !Number.isFinite(ours) || !Number.isFinite(peer) || peer === 0) return null
  return ours / peer
}

const show = (f: Figure): string => f === null ? '–' : typeof f === 'number' ? (Number.isFinite(f) ? String(round(f)) : '–') : f

export function formatTable (result: BenchResult): string {
  const header = ['figure', `ours: ${result.ours}`, `peer: ${result.peer}`, 'ours/peer']
  const lines = result.rows.map((r) => {
    const q = ratio(r.ours, r.peer)
    const hint = r.better === undefined ? '' : r.better === 'lower' ? ' (lower is better)' : ' (higher is better)'
    return [`${r.figure}${r.unit !== undefined ? ` [${r.unit}]` : ''}`, show(r.ours), show(r.peer), q === null ? '–' : `${round(q)}×${hint}`]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: string[]): string => '  ' + cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join('  ')
  return [
    `${result.title}${result.seconds !== undefined ? `  (${Math.round(result.seconds)} s)` : ''}`,
    row(header),
    '  ' + widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.map(row),
    ...result.notes.map((n) => `  · ${n}`)
  ].join('\n')
}

export function resultsDir (): string {
  const dir = projectFile('bench', 'results')
  mkdirSync(dir, { recursive: true })
  return dir
}

export function writeResult (result: BenchResult, machine: Machine): string {
  const file = join(resultsDir(), `${result.name}.json`)
  const withRatios = { ...result, rows: result.rows.map((r) => ({ ...r, ratio: ratio(r.ours, r.peer) })) }
  writeFileSync(file, JSON.stringify({ machine, finishedAt: new Date().toISOString(), ...withRatios }, null, 2) + '\n')
  return file
}
