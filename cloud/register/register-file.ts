// The register on disk: `<dataDir>/register.json`, one JSON document holding what drivers reported
// and what IT edited (the config's part is read from the config at every start, never stored).
// Written whole through a temporary file, fsync and rename, so a crash leaves the old or the new
// file, never half of one; writes are serialised and coalesced (a burst of changes is one write).
// A register of a region's rooms is a few hundred entries: small enough to write whole.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { StoredEntry } from './entry.js'

export interface RegisterDocument {
  version: 1
  entries: StoredEntry[]
}

export class RegisterFile {
  private writing: Promise<void> | null = null
  private pending: (() => RegisterDocument) | null = null

  constructor (readonly path: string, private readonly options: { fsync?: boolean } = {}) {}

  /** The stored entries; none when the file does not exist yet. Throws on a file it cannot read (rather than overwrite it). */
  load (): StoredEntry[] {
    if (!existsSync(this.path)) return []
    const text = readFileSync(this.path, 'utf8')
    let doc: Partial<RegisterDocument>
    try {
      doc = JSON.parse(text) as Partial<RegisterDocument>
    } catch (err) {
      throw new Error(`${this.path} is not valid JSON (${(err as Error).message}); move it aside to start an empty register`)
    }
    if (doc.version !== 1 || !Array.isArray(doc.entries)) throw new Error(`${this.path} is not a register file of version 1`)
    return doc.entries.filter((e) => typeof e?.room === 'string' && typeof e.id === 'string' && typeof e.item === 'string').map(normalise)
  }

  /**
   * Writes the document `snapshot()` returns; resolves once it is on disk. Calls during a write are
   * coalesced into one more write of the latest snapshot.
   */
  async save (snapshot: () => RegisterDocument): Promise<void> {
    this.pending = snapshot
    while (this.writing !== null) await this.writing
    if (this.pending === null) return // another caller's write already took our snapshot
    const take = this.pending
    this.pending = null
    this.writing = (async () => { this.writeNow(take()) })().finally(() => { this.writing = null })
    await this.writing
  }

  private writeNow (doc: RegisterDocument): void {
    const tmp = `${this.path}.tmp`
    try {
      writeFileSync(tmp, JSON.stringify(doc, null, 1) + '\n')
      if (this.options.fsync !== false) {
        const fd = openSync(tmp, 'r')
        try { fsyncSync(fd) } finally { closeSync(fd) }
      }
      renameSync(tmp, this.path)
    } catch (err) {
      rmSync(tmp, { force: true })
      throw err
    }
  }
}

function normalise (e: StoredEntry): StoredEntry {
  return {
    room: e.room,
    item: e.item,
    id: e.id,
    device: e.device ?? null,
    reported: e.reported ?? {},
    edits: e.edits ?? {},
    expect: e.expect ?? {},
    firstSeen: e.firstSeen ?? null,
    lastSeen: e.lastSeen ?? null,
    changes: Array.isArray(e.changes) ? e.changes : []
  }
}
