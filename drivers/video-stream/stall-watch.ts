// Notices a live HLS stream that stopped moving: the playlist still answers, but its newest segment
// stays the same. Live playlists must add a segment about every target duration (RFC 8216 §6.2.1),
// so the same newest segment for three target durations means the encoder has stopped.
export class StallWatch {
  private key: string | null = null
  private since = 0

  /** Seconds the stream has not moved, when that is past the limit; otherwise null. */
  observe (key: string | undefined, targetDurationS: number | null | undefined, now: number): number | null {
    if (key === undefined) {
      this.key = null
      return null
    }
    if (key !== this.key) {
      this.key = key
      this.since = now
      return null
    }
    const stillS = (now - this.since) / 1000
    const limitS = 3 * Math.max(1, targetDurationS ?? 10)
    return stillS > limitS ? stillS : null
  }
}
