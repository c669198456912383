// The InfluxDB store's outage buffer: batches that could not be written wait here, on disk, in the
// order they were accepted, until InfluxDB takes them. It survives a hub restart and is bounded: past
// `maxBytes` the oldest batches are dropped, and the caller counts them.
//
// Layout in `dir`: segment files `seg-<n>.log` of records `<points>\t<JSON array of points>\n`, and
// `cursor.json` naming the first record not yet delivered (segment and byte offset), replaced
// atomically (write, rename) after every delivery. A segment wholly before the cursor is deleted.
// On start every segment is scanned once to rebuild the index; a record torn by a crash is cut off.
//
// Delivery is at least once: a batch written to InfluxDB just before a crash, whose cursor update was
// lost, is sent again. InfluxDB keeps one point per (series, time), so the repeat changes nothing.
//
// File I/O is synchronous: records are appended a few times a second at most (one per batch, only
// while InfluxDB is down or slow), and sync calls keep the index and the files in step without locks.
import { closeSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs'
import { join } from 'node:path'
import type { TelemetryPoint } from './telemetry-store.js'

interface Entry {
  id: number
  seg: number
  offset: number
  length: number
  count: number
  /** Sent from memory while it was also spilled here: skip it, do not send again. */
  delivered: boolean
}

export interface DroppedBatch {
  id: number
  count: number
}

export interface PeekedBatches {
  ids: number[]
  points: TelemetryPoint[]
  /** Points of records at the front that could not be parsed back; they were removed. */
  corruptPoints: number
}

export interface OutageBufferLoad {
  records: number
  points: number
  bytes: number
  /** Records whose header could not be read; skipped. */
  corrupt: number
  tornBytes: number
}

const SEGMENT_RE = /^seg-(\d{12})\.log$/

function segName (seg: number): string {
  return `seg-${String(seg).padStart(12, '0')}.log`
}

export class OutageBuffer {
  private entries: Entry[] = []
  private nextId = 1
  private liveBytes = 0
  private livePoints = 0
  private activeSeg = 0
  private activeSize = 0
  private activeFd: number | null = null
  private readonly segmentBytes: number

  constructor (readonly dir: string, readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 1024) throw new TypeError(`bufferMaxBytes must be an integer of at least 1024, not ${String(maxBytes)}`)
    this.segmentBytes = Math.min(16 << 20, Math.max(64 << 10, Math.floor(maxBytes / 8)))
  }

  get points (): number {
    return this.livePoints
  }

  get bytes (): number {
    return this.liveBytes
  }

  get isEmpty (): boolean {
    return this.entries.length === 0
  }

  /** Reads what a previous run left and opens the last segment for appending. */
  open (): OutageBufferLoad {
    mkdirSync(this.dir, { recursive: true })
    const cursor = this.readCursor()
    const segs = readdirSync(this.dir)
      .map((name) => SEGMENT_RE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
    const load: OutageBufferLoad = { records: 0, points: 0, bytes: 0, corrupt: 0, tornBytes: 0 }
    for (const seg of segs) {
      const path = join(this.dir, segName(seg))
      if (seg < cursor.seg) {
        rmSync(path, { force: true })
        continue
      }
      const data = readFileSync(path)
      let start = 0
      for (;;) {
        const nl = data.indexOf(10, start)
        if (nl === -1) break
        const length = nl - start + 1
        if (!(seg === cursor.seg && start < cursor.offset)) {
          const tab = data.indexOf(9, start)
          const count = tab !== -1 && tab < nl ? Number(data.toString('latin1', start, tab)) : Number.NaN
          if (Number.isSafeInteger(count) && count > 0) {
            this.entries.push({ id: this.nextId++, seg, offset: start, length, count, delivered: false })
            this.liveBytes += length
            this.livePoints += count
          } else {
            load.corrupt++
          }
        }
        start = nl + 1
      }
      if (start < data.length) {
        load.tornBytes += data.length - start
        const fd = openSync(path, 'r+')
        try { ftruncateSync(fd, start) } finally { closeSync(fd) }
      }
      this.activeSeg = seg
      this.activeSize = start
    }
    if (this.activeSeg === 0) {
      this.activeSeg = Math.max(1, cursor.seg)
      this.activeSize = 0
    }
    this.activeFd = openSync(join(this.dir, segName(this.activeSeg)), 'a')
    load.records = this.entries.length
    load.points = this.livePoints
    load.bytes = this.liveBytes
    return load
  }

  /**
   * Appends a batch at the end. Returns the batches dropped from the front to stay within maxBytes
   * (the new one itself when it alone is larger than the bound) and the new batch's id.
   */
  append (points: readonly TelemetryPoint[]): { id: number | null, dropped: DroppedBatch[] } {
    if (this.activeFd === null) throw new Error(`outage buffer ${this.dir} is not open`)
    const record = `${points.length}\t${JSON.stringify(points)}\n`
    const length = Buffer.byteLength(record)
    const dropped: DroppedBatch[] = []
    if (length > this.maxBytes) return { id: null, dropped: [{ id: 0, count: points.length }] }
    while (this.entries.length > 0 && this.liveBytes + length > this.maxBytes) {
      const head = this.entries.shift() as Entry
      this.liveBytes -= head.length
      this.livePoints -= head.count
      dropped.push({ id: head.id, count: head.count })
    }
    if (dropped.length > 0) this.saveCursor()
    if (this.activeSize > 0 && this.activeSize + length > this.segmentBytes) this.roll()
    writeSync(this.activeFd, record)
    const entry: Entry = { id: this.nextId++, seg: this.activeSeg, offset: this.activeSize, length, count: points.length, delivered: false }
    this.entries.push(entry)
    this.activeSize += length
    this.liveBytes += length
    this.livePoints += points.length
    return { id: entry.id, dropped }
  }

  /** Reads batches from the front, up to `maxPoints` in all (at least one batch). Null when empty. */
  peek (maxPoints: number): PeekedBatches | null {
    this.skipDelivered()
    if (this.entries.length === 0) return null
    const ids: number[] = []
    const points: TelemetryPoint[] = []
    let corruptPoints = 0
    const fds = new Map<number, number>()
    try {
      for (let i = 0; i < this.entries.length; i++) {
        const entry = this.entries[i] as Entry
        if (entry.delivered) break
        if (ids.length > 0 && points.length + entry.count > maxPoints) break
        let fd = fds.get(entry.seg)
        if (fd === undefined) {
          fd = openSync(join(this.dir, segName(entry.seg)), 'r')
          fds.set(entry.seg, fd)
        }
        const buf = Buffer.allocUnsafe(entry.length)
        readSync(fd, buf, 0, entry.length, entry.offset)
        const text = buf.toString('utf8')
        let parsed: TelemetryPoint[]
        try {
          parsed = JSON.parse(text.slice(text.indexOf('\t') + 1)) as TelemetryPoint[]
          if (!Array.isArray(parsed)) throw new Error('not an array')
        } catch {
          if (ids.length > 0) break
          // Unreadable at the front: remove it, or it would block everything behind it.
          this.entries.splice(i, 1)
          i--
          this.liveBytes -= entry.length
          this.livePoints -= entry.count
          corruptPoints += entry.count
          this.saveCursor()
          continue
        }
        ids.push(entry.id)
        for (const p of parsed) points.push(p)
      }
    } finally {
      for (const fd of fds.values()) closeSync(fd)
    }
    return { ids, points, corruptPoints }
  }

  /** Removes delivered batches (a prefix of what is left; ids no longer here were dropped meanwhile). */
  ack (ids: readonly number[]): void {
    const done = new Set(ids)
    let removed = false
    while (this.entries.length > 0 && done.has((this.entries[0] as Entry).id)) {
      const head = this.entries.shift() as Entry
      this.liveBytes -= head.length
      this.livePoints -= head.count
      removed = true
    }
    this.skipDelivered(removed)
  }

  /** A batch spilled here was delivered from memory after all: never send it again. */
  markDelivered (id: number): void {
    const entry = this.entries.find((e) => e.id === id)
    if (entry !== undefined) entry.delivered = true
    this.skipDelivered()
  }

  /** fsyncs and closes the active segment. */
  close (): void {
    if (this.activeFd === null) return
    try { fdatasyncSync(this.activeFd) } finally { closeSync(this.activeFd) }
    this.activeFd = null
  }

  private skipDelivered (changed = false): void {
    while (this.entries.length > 0 && (this.entries[0] as Entry).delivered) {
      const head = this.entries.shift() as Entry
      this.liveBytes -= head.length
      this.livePoints -= head.count
      changed = true
    }
    // Emptied: start a fresh segment so the delivered ones are deleted now, not at the next outage.
    if (changed && this.entries.length === 0 && this.activeSize > 0) this.roll()
    if (changed) this.saveCursor()
  }

  private roll (): void {
    if (this.activeFd !== null) {
      fdatasyncSync(this.activeFd)
      closeSync(this.activeFd)
    }
    this.activeSeg++
    this.activeSize = 0
    this.activeFd = openSync(join(this.dir, segName(this.activeSeg)), 'a')
  }

  private readCursor (): { seg: number, offset: number } {
    try {
      const value = JSON.parse(readFileSync(join(this.dir, 'cursor.json'), 'utf8')) as { seg?: unknown, offset?: unknown }
      if (Number.isSafeInteger(value.seg) && Number.isSafeInteger(value.offset)) return { seg: value.seg as number, offset: value.offset as number }
    } catch {}
    return { seg: 0, offset: 0 }
  }

  /** Records where the undelivered records start, then deletes segments wholly before that. */
  private saveCursor (): void {
    const head = this.entries[0]
    const cursor = head !== undefined ? { seg: head.seg, offset: head.offset } : { seg: this.activeSeg, offset: this.activeSize }
    const path = join(this.dir, 'cursor.json')
    writeFileSync(`${path}.tmp`, JSON.stringify(cursor))
    renameSync(`${path}.tmp`, path)
    for (const name of readdirSync(this.dir)) {
      const m = SEGMENT_RE.exec(name)
      if (m !== null && Number(m[1]) < cursor.seg) rmSync(join(this.dir, name), { force: true })
    }
  }
}

/** Size on disk of the buffer's files, for tests and health pages. */
export function outageBufferDiskBytes (dir: string): number {
  let total = 0
  try {
    for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size
  } catch {}
  return total
}
