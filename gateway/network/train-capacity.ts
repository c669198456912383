// The capacity of a link from how a packet train spreads out on it (packet dispersion): packets sent
// back-to-back leave the narrowest link one packet-time apart, so bytes over the time they took to
// arrive is that link's rate. Only the train's second half is used: a shaper's token bucket lets
// its first burst through at line rate, and the packets after it show the shaped rate. Pure.
//
// The rate is the least-squares slope of bytes over arrival time across the tail.
// This is an estimate from ~30 kB every few seconds, cheap enough to run in every probe cycle and
// during a consultation. It sees a rate drop at once, but it over-reads a shaper whose burst
// allowance is larger than half the train, and cross traffic makes it read low; the throughput test
// (throughput-probe.ts) is the measurement, and the monitor uses the train to notice change.

import { linearFit } from '../../protocol/linear-fit.js'

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

function tailOf (arrivals: readonly TrainArrival[], minTail: number): TrainArrival[] {
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs)
  return sorted.slice(Math.max(0, Math.min(Math.floor(sorted.length / 2), sorted.length - minTail)))
}

/** Mbit/s at the IP layer, or null when too few packets came or they came too fast to time. */
export function trainCapacityMbps (arrivals: readonly TrainArrival[], o: TrainOptions = {}): number | null {
  const overhead = o.overheadBytes ?? UDP_IPV4_OVERHEAD_BYTES
  const minTail = o.minTailPackets ?? 4
  if (arrivals.length < minTail) return null
  const tail = tailOf(arrivals, minTail)
  const span = tail[tail.length - 1]!.atMs - tail[0]!.atMs
  if (span < MIN_SPAN_MS) return null
  // The slope of bytes over arrival time, fitted through every tail packet rather than taken from
  // the first and last alone: one packet stamped late by a busy receiver moves it only a little.
  let bytes = 0
  const fit = linearFit(tail.map((a, i) => {
    if (i > 0) bytes += a.bytes + overhead
    return { at: a.atMs, value: bytes }
  }))
  if (fit === null || fit.slope <= 0) return null
  return (fit.slope * 8) / 1000
}

/**
 * Whether the arrival times are clumped: most packets stamped almost together and a few long gaps,
 * which is what a receiver whose event loop was busy writes down (it reads the queued packets in one
 * go), not what a link does (a link spaces them evenly). Such a train says nothing about the link.
 * Test: the median gap of the tail is under a quarter of its mean gap.
 */
export function trainIsClumped (arrivals: readonly TrainArrival[], minTailPackets = 4): boolean {
  if (arrivals.length < minTailPackets) return false
  const tail = tailOf(arrivals, minTailPackets)
  const gaps = tail.slice(1).map((a, i) => a.atMs - tail[i]!.atMs).sort((a, b) => a - b)
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
  const median = gaps[Math.floor(gaps.length / 2)]!
  return mean > 0 && median < 0.25 * mean
}
