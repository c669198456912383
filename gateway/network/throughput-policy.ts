// When to run a throughput test, and which upload/download figure to publish between tests. Pure.
//
// A test runs on a schedule, never while a consultation runs and not just before one starts. In
// between, each cycle's packet train is compared with the train read at the last test: when it has
// moved far enough to change what readiness would say (below or back above 120 % of the profile's
// need), a test runs in that same cycle, so a link that drops below the need turns the light red
// within one probe cycle and a link that recovers turns it back. While a consultation runs no test
// may, so a drop the train sees for several cycles running is published from the train itself.

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
}

export type TestDecision =
  | { run: true, why: 'first' | 'scheduled' | 'change' }
  | { run: false, blockedBy: 'consultation' | 'consultation-soon' | null }

export function decideThroughputTest (i: TestDecisionInput): TestDecision {
  if (i.sessionRunning) return { run: false, blockedBy: 'consultation' }
  if (i.msToNextSession !== null && i.msToNextSession < i.quietBeforeMs) return { run: false, blockedBy: 'consultation-soon' }
  if (i.lastTestAt === null) return { run: true, why: 'first' }
  if (i.now - i.lastTestAt >= i.everyMs) return { run: true, why: 'scheduled' }
  if (i.changed && i.now - i.lastTestAt >= i.minGapMs) return { run: true, why: 'change' }
  return { run: false, blockedBy: null }
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
 * What the train says this direction carries now, scaled to the last test's units; undefined when
 * it says nothing new. A train too fast to time counts as faster than any figure.
 */
export function trainEstimate (d: DirectionView, ratio: number): number | undefined {
  if (d.trainNow === undefined || d.trainAtTest === undefined || d.tested === null) return undefined
  const now = d.trainNow ?? Infinity
  const then = d.trainAtTest ?? Infinity
  if (now === then) return undefined
  const moved = now < then / ratio || now > then * ratio
  if (!moved) return undefined
  if (then === Infinity) return now // nothing to scale by: the train's own reading
  if (now === Infinity) return Infinity
  return d.tested * (now / then)
}

/** Whether an estimate moves the figure across the line readiness draws (120 % of the need). */
export function changeMatters (published: number | null, estimate: number | undefined, need: number): boolean {
  if (estimate === undefined || need <= 0) return false
  const near = need * NEAR_MIN
  const wasShort = published !== null && published < near
  return (estimate < near) !== wasShort
}
