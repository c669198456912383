// Incidents on disk, so that they survive a hub restart: `<dataDir>/incidents.jsonl`, one line per
// change holding the incident's whole snapshot (the last line of an id wins on load). Appends go
// through AppendLog (group commit, fsync per batch). At load the file is compacted — rewritten with
// one line per kept incident, via a temporary file and rename so a crash leaves either the old or
// the new file — when it holds far more lines than incidents, or resolved incidents past retention.
import { renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs'
import { AppendLog, readRecords } from '../audit/append-log.js'
import type { Incident } from './incident.js'

export interface IncidentLogOptions {
  fsync?: boolean
  /** Resolved incidents older than this are dropped at load. */
  retentionMs: number
  clock?: () => number
}

export interface LoadResult {
  incidents: Incident[]
  lines: number
  bad: number
  compacted: boolean
}

export class IncidentLog {
  private log: AppendLog | undefined
  private readonly clock: () => number

  constructor (readonly path: string, private readonly options: IncidentLogOptions) {
    this.clock = options.clock ?? Date.now
  }

  /** Reads the incidents (compacting the file when it is worth it) and opens the file for appending. */
  async load (): Promise<LoadResult> {
    if (this.log !== undefined) throw new Error(`${this.path} is already loaded`)
    const byId = new Map<string, Incident>()
    const { records, bad } = await readRecords<Incident>(this.path, (i) => {
      if (typeof i?.id === 'string' && typeof i.key === 'string' && typeof i.state === 'string') byId.set(i.id, i)
    })
    const cutoff = this.clock() - this.options.retentionMs
    const kept = [...byId.values()].filter((i) => i.state !== 'resolved' || (i.resolvedAt ?? 0) >= cutoff)
    const compacted = bad > 0 || kept.length < byId.size || records > 2 * kept.length + 1000
    if (compacted) rewrite(this.path, kept)
    // an incident is a few KB (texts are clipped, history bounded); the limit only stops a runaway
    this.log = new AppendLog(this.path, { fsync: this.options.fsync ?? true, maxRecordBytes: 256 * 1024 })
    return { incidents: kept, lines: records, bad, compacted }
  }

  /** Appends the incident's current snapshot; resolves once it is written. */
  async save (incident: Incident): Promise<void> {
    if (this.log === undefined) throw new Error(`${this.path} is not loaded yet (call load() first)`)
    await this.log.append(incident)
  }

  async flush (): Promise<void> {
    await this.log?.flush()
  }

  async close (): Promise<void> {
    await this.log?.close()
  }
}

function rewrite (path: string, incidents: readonly Incident[]): void {
  const tmp = `${path}.tmp`
  try {
    writeFileSync(tmp, incidents.map((i) => JSON.stringify(i) + '\n').join(''))
    const fd = openSync(tmp, 'r')
    try { fsyncSync(fd) } finally { closeSync(fd) }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}
