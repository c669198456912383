// A stack of things to undo, run last-in first-out: the benchmarks' counterpart of tap's
// t.teardown, so the test helpers that start servers (test/helpers/servers.ts) work here too.
export class Cleanup {
  private readonly steps: Array<() => unknown> = []

  teardown (fn: () => unknown): void {
    this.steps.push(fn)
  }

  /** Runs every step, newest first; a failing step is reported and does not stop the others. */
  async run (): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!
      try {
        await step()
      } catch (err) {
        console.error(`  (cleanup step failed: ${(err as Error).message})`)
      }
    }
  }
}

/** Runs `fn` with a fresh Cleanup and always cleans up after it. */
export async function withCleanup<T> (fn: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup()
  try {
    return await fn(cleanup)
  } finally {
    await cleanup.run()
  }
}
