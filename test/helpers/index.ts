// Small tools every test uses: free loopback ports, temp folders, waiting for a condition, a
// quiet logger. Servers that tests need (Mosquitto, socat, InfluxDB, Redis …) live beside this file.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'

export interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => { typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')) })
    })
  })
}

/** A temp folder removed when the test ends. */
export function tempDir (t: Teardown, prefix = 'helserom-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with `what` in the message so a failing test says what it was waiting for.
 */
export async function waitFor<T> (what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`)
    }
    await sleep(intervalMs)
  }
}

/** A logger for tests: silent unless HELSEROM_TEST_LOG=debug (or another pino level) is set. */
export function testLogger (): Logger {
  return pino({ level: process.env.HELSEROM_TEST_LOG ?? 'silent' })
}
