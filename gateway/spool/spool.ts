// StoreAndForwardSpool: a bounded, append-only log on disk of what the gateway must deliver to
// the hub (readings and health changes). Every record is written before it is sent, so a record
// survives an uplink outage and a `kill -9`; the sender acknowledges records as the hub confirms
// them, and only then does the persisted cursor move past them. Delivery is at least once: after
// a crash the few records between the last persisted cursor and the crash are sent again, and
// the hub drops them by (device, boot, seq).
//
// Layout: `seg-<n>.log` files of JSON lines, oldest first, and `cursor.json` = the first record
// not yet acknowledged, with the count of records ever dropped. When the bound is hit the oldest
// segment is dropped and its undelivered records are counted (across restarts), never silently lost.
// A write the disk refuses throws to the caller, and leaves the spool able to write again once the
// disk takes writes again.
import {
  closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync,
  readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync
} from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'

export interface SpoolRecord {
  topic: string
  /** The message, as JSON-able data (it is re-serialised when sent, e.g. to mark it historical). */
  payload: Record<string, unknown>
  qos: 0 | 1
  retain: boolean
  /** When it was appended (ms since epoch). */
  at: number
  /** Appended while the hub was unreachable. */
  offline: boolean
}

export interface SpoolEntry {
  /** Order of reading within this process; acknowledgements refer to it. */
  readonly n: number
  readonly segment: number
  /** Byte offset just past this record in its segment. */
  readonly end: number
  readonly record: SpoolRecord
}

export interface SpoolOptions {
  dir: string
  maxBytes: number
  /** A segment is closed and a new one begun past this size. */
  segmentBytes?: number
  /** Appended data is flushed to the device at least this often (power loss, not kill -9). */
  syncIntervalMs?: number
  /** The cursor is persisted at most this often (a crash re-sends at most this window). */
  cursorIntervalMs?: number
  log?: Logger
  clock?: () => number
}

interface Segment {
  n: number
  bytes: number
  records: number
}

interface Cursor {
  segment: number
  offset: number
}

/** What `cursor.json` holds: the cursor, and what was dropped (kept across restarts, reported to the hub). */
interface CursorFile extends Cursor {
  dropped?: number
  lastDroppedAt?: number
}

const SEGMENT_RE = /^seg-(\d{12})\.log$/
const segmentName = (n: number): string => `seg-${String(n).padStart(12, '0')}.log`
const READ_CHUNK = 1024 * 1024 // larger than any record (payloads are capped far below)

export class StoreAndForwardSpool {
  private readonly segments: Segment[] = []
  private writeFd: number | null = null
  private cursor: Cursor = { segment: 0, offset: 0 }
  /** Records before the cursor in the cursor's segment (to keep the pending count exact). */
  private consumedInCursorSegment = 0
  private readPos: Cursor = { segment: 0, offset: 0 }
  private nextN = 0
  /** Entries handed out and not yet acknowledged, in reading order. */
  private readonly outstanding: Array<{ entry: SpoolEntry, acked: boolean }> = []
  private dirty = false
  private cursorDirty = false
  /** A segment was begun in this process (after that, a full one is never reopened to continue). */
  private rotated = false
  private syncTimer: NodeJS.Timeout | null = null
  private cursorTimer: NodeJS.Timeout | null = null
  private readonly segmentBytes: number
  /** Undelivered records dropped because the bound was hit, ever (persisted; reported, never silent). */
  dropped = 0
  /** When the last of them was dropped (ms since epoch), null if never. */
  lastDroppedAt: number | null = null
  private opened = false
  /** Lines that could not be read back (torn or corrupt), skipped. */
  corrupt = 0
  appended = 0
  acknowledged = 0

  constructor (private readonly options: SpoolOptions) {
    this.segmentBytes = Math.max(4096, Math.min(options.segmentBytes ?? 4 * 1024 * 1024, Math.floor(options.maxBytes / 4)))
  }

  /**
   * Opens the spool and recovers what a previous run left: a torn last line is cut off. Throws when
   * the folder cannot be used; it may be called again later (the disk may have come back).
   */
  open (): this {
    if (this.opened) return this
    this.segments.length = 0
    mkdirSync(this.options.dir, { recursive: true })
    const found = readdirSync(this.options.dir, { withFileTypes: true })
      .filter((e) => e.isFile()) // something else under a segment's name is no segment of ours
      .map((e) => SEGMENT_RE.exec(e.name)).filter((m) => m !== null)
      .map((m) => Number(m[1])).sort((a, b) => a - b)
    for (const n of found) {
      const path = this.path(n)
      const data = readFileSync(path)
      const lastNewline = data.lastIndexOf(0x0a)
      if (lastNewline + 1 < data.length) {
        // A write cut short by a crash or power loss: keep what is whole.
        const fd = openSync(path, 'r+')
        ftruncateSync(fd, lastNewline + 1)
        closeSync(fd)
        this.corrupt++
      }
      this.segments.push({ n, bytes: lastNewline + 1, records: countLines(data, 0, lastNewline + 1) })
    }
    this.cursor = this.readCursor()
    this.normaliseCursor()
    this.readPos = { ...this.cursor }
    const first = this.segments[0]
    if (first !== undefined && first.n === this.cursor.segment) {
      this.consumedInCursorSegment = countLines(readFileSync(this.path(first.n)), 0, this.cursor.offset)
    }
    this.removeConsumedSegments()
    const interval = this.options.syncIntervalMs ?? 1000
    this.syncTimer = setInterval(() => this.sync(), interval)
    this.syncTimer.unref()
    this.opened = true
    return this
  }

  get isOpen (): boolean {
    return this.opened
  }

  /** Records written and not yet acknowledged by the hub. */
  get pending (): number {
    let total = 0
    for (const s of this.segments) total += s.records
    return total - this.consumedInCursorSegment
  }

  get bytes (): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0)
  }

  /** True when everything read so far has been acknowledged and nothing new waits. */
  get drained (): boolean {
    return this.outstanding.length === 0 && this.unreadBytes() === 0
  }

  /**
   * Appends one record; durable against a process crash when this returns. Throws when the disk
   * refuses the write (full, read-only, failing): then nothing was appended, and a later append
   * writes at the same place again.
   */
  append (record: SpoolRecord): void {
    if (!this.opened) throw new Error(`spool ${this.options.dir} is not open`)
    const line = Buffer.from(JSON.stringify(record) + '\n')
    let seg = this.segments.at(-1)
    if (seg === undefined || this.writeFd === null || seg.bytes + line.length > this.segmentBytes) {
      seg = this.rotate()
    }
    const written = writeSync(this.writeFd!, line, 0, line.length, seg.bytes)
    // A full disk may take part of a line; the rest of it would be a torn record. Not counted:
    // the next append writes over it.
    if (written < line.length) throw Object.assign(new Error(`spool: only ${written} of ${line.length} bytes written (disk full?)`), { code: 'ENOSPC' })
    seg.bytes += line.length
    seg.records++
    this.appended++
    this.dirty = true
    this.enforceBound()
  }

  /** Up to `max` records after the last one read, oldest first. */
  read (max: number): SpoolEntry[] {
    const out: SpoolEntry[] = []
    while (out.length < max) {
      const seg = this.segments.find((s) => s.n === this.readPos.segment) ?? this.segments.find((s) => s.n > this.readPos.segment)
      if (seg === undefined) break
      if (seg.n !== this.readPos.segment) this.readPos = { segment: seg.n, offset: 0 }
      if (this.readPos.offset >= seg.bytes) {
        const next = this.segments.find((s) => s.n > seg.n)
        if (next === undefined) break
        this.readPos = { segment: next.n, offset: 0 }
        continue
      }
      const want = Math.min(READ_CHUNK, seg.bytes - this.readPos.offset)
      const buf = Buffer.allocUnsafe(want)
      const fd = openSync(this.path(seg.n), 'r')
      let got: number
      try {
        got = readSync(fd, buf, 0, want, this.readPos.offset)
      } finally {
        closeSync(fd)
      }
      let start = 0
      while (out.length < max) {
        const nl = buf.indexOf(0x0a, start)
        if (nl === -1 || nl >= got) break
        const end = this.readPos.offset + nl + 1
        const record = parseRecord(buf.subarray(start, nl))
        if (record === null) {
          this.corrupt++
          // A corrupt line is acknowledged at once so that it cannot hold the cursor back.
          const entry = { n: this.nextN++, segment: seg.n, end, record: null as unknown as SpoolRecord }
          this.outstanding.push({ entry, acked: true })
        } else {
          const entry: SpoolEntry = { n: this.nextN++, segment: seg.n, end, record }
          this.outstanding.push({ entry, acked: false })
          out.push(entry)
        }
        start = nl + 1
      }
      if (start === 0) break // a line longer than the chunk cannot happen: records are small
      this.readPos = { segment: seg.n, offset: this.readPos.offset + start }
    }
    this.advanceCursor()
    return out
  }

  /** The hub has the record: once every earlier one is acknowledged too, the cursor moves past it. */
  ack (entry: SpoolEntry): void {
    const item = this.outstanding.find((o) => o.entry.n === entry.n)
    if (item === undefined || item.acked) return
    item.acked = true
    this.acknowledged++
    this.advanceCursor()
  }

  /** Forget what was read but not acknowledged: it is read (and sent) again. */
  rewind (): void {
    this.outstanding.length = 0
    this.readPos = { ...this.cursor }
  }

  /** Flushes appended data and the cursor to the device. */
  sync (): void {
    if (this.dirty && this.writeFd !== null) {
      try {
        fdatasyncSync(this.writeFd)
      } catch (err) {
        this.options.log?.warn({ err }, 'spool: fdatasync failed')
      }
      this.dirty = false
    }
    if (this.cursorDirty) this.writeCursor()
  }

  close (): void {
    if (!this.opened) return
    this.opened = false
    if (this.syncTimer !== null) clearInterval(this.syncTimer)
    if (this.cursorTimer !== null) clearTimeout(this.cursorTimer)
    this.syncTimer = null
    this.cursorTimer = null
    this.sync()
    this.writeCursor()
    if (this.writeFd !== null) closeSync(this.writeFd)
    this.writeFd = null
  }

  private path (n: number): string {
    return join(this.options.dir, segmentName(n))
  }

  private unreadBytes (): number {
    let total = 0
    for (const s of this.segments) {
      if (s.n > this.readPos.segment) total += s.bytes
      else if (s.n === this.readPos.segment) total += s.bytes - this.readPos.offset
    }
    return total
  }

  private rotate (): Segment {
    if (this.writeFd !== null) {
      const fd = this.writeFd
      // Forgotten before anything can throw: a closed descriptor's number is soon another file's.
      this.writeFd = null
      try { fdatasyncSync(fd) } catch { /* best effort: the next sync retries */ }
      closeSync(fd)
    }
    const last = this.segments.at(-1)
    // Reopening after a restart continues the last segment if it still has room.
    if (!this.rotated && last !== undefined && last.bytes < this.segmentBytes) {
      this.writeFd = openSync(this.path(last.n), 'r+')
      last.bytes = fstatSync(this.writeFd).size
      return last
    }
    const n = (last?.n ?? this.cursor.segment - 1) + 1
    this.writeFd = openSync(this.path(n), 'w')
    this.rotated = true
    const seg = { n, bytes: 0, records: 0 }
    this.segments.push(seg)
    return seg
  }

  /** Over the bound: drop whole segments, oldest first, counting what had not been delivered. */
  private enforceBound (): void {
    while (this.bytes > this.options.maxBytes && this.segments.length > 1) {
      const oldest = this.segments.shift()!
      const undelivered = oldest.n === this.cursor.segment ? oldest.records - this.consumedInCursorSegment : oldest.records
      this.dropped += undelivered
      if (undelivered > 0) this.lastDroppedAt = (this.options.clock ?? Date.now)()
      this.cursorDirty = true // the drop count is kept with the cursor
      this.options.log?.warn({ segment: oldest.n, dropped: undelivered, maxBytes: this.options.maxBytes }, 'spool full: dropped the oldest undelivered records')
      rmSync(this.path(oldest.n), { force: true })
      const next = this.segments[0]!
      if (this.cursor.segment <= oldest.n) {
        this.cursor = { segment: next.n, offset: 0 }
        this.consumedInCursorSegment = 0
        this.cursorDirty = true
      }
      if (this.readPos.segment <= oldest.n) this.readPos = { segment: next.n, offset: 0 }
      // Acknowledgements for records of the dropped segment no longer matter.
      for (let i = this.outstanding.length - 1; i >= 0; i--) {
        if (this.outstanding[i]!.entry.segment <= oldest.n) this.outstanding.splice(i, 1)
      }
    }
  }

  private advanceCursor (): void {
    let moved = false
    while (this.outstanding.length > 0 && this.outstanding[0]!.acked) {
      const { entry } = this.outstanding.shift()!
      if (entry.segment !== this.cursor.segment) {
        this.cursor = { segment: entry.segment, offset: 0 }
        this.consumedInCursorSegment = 0
      }
      this.cursor = { segment: entry.segment, offset: entry.end }
      this.consumedInCursorSegment++
      moved = true
    }
    if (!moved) return
    this.removeConsumedSegments()
    this.cursorDirty = true
    if (this.cursorTimer === null) {
      this.cursorTimer = setTimeout(() => {
        this.cursorTimer = null
        this.writeCursor()
      }, this.options.cursorIntervalMs ?? 200)
      this.cursorTimer.unref()
    }
  }

  /** Segments wholly before the cursor are delivered: delete them (but never the one being written). */
  private removeConsumedSegments (): void {
    while (this.segments.length > 0) {
      const first = this.segments[0]!
      const current = this.segments.length === 1 && this.writeFd !== null
      const fullyRead = first.n < this.cursor.segment || (first.n === this.cursor.segment && this.cursor.offset >= first.bytes && this.segments.length > 1)
      if (!fullyRead || current) break
      this.segments.shift()
      rmSync(this.path(first.n), { force: true })
      const next = this.segments[0]
      if (next !== undefined && this.cursor.segment < next.n) {
        this.cursor = { segment: next.n, offset: 0 }
        this.consumedInCursorSegment = 0
        this.cursorDirty = true
      }
    }
  }

  private normaliseCursor (): void {
    const first = this.segments[0]
    if (first === undefined) {
      this.cursor = { segment: Math.max(this.cursor.segment, 1), offset: 0 }
      return
    }
    if (this.cursor.segment < first.n) this.cursor = { segment: first.n, offset: 0 }
    const seg = this.segments.find((s) => s.n === this.cursor.segment)
    if (seg === undefined) this.cursor = { segment: first.n, offset: 0 }
    else if (this.cursor.offset > seg.bytes) this.cursor = { segment: seg.n, offset: seg.bytes }
  }

  private readCursor (): Cursor {
    const file = join(this.options.dir, 'cursor.json')
    if (!existsSync(file)) return { segment: 0, offset: 0 }
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as CursorFile
      if (Number.isInteger(c.dropped) && c.dropped! >= 0) this.dropped = c.dropped!
      if (Number.isInteger(c.lastDroppedAt) && c.lastDroppedAt! >= 0) this.lastDroppedAt = c.lastDroppedAt!
      if (Number.isInteger(c.segment) && Number.isInteger(c.offset) && c.offset >= 0) return { segment: c.segment, offset: c.offset }
    } catch { /* a torn cursor: start from the oldest segment (duplicates, never loss) */ }
    this.options.log?.warn({ file }, 'spool: unreadable cursor, replaying from the oldest record')
    return { segment: 0, offset: 0 }
  }

  private writeCursor (): void {
    if (!this.cursorDirty) return
    const file = join(this.options.dir, 'cursor.json')
    const content: CursorFile = {
      ...this.cursor,
      ...(this.dropped > 0 ? { dropped: this.dropped } : {}),
      ...(this.lastDroppedAt !== null ? { lastDroppedAt: this.lastDroppedAt } : {})
    }
    try {
      writeFileSync(file + '.tmp', JSON.stringify(content))
      renameSync(file + '.tmp', file)
      this.cursorDirty = false
    } catch (err) {
      this.options.log?.warn({ err }, 'spool: could not persist the cursor')
    }
  }
}

function countLines (data: Buffer, from: number, to: number): number {
  let n = 0
  for (let i = data.indexOf(0x0a, from); i !== -1 && i < to; i = data.indexOf(0x0a, i + 1)) n++
  return n
}

function parseRecord (line: Buffer): SpoolRecord | null {
  try {
    const r = JSON.parse(line.toString('utf8')) as SpoolRecord
    if (typeof r.topic !== 'string' || typeof r.payload !== 'object' || r.payload === null) return null
    return r
  } catch {
    return null
  }
}

/** Size of a spool folder on disk (for metrics and tests). */
export function spoolDirBytes (dir: string): number {
  if (!existsSync(dir)) return 0
  return readdirSync(dir).filter((f) => SEGMENT_RE.test(f)).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
}
