// When to run a throughput test, and which upload/download figure to publish between tests. Pure.
//
// A test runs on a schedule, never while a consultation runs and not just before one starts. In
// between, each cycle's packet train is compared with the train read at the last test: when it has
// moved far enough to change what readiness would say (below or back above 120 % of the profile's
// need), a test runs in that same cycle. Tests started by a change keep a gap (`minGapMs`) from the
// last test, so a flapping link is not tested every cycle; within the gap the train's estimate is
// published at once (marked as the train's), so the light still turns within one probe cycle, and a
// test confirms it as soon as the gap allows. While a consultation runs no test may, so a change the
// train sees for several cycles running is published from the train itself.
// Every cycle's train, scaled to the last test's units, is also the bandwidth trend's point, so a link
// slowly filling up is seen heading for the need between tests.

/** Readiness calls a figure below 120 % of the need "close to the limit" (readiness/evaluate.ts). */
export const NEAR_MIN = 1.2

export interface TestDecisionInput {
  now: number
  sessionRunning: boolean
  /** ms until the next consultation starts, or null if none is near. */
  msToNextSession: number | null
  lastTestAt: number | null
  everyMs: number
  quietBeforeMs: number
  minGapMs: number
  /** The trains say the link changed in a way that matters. */
  changed: boolean
  /** The train can put a figure on that change (else only a test can tell, gap or not). Default true. */
  trainCanTell?: boolean
  /** A figure from the train was published since the last test and waits for a test to confirm it. */
  unconfirmed?: boolean
}

export type TestDecision =
  | { run: true, why: 'first' | 'scheduled' | 'change' | 'confirm' }
  | { run: false, blockedBy: 'consultation' | 'consultation-soon' | 'gap' | null }

export function decideThroughputTest (i: TestDecisionInput): TestDecision {
  if (i.sessionRunning) return { run: false, blockedBy: 'consultation' }
  if (i.msToNextSession !== null && i.msToNextSession < i.quietBeforeMs) return { run: false, blockedBy: 'consultation-soon' }
  if (i.lastTestAt === null) return { run: true, why: 'first' }
  if (i.now - i.lastTestAt >= i.everyMs) return { run: true, why: 'scheduled' }
  if (!i.changed && i.unconfirmed !== true) return { run: false, blockedBy: null }
  if (i.now - i.lastTestAt >= i.minGapMs) return { run: true, why: i.changed ? 'change' : 'confirm' }
  if (i.changed && i.trainCanTell === false) return { run: true, why: 'change' }
  return { run: false, blockedBy: 'gap' }
}

/** One direction's figures: the last test, the train read then, and the train read now. */
export interface DirectionView {
  tested: number | null
  /** Train at the last test; null = too fast to time, undefined = no train then. */
  trainAtTest: number | null | undefined
  /** Train now; null = too fast to time, undefined = no train this cycle. */
  trainNow: number | null | undefined
  /** The profile's need in Mbit/s (0 = none). */
  need: number
}

/**
 * The train's reading now in the last test's units (the test's figure times how the train moved since
 * it), or the train's own reading when there is nothing to scale by (no test yet, or no train timed
 * at the test); undefined without a reading now. The bandwidth trend's point of a cycle.
 */
export function scaledTrain (d: DirectionView): number | undefined {
  if (typeof d.trainNow !== 'number') return undefined
  if (d.tested === null || typeof d.trainAtTest !== 'number' || d.trainAtTest <= 0) return d.trainNow
  return d.tested * (d.trainNow / d.trainAtTest)
}

/**
 * What the train says this direction carries now, in the last test's units: the test's figure while
 * the train reads within `ratio` of what it read then (nothing has changed), the scaled train when it
 * has moved further; undefined when it cannot say (no train now, no test yet). When no train was read
 * at the test (the echo not answering yet), the train's own reading is compared with the test's
 * figure (it reads the IP-layer rate, a little above a test's, well within the ratio). A train too
 * fast to time counts as faster than any figure (Infinity).
 */
export function trainEstimate (d: DirectionView, ratio: number): number | undefined {
  if (d.trainNow === undefined || d.tested === null) return undefined
  const now = d.trainNow ?? Infinity
  const then = d.trainAtTest === undefined ? d.tested : d.trainAtTest ?? Infinity
  const moved = now < then / ratio || now > then * ratio
  if (!moved) return d.tested
  if (then === Infinity) return now // nothing to scale by: the train's own reading
  if (now === Infinity) return Infinity
  return d.tested * (now / then)
}

/**
 * The figure the monitor may publish for an estimate without a test, or undefined when only a test
 * can tell: a train too fast to time says "at least what the last test measured", which is a figure
 * only when that was above the line readiness draws.
 */
export function publishableEstimate (estimate: number, tested: number | null, need: number): number | undefined {
  if (Number.isFinite(estimate)) return estimate
  return tested !== null && tested >= need * NEAR_MIN ? tested : undefined
}

/** Whether an estimate moves the figure across the line readiness draws (120 % of the need). */
export function changeMatters (published: number | null, estimate: number | undefined, need: number): boolean {
  if (estimate === undefined || need <= 0) return false
  const near = need * NEAR_MIN
  const wasShort = published !== null && published < near
  return (estimate < near) !== wasShort
}
