// De-duplication and loss counting of readings by (room, device, boot, seq) — DESIGN.md, "Wire
// contract": `boot` names a gateway run and `seq` counts up per device within it. A gateway re-sends
// after a crash (its spool replays what it was not sure had arrived), so a repeat must be dropped;
// a gap is a loss, and a missing seq arriving later (out of order, from the spool) is a recovery.
// Pure and bounded: a window of recent seqs per boot, a few boots per device.

export type SequenceVerdict =
  /** Accept it; `lost` readings were skipped just before it. */
  | { kind: 'new', lost: number }
  /** Accept it: it fills a gap that was counted as lost. */
  | { kind: 'recovered' }
  /** Drop it: already received (or too old to tell, which is treated the same). */
  | { kind: 'duplicate' }

interface Track {
  min: number
  max: number
  seen: Set<number>
}

export interface ReadingSequencesOptions {
  /** How many seqs below the highest are remembered per boot. */
  window?: number
  /** How many boots are remembered per device (the live one plus spool replays of older runs). */
  bootsPerDevice?: number
}

export class ReadingSequences {
  private readonly devices = new Map<string, Map<string, Track>>()
  private readonly window: number
  private readonly bootsPerDevice: number

  constructor (options: ReadingSequencesOptions = {}) {
    this.window = options.window ?? 4096
    this.bootsPerDevice = options.bootsPerDevice ?? 8
    if (this.window < 1 || this.bootsPerDevice < 1) throw new TypeError('window and bootsPerDevice must be at least 1')
  }

  check (room: string, device: string, boot: string, seq: number): SequenceVerdict {
    const key = `${room}/${device}`
    let boots = this.devices.get(key)
    if (boots === undefined) {
      boots = new Map()
      this.devices.set(key, boots)
    }
    const track = boots.get(boot)
    if (track === undefined) {
      if (boots.size >= this.bootsPerDevice) {
        const oldest = boots.keys().next().value
        if (oldest !== undefined) boots.delete(oldest)
      }
      boots.set(boot, { min: seq, max: seq, seen: new Set([seq]) })
      return { kind: 'new', lost: 0 }
    }
    // keep the boot most recently heard from at the end, so that eviction takes the stalest
    boots.delete(boot)
    boots.set(boot, track)

    if (seq > track.max) {
      const lost = seq - track.max - 1
      track.max = seq
      track.seen.add(seq)
      this.prune(track)
      return { kind: 'new', lost }
    }
    if (track.seen.has(seq) || seq <= track.max - this.window) return { kind: 'duplicate' }
    track.seen.add(seq)
    if (seq < track.min) {
      track.min = seq // older than anything of this boot we had: not counted as lost before
      return { kind: 'new', lost: 0 }
    }
    return { kind: 'recovered' }
  }

  /** Forgets a room (e.g. removed from the config). */
  forgetRoom (room: string): void {
    for (const key of this.devices.keys()) if (key.startsWith(`${room}/`)) this.devices.delete(key)
  }

  private prune (track: Track): void {
    if (track.seen.size <= 2 * this.window) return
    const floor = track.max - this.window
    for (const s of track.seen) if (s <= floor) track.seen.delete(s)
    if (track.min <= floor) track.min = floor + 1
  }
}
