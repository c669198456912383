// Round-trip time, jitter and loss of one network path from its probe samples. Pure.
//
// Jitter is RFC 3550's interarrival jitter (§6.4.1): for two packets i and j,
// D(i,j) = (Rj − Ri) − (Sj − Si), the change in transit time; S and R may be read on different
// clocks, since their offset cancels out. We take D between consecutive answered packets of one
// burst (in send order) and report the mean of |D| over a window. That is the quantity RFC 3550's
// running filter J += (|D| − J)/16 estimates, but over a window a reading can name ("the last 15 s",
// as Microsoft's Teams targets are stated) instead of a filter's memory.
// With the hub's echo, which stamps arrival and departure, D is computed for each direction on its
// own (upstream: our send → hub arrival; downstream: hub departure → our arrival). A target that
// only answers (STUN) gives round-trip times, so its jitter is the |D| of round-trip times.

export interface ProbeSample {
  /** When it was sent, on the gateway clock (ms since epoch): decides the window it falls in. */
  at: number
  /** The burst it was sent in; jitter pairs never span two bursts. */
  burst: number
  seq: number
  /** Round trip without the time the echo held it; null when no answer came in time (lost). */
  rttMs: number | null
  /** Transit upstream / downstream, each up to an unknown constant; null without echo timestamps. */
  upMs: number | null
  downMs: number | null
  /** Answered, but stamped while our own event loop was stalled: counts for loss, not for times. */
  stalled?: boolean
}

export interface PathStats {
  rttMs: number | null
  /** The worse direction when both are known, else the round-trip jitter. */
  jitterMs: number | null
  jitterUpMs: number | null
  jitterDownMs: number | null
  lossPct: number | null
  /** Probes sent and lost within the loss window. */
  sent: number
  lost: number
}

export interface WindowOptions {
  now: number
  /** Round-trip time and jitter are taken over this window (Teams states its targets per 15 s). */
  rttWindowMs: number
  /** Loss is taken over this (longer) window, so that one lost probe is not already 1 %. */
  lossWindowMs: number
}

export function pathStats (samples: readonly ProbeSample[], o: WindowOptions): PathStats {
  const recent = samples.filter((s) => s.at > o.now - o.rttWindowMs && s.at <= o.now)
  const answered = recent.filter((s) => s.rttMs !== null && s.stalled !== true)
  const rttMs = answered.length === 0 ? null : mean(answered.map((s) => s.rttMs as number))

  const jitterUpMs = meanAbsDelta(recent, (s) => s.upMs)
  const jitterDownMs = meanAbsDelta(recent, (s) => s.downMs)
  const jitterMs = jitterUpMs !== null && jitterDownMs !== null
    ? Math.max(jitterUpMs, jitterDownMs)
    : meanAbsDelta(recent, (s) => s.rttMs)

  const forLoss = samples.filter((s) => s.at > o.now - o.lossWindowMs && s.at <= o.now)
  const lost = forLoss.filter((s) => s.rttMs === null).length
  return {
    rttMs,
    jitterMs,
    jitterUpMs,
    jitterDownMs,
    lossPct: forLoss.length === 0 ? null : (100 * lost) / forLoss.length,
    sent: forLoss.length,
    lost
  }
}

/** Mean |D| over consecutive answered samples of each burst, in send order; null without a pair. */
export function meanAbsDelta (samples: readonly ProbeSample[], transit: (s: ProbeSample) => number | null): number | null {
  const bursts = new Map<number, ProbeSample[]>()
  for (const s of samples) {
    if (s.rttMs === null || s.stalled === true || transit(s) === null) continue
    const list = bursts.get(s.burst) ?? []
    list.push(s)
    bursts.set(s.burst, list)
  }
  let sum = 0
  let pairs = 0
  for (const list of bursts.values()) {
    list.sort((a, b) => a.seq - b.seq)
    for (let k = 1; k < list.length; k++) {
      sum += Math.abs((transit(list[k]!) as number) - (transit(list[k - 1]!) as number))
      pairs++
    }
  }
  return pairs === 0 ? null : sum / pairs
}

export function mean (values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}

/** Keeps only the samples a window can still need. */
export function pruneSamples<T extends { at: number }> (samples: T[], now: number, keepMs: number): T[] {
  const from = now - keepMs
  let i = 0
  while (i < samples.length && samples[i]!.at <= from) i++
  return i === 0 ? samples : samples.slice(i)
}
