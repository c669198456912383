// An append-only file of JSON lines with group commit: `append(record)` queues the line and returns
// a promise that settles once the line is written (and, with fsync, on disk). One write loop drains
// the queue, so however many records arrive while a write is in progress, they go out in one
// write() and one fdatasync() — the event loop never waits for the disk, and durability costs one
// sync per batch, not one per record. Used by the audit log and the incident log.
//
// fsync policy: with `fsync: true` (the default) a record's promise resolves only after
// fdatasync(), so an acknowledged record survives a power cut. With `fsync: false` it resolves after
// write(): it survives a crash of the hub process (the page cache holds it) but not of the machine.
//
// On open, a last line without its newline (the process died mid-write) is cut off, so the file
// always ends with a whole record.
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { scanLines } from '../store/line-file.js'

export interface AppendLogOptions {
  /** fdatasync after each batch before the records' promises resolve (default true). */
  fsync?: boolean
  /** A single record larger than this is refused (default 64 KiB): one bad caller cannot bloat the log. */
  maxRecordBytes?: number
}

interface Pending {
  line: string
  resolve: () => void
  reject: (err: Error) => void
}

export class AppendLog {
  private handle: Promise<FileHandle> | undefined
  private queue: Pending[] = []
  private writing: Promise<void> | undefined
  private closed = false
  private readonly fsync: boolean
  private readonly maxRecordBytes: number
  /** Bytes in the file (as far as this writer knows). */
  size = 0
  /** Lines appended through this writer. */
  appended = 0

  constructor (readonly path: string, options: AppendLogOptions = {}) {
    this.fsync = options.fsync ?? true
    this.maxRecordBytes = options.maxRecordBytes ?? 64 * 1024
    mkdirSync(dirname(path), { recursive: true })
    this.size = repairTornTail(path)
  }

  /** Queues one record; resolves when it is written (and synced, with fsync). Rejects when closed or too large. */
  async append (record: unknown): Promise<void> {
    if (this.closed) throw new Error(`${this.path} is closed`)
    const line = JSON.stringify(record) + '\n'
    if (Buffer.byteLength(line) > this.maxRecordBytes) throw new RangeError(`a record of ${Buffer.byteLength(line)} bytes is larger than ${this.maxRecordBytes} bytes`)
    return await new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject })
      this.writing ??= this.drain()
    })
  }

  /** Resolves when everything queued so far is written. */
  async flush (): Promise<void> {
    while (this.writing !== undefined) await this.writing
  }

  /** Writes what is queued, then closes the file. Idempotent. */
  async close (): Promise<void> {
    this.closed = true
    await this.flush()
    const handle = this.handle
    this.handle = undefined
    if (handle !== undefined) await (await handle).close()
  }

  private async drain (): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue
        this.queue = []
        try {
          this.handle ??= open(this.path, 'a')
          const fh = await this.handle
          const data = batch.map((p) => p.line).join('')
          await fh.write(data)
          if (this.fsync) await fh.datasync()
          this.size += Buffer.byteLength(data)
          this.appended += batch.length
          for (const p of batch) p.resolve()
        } catch (err) {
          const error = new Error(`could not append to ${this.path}: ${(err as Error).message}`, { cause: err })
          for (const p of batch) p.reject(error)
          // a handle that failed may be broken (disk full, file removed): reopen on the next batch
          const broken = this.handle
          this.handle = undefined
          if (broken !== undefined) await broken.then(async (h) => await h.close()).catch(() => {})
        }
      }
    } finally {
      this.writing = undefined
    }
  }
}

/** Cuts a torn last line; returns the file's size afterwards (0 when it does not exist). */
function repairTornTail (path: string): number {
  if (!existsSync(path)) return 0
  const fd = openSync(path, 'r+')
  try {
    const size = fstatSync(fd).size
    if (size === 0) return 0
    const buf = Buffer.alloc(1)
    // only the last byte matters: a file ending in "\n" has no torn record
    readSync(fd, buf, 0, 1, size - 1)
    if (buf[0] === 10) return size
    // search backwards for the last newline, a chunk at a time
    let keep = 0
    const chunk = Buffer.alloc(64 * 1024)
    for (let end = size; end > 0;) {
      const start = Math.max(0, end - chunk.length)
      readSync(fd, chunk, 0, end - start, start)
      const nl = chunk.subarray(0, end - start).lastIndexOf(10)
      if (nl !== -1) { keep = start + nl + 1; break }
      end = start
    }
    ftruncateSync(fd, keep)
    return keep
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads every whole record of a JSON-lines file in order. Lines that are not JSON are skipped and
 * counted (a record is never half-trusted).
 */
export async function readRecords<T> (path: string, onRecord: (record: T, offset: number) => void): Promise<{ records: number, bad: number }> {
  if (!existsSync(path)) return { records: 0, bad: 0 }
  let records = 0
  let bad = 0
  await scanLines(path, (line, offset) => {
    if (line.length === 0) return
    let value: T
    try {
      value = JSON.parse(line) as T
    } catch {
      bad++
      return
    }
    records++
    onRecord(value, offset)
  })
  return { records, bad }
}
