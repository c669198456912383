// A time limit for one step of a probe, tied to the driver's stop: the returned signal aborts when
// the time is up (with a `timeout` ProbeError) or when the parent signal aborts, whichever is first.
// `clear()` must be called when the step is done, so no timer outlives it.
import { ProbeError } from './probe.js'

export interface Deadline {
  signal: AbortSignal
  clear: () => void
}

export function deadline (timeoutMs: number, what: string, parent?: AbortSignal): Deadline {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new ProbeError({ kind: 'timeout', detail: `${what}: no answer within ${timeoutMs} ms` }))
  }, timeoutMs)
  const onParentAbort = (): void => { controller.abort(parent?.reason) }
  if (parent?.aborted === true) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
    }
  }
}

/** Rejects with the signal's reason once it aborts (for racing a step that cannot take a signal). */
export function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new ProbeError({ kind: 'timeout', detail: 'aborted' })
}
