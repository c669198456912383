// Keeps what the driver has learnt about our presets (token, name, position) in a JSON file in the
// driver's data folder, so a preset lost in a camera reboot can be put back even after the gateway
// itself has restarted. Writes replace the file atomically and run one at a time.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { LearntPreset } from './preset-integrity.js'

const FILE = 'onvif-camera-presets.json'

interface StoredFile {
  version: 1
  presets: Record<string, LearntPreset>
}

function isPosition (v: unknown): v is { x: number, y: number, zoom: number } {
  const p = v as Record<string, unknown>
  return typeof v === 'object' && v !== null && [p.x, p.y, p.zoom].every((n) => typeof n === 'number' && Number.isFinite(n))
}

/** Keeps only well-formed entries: a hand-edited or half-written file must not break the driver. */
function sanitize (raw: unknown): Record<string, LearntPreset> {
  const out: Record<string, LearntPreset> = {}
  const presets = (raw as Partial<StoredFile> | null)?.presets
  if (typeof presets !== 'object' || presets === null) return out
  for (const [name, value] of Object.entries(presets)) {
    const v = value as Partial<LearntPreset> | null
    if (typeof v?.token !== 'string' || typeof v.name !== 'string') continue
    out[name] = { token: v.token, name: v.name, position: isPosition(v.position) ? v.position : null, learntAt: typeof v.learntAt === 'number' ? v.learntAt : 0 }
  }
  return out
}

export class LearntPresetStore {
  private presets: Record<string, LearntPreset> = {}
  private writing: Promise<void> = Promise.resolve()
  private readonly file: string

  constructor (dataDir: string, private readonly log: Logger) {
    this.file = join(dataDir, FILE)
  }

  async load (): Promise<void> {
    try {
      this.presets = sanitize(JSON.parse(await readFile(this.file, 'utf8')))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn({ err, file: this.file }, 'ignoring unreadable learnt-preset file')
      this.presets = {}
    }
  }

  all (): Record<string, LearntPreset> {
    return { ...this.presets }
  }

  get (name: string): LearntPreset | null {
    return this.presets[name] ?? null
  }

  /** Merges changes and writes the file (in the background; `flush()` waits for it). */
  update (changes: Record<string, LearntPreset>): void {
    if (Object.keys(changes).length === 0) return
    this.presets = { ...this.presets, ...changes }
    const snapshot: StoredFile = { version: 1, presets: this.presets }
    this.writing = this.writing.then(async () => {
      const tmp = `${this.file}.${process.pid}.tmp`
      try {
        await mkdir(join(this.file, '..'), { recursive: true })
        await writeFile(tmp, JSON.stringify(snapshot, null, 2) + '\n', 'utf8')
        await rename(tmp, this.file)
      } catch (err) {
        this.log.warn({ err, file: this.file }, 'could not save learnt presets')
      }
    })
  }

  async flush (): Promise<void> {
    await this.writing
  }
}
