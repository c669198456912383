// Waiting helpers for benchmarks: sleep, and waiting until a count stops changing (the end of a
// stream has arrived once nothing more has come for a while).
export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves with the value once `read()` has not changed for `quietMs`, or after `timeoutMs`. */
export async function untilStable (read: () => number | Promise<number>, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let last = await read()
  let since = Date.now()
  while (Date.now() < deadline) {
    await sleep(100)
    const now = await read()
    if (now !== last) { last = now; since = Date.now() } else if (Date.now() - since >= quietMs) return now
  }
  return last
}
