// The audit log: an append-only record of who did what at the hub — every view of a room's patient
// data, every device command, every incident acknowledgement, and what the hub itself did about
// incidents (opened, notified, resolved). Other features call `record()`; IT reads it through
// GET /api/audit (audit-routes.ts).
//
// Storage: one JSON-lines file per UTC day in `<dataDir>/audit/` (audit-2026-11-24.jsonl), written
// through AppendLog (group commit; fsync policy there). Nothing ever rewrites or deletes a line;
// daily files let operations archive old days without touching the current one, and let a query
// for a time range open only the days it covers. Every entry carries a sequence number that grows
// across files (recovered from the newest file at start), which is also the paging cursor.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import { SLUG_PATTERN } from '../../protocol/topics.js'
import { AppendLog, readRecords } from './append-log.js'

export interface AuditInput {
  /** Who: a user name, or `hub` for what the hub does by itself. */
  actor: string
  /** The actor's role (it, specialist, staff), or `system`. */
  role: string
  /** What, as a dotted lowercase name: view.start, device.command, incident.ack, notify.sent … */
  action: string
  room?: string
  device?: string
  /** Anything else worth keeping (JSON; large details are cut, see MAX_DETAIL_BYTES). */
  detail?: Record<string, unknown>
  /** How it went: ok, failed, denied, or a short code. */
  result?: string
}

export interface AuditEntry extends AuditInput {
  seq: number
  /** ms since epoch, UTC (hub clock). */
  ts: number
}

export interface AuditQuery {
  room?: string
  actor?: string
  /** An exact action (incident.ack) or a prefix ending in "." (incident.). */
  action?: string
  /** ts range, inclusive. */
  from?: number
  to?: number
  /** Only entries with seq below this (the `next` cursor of the previous page). */
  before?: number
  /** Default 100. */
  limit?: number
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[]
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: number | null
}

export interface AuditLogOptions {
  /** Folder of the daily files, usually `<dataDir>/audit`. */
  dir: string
  fsync?: boolean
  clock?: () => number
  log?: Pick<Logger, 'warn' | 'error'>
  /** The hub's metrics registry (helserom_hub_audit_*). */
  registry?: Registry
}

export const ACTION_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)*$'
const actionRe = new RegExp(ACTION_PATTERN)
const slugRe = new RegExp(SLUG_PATTERN)
const FILE_RE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/
const DAY_MS = 86_400_000
/** A detail bigger than this is replaced by a note saying so: the log records acts, not payloads. */
export const MAX_DETAIL_BYTES = 8 * 1024
export const MAX_PAGE = 1000

/** Thrown by record() for input that cannot be a valid entry (a programming error at the caller). */
export class AuditInputError extends TypeError {
  constructor (message: string) {
    super(message)
    this.name = 'AuditInputError'
  }
}

export class AuditLog {
  private seq: number
  private file: { day: string, log: AppendLog } | undefined
  private readonly clock: () => number
  private readonly fsync: boolean
  private readonly written: Counter<'action'> | undefined
  private readonly failed: Counter | undefined
  private closed = false
  private readonly writes = new Set<Promise<unknown>>()

  constructor (private readonly options: AuditLogOptions) {
    if (typeof options.dir !== 'string' || options.dir === '') throw new TypeError('AuditLog needs dir (a folder for the audit files)')
    this.clock = options.clock ?? Date.now
    this.fsync = options.fsync ?? true
    this.seq = lastSeq(options.dir)
    if (options.registry !== undefined) {
      this.written = new Counter({
        name: 'helserom_hub_audit_records_total',
        help: 'audit log entries written, by the first part of their action (view, incident, notify, device …)',
        labelNames: ['action'] as const,
        registers: [options.registry]
      })
      this.failed = new Counter({
        name: 'helserom_hub_audit_write_errors_total',
        help: 'audit log entries that could not be written (see the hub log)',
        registers: [options.registry]
      })
    }
  }

  /**
   * Records an entry and returns it at once; the write completes in the background (await `flush()`
   * for durability, or use `write()`). A failed write is logged and counted, never thrown at the caller.
   */
  record (input: AuditInput): AuditEntry {
    const entry = this.entry(input)
    const p = this.appendEntry(entry).catch((err: unknown) => {
      this.failed?.inc()
      this.options.log?.error({ err, action: entry.action, seq: entry.seq }, 'could not write an audit entry')
    })
    this.writes.add(p)
    void p.finally(() => this.writes.delete(p))
    return entry
  }

  /** As record(), but resolves only once the entry is written (and synced): for acts that must not happen unaudited. */
  async write (input: AuditInput): Promise<AuditEntry> {
    const entry = this.entry(input)
    try {
      await this.appendEntry(entry)
    } catch (err) {
      this.failed?.inc()
      throw err
    }
    return entry
  }

  /** Resolves when every entry recorded so far is written. */
  async flush (): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes])
    await this.file?.log.flush()
  }

  async close (): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    await this.file?.log.close()
    this.file = undefined
  }

  /** A page of entries, newest first, filtered. Reads the daily files that the time range covers. */
  async query (q: AuditQuery = {}): Promise<AuditPage> {
    await this.flush()
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_PAGE)
    const days = this.files().filter(({ day }) => {
      const start = Date.parse(`${day}T00:00:00Z`)
      return (q.to === undefined || start <= q.to) && (q.from === undefined || start + DAY_MS > q.from)
    })
    const found: AuditEntry[] = []
    for (const { path } of days) { // newest day first
      const inDay: AuditEntry[] = []
      await readRecords<AuditEntry>(path, (e) => { if (matches(e, q)) inDay.push(e) })
      inDay.sort((a, b) => b.seq - a.seq)
      found.push(...inDay)
      if (found.length > limit) break
    }
    const entries = found.slice(0, limit)
    return { entries, next: found.length > limit ? entries[entries.length - 1]!.seq : null }
  }

  /** The daily files, newest first. */
  private files (): Array<{ day: string, path: string }> {
    if (!existsSync(this.options.dir)) return []
    return readdirSync(this.options.dir)
      .map((name) => ({ name, m: FILE_RE.exec(name) }))
      .filter((f): f is { name: string, m: RegExpExecArray } => f.m !== null)
      .map((f) => ({ day: f.m[1]!, path: join(this.options.dir, f.name) }))
      .sort((a, b) => (a.day < b.day ? 1 : -1))
  }

  private entry (input: AuditInput): AuditEntry {
    if (this.closed) throw new AuditInputError('the audit log is closed')
    const problem = describeInputProblem(input)
    if (problem !== null) throw new AuditInputError(`invalid audit entry: ${problem}`)
    let detail = input.detail
    if (detail !== undefined) {
      const bytes = Buffer.byteLength(JSON.stringify(detail))
      if (bytes > MAX_DETAIL_BYTES) detail = { cut: true, bytes }
    }
    return {
      seq: ++this.seq,
      ts: this.clock(),
      actor: input.actor,
      role: input.role,
      action: input.action,
      ...(input.room !== undefined ? { room: input.room } : {}),
      ...(input.device !== undefined ? { device: input.device } : {}),
      ...(detail !== undefined ? { detail } : {}),
      ...(input.result !== undefined ? { result: input.result } : {})
    }
  }

  private async appendEntry (entry: AuditEntry): Promise<void> {
    const day = new Date(entry.ts).toISOString().slice(0, 10)
    if (this.file?.day !== day) {
      const previous = this.file
      this.file = { day, log: new AppendLog(join(this.options.dir, `audit-${day}.jsonl`), { fsync: this.fsync }) }
      if (previous !== undefined) void previous.log.close().catch(() => {})
    }
    await this.file.log.append(entry)
    this.written?.inc({ action: entry.action.split('.')[0] ?? entry.action })
  }
}

export function describeInputProblem (input: AuditInput): string | null {
  if (input === null || typeof input !== 'object') return 'not an object'
  if (typeof input.actor !== 'string' || input.actor.length === 0 || input.actor.length > 200) return 'actor must be 1–200 characters'
  if (typeof input.role !== 'string' || input.role.length === 0 || input.role.length > 50) return 'role must be 1–50 characters'
  if (typeof input.action !== 'string' || input.action.length > 80 || !actionRe.test(input.action)) return `action "${String(input.action)}" must be a dotted lowercase name (e.g. incident.ack)`
  if (input.room !== undefined && (typeof input.room !== 'string' || !slugRe.test(input.room))) return 'room must be a slug'
  if (input.device !== undefined && (typeof input.device !== 'string' || !slugRe.test(input.device))) return 'device must be a slug'
  if (input.result !== undefined && (typeof input.result !== 'string' || input.result.length > 200)) return 'result must be at most 200 characters'
  if (input.detail !== undefined && (input.detail === null || typeof input.detail !== 'object' || Array.isArray(input.detail))) return 'detail must be an object'
  return null
}

function matches (e: AuditEntry, q: AuditQuery): boolean {
  if (q.before !== undefined && !(e.seq < q.before)) return false
  if (q.from !== undefined && e.ts < q.from) return false
  if (q.to !== undefined && e.ts > q.to) return false
  if (q.room !== undefined && e.room !== q.room) return false
  if (q.actor !== undefined && e.actor !== q.actor) return false
  if (q.action !== undefined) {
    if (q.action.endsWith('.') ? !e.action.startsWith(q.action) : e.action !== q.action) return false
  }
  return true
}

/** The highest seq in the newest daily file (0 for a new log): read from its tail, not the whole file. */
function lastSeq (dir: string): number {
  if (!existsSync(dir)) return 0
  const newest = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort().reverse()
  for (const name of newest) {
    const path = join(dir, name)
    const size = statSync(path).size
    if (size === 0) continue
    // the last whole lines are in the tail (entries are at most a few KB)
    const text = size <= 256 * 1024 ? readFileSync(path, 'utf8') : readTail(path, size)
    const lines = text.split('\n').filter((l) => l.length > 0).reverse()
    for (const line of lines) {
      try {
        const seq = (JSON.parse(line) as { seq?: unknown }).seq
        if (typeof seq === 'number' && Number.isInteger(seq)) return seq
      } catch {} // a torn or foreign line: look at the one before
    }
  }
  return 0
}

function readTail (path: string, size: number): string {
  const length = Math.min(size, 256 * 1024)
  const buf = Buffer.alloc(length)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, buf, 0, length, size - length)
  } finally {
    closeSync(fd)
  }
  return buf.toString('utf8')
}
