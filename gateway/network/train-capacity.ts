// The capacity of a link from how a packet train spreads out on it (packet dispersion): packets sent
// back-to-back leave the narrowest link one packet-time apart, so bytes over the time they took to
// arrive is that link's rate. Only the train's second half is used: a shaper's token bucket lets
// its first burst through at line rate, and the packets after it show the shaped rate. Pure.
//
// This is an estimate from ~30 kB every few seconds, cheap enough to run in every probe cycle and
// during a consultation. It sees a rate drop at once, but it over-reads a shaper whose burst
// allowance is larger than half the train, and cross traffic makes it read low; the throughput test
// (throughput-probe.ts) is the measurement, and the monitor uses the train to notice change.

export interface TrainArrival {
  seq: number
  /** Arrival time in ms on one monotonic clock. */
  atMs: number
  /** UDP payload bytes. */
  bytes: number
}

/** What a datagram costs an IPv4 link besides its payload: the IP (20) and UDP (8) headers. */
export const UDP_IPV4_OVERHEAD_BYTES = 28

/** Arrivals closer together than this cannot be told apart by a timer in an event loop. */
const MIN_SPAN_MS = 0.3

export interface TrainOptions {
  overheadBytes?: number
  /** Fewer packets than this in the tail give no estimate (default 4). */
  minTailPackets?: number
}

/** Mbit/s at the IP layer, or null when too few packets came or they came too fast to time. */
export function trainCapacityMbps (arrivals: readonly TrainArrival[], o: TrainOptions = {}): number | null {
  const overhead = o.overheadBytes ?? UDP_IPV4_OVERHEAD_BYTES
  const minTail = o.minTailPackets ?? 4
  if (arrivals.length < minTail) return null
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs)
  const start = Math.min(Math.floor(sorted.length / 2), sorted.length - minTail)
  const tail = sorted.slice(start)
  const span = tail[tail.length - 1]!.atMs - tail[0]!.atMs
  if (span < MIN_SPAN_MS) return null
  // The first tail packet only marks the start; the bytes after it are what the span carried.
  const bytes = tail.slice(1).reduce((sum, a) => sum + a.bytes + overhead, 0)
  return (bytes * 8) / (span * 1000)
}
