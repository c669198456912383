// A real InfluxDB 1.x server for tests: `influxd` on two free loopback ports (HTTP and the RPC
// bind-address used for backup/restore), with a generated config that keeps meta, data and WAL in
// a temp folder, reporting off and logging quiet. `stop()` and `start()` again reuse the same ports
// and data, so a test can take the database away and bring it back as in a real outage; `pause()`
// (SIGSTOP) makes it accept connections but never answer, as a hung server does.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor, type Teardown } from '../../helpers/index.js'
import { which } from '../../helpers/servers.js'

/** Why influxd tests cannot run here, or null when the binary is installed. */
export function influxdMissing (): string | null {
  return which('influxd') === null ? 'influxd is not installed (apt-get install influxdb)' : null
}

export interface InfluxdOptions {
  /** Turns on HTTP auth and creates this admin user (the first user may be created without auth). */
  admin?: { username: string, password: string }
  /** How long to wait for /ping after a start. */
  startTimeoutMs?: number
}

export interface Influxd {
  port: number
  rpcPort: number
  /** `http://127.0.0.1:PORT` (no database, no credentials). */
  url: string
  dir: string
  running: () => boolean
  /** Starts influxd (again) on the same ports and data; resolves when /ping answers. */
  start: () => Promise<void>
  /** SIGTERM (SIGKILL after 5 s); resolves when the process has exited. */
  stop: () => Promise<void>
  /** SIGSTOP: the port still accepts connections, but nothing is answered until resume(). */
  pause: () => void
  resume: () => void
  /** The last lines influxd printed, for failure messages. */
  output: () => string
  /** Runs an InfluxQL statement over HTTP (as the admin when there is one) and returns the JSON answer. */
  query: (q: string, db?: string) => Promise<any>
}

function configText (dir: string, port: number, rpcPort: number, auth: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  index-version = "inmem"
  wal-fsync-delay = "0s"
  query-log-enabled = false
  trace-logging-enabled = false

[retention]
  enabled = true

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  auth-enabled = ${auth ? 'true' : 'false'}
  log-enabled = false
  write-tracing = false
  pprof-enabled = false

[logging]
  level = "error"
  suppress-logo = true

[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "1s"
`
}

/** Two distinct free loopback ports. */
async function twoFreePorts (): Promise<[number, number]> {
  const a = await freePort()
  for (;;) {
    const b = await freePort()
    if (b !== a) return [a, b]
  }
}

/**
 * Starts influxd and registers its teardown (stop, then remove the temp folder). Throws when the
 * binary is missing: call influxdMissing() first and skip with its message.
 */
export async function startInfluxd (t: Teardown, options: InfluxdOptions = {}): Promise<Influxd> {
  const binary = which('influxd')
  if (binary === null) throw new Error(influxdMissing() ?? 'influxd missing')
  const [port, rpcPort] = await twoFreePorts()
  const dir = mkdtempSync(join(tmpdir(), 'helserom-influxd-'))
  for (const sub of ['meta', 'data', 'wal']) mkdirSync(join(dir, sub))
  const conf = join(dir, 'influxdb.conf')
  writeFileSync(conf, configText(dir, port, rpcPort, options.admin !== undefined))
  const url = `http://127.0.0.1:${port}`
  const auth = options.admin !== undefined
    ? 'Basic ' + Buffer.from(`${options.admin.username}:${options.admin.password}`).toString('base64')
    : undefined

  let child: ChildProcess | null = null
  let paused = false
  let log = ''
  const keep = (chunk: Buffer): void => { log = (log + chunk.toString()).slice(-20_000) }

  const running = (): boolean => child !== null && child.exitCode === null && child.signalCode === null

  const ping = async (): Promise<boolean> => {
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })
      return res.status === 204
    } catch {
      return false
    }
  }

  const query = async (q: string, db?: string): Promise<any> => {
    const body = new URLSearchParams({ q, epoch: 'ms' })
    if (db !== undefined) body.set('db', db)
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      body,
      headers: auth !== undefined ? { authorization: auth } : {},
      signal: AbortSignal.timeout(10_000)
    })
    const json = await res.json() as any
    if (!res.ok || json.error !== undefined) throw new Error(`influxd ${res.status}: ${JSON.stringify(json)}`)
    const firstError = json.results?.find((r: any) => r.error !== undefined)
    if (firstError !== undefined) throw new Error(`influxd: ${String(firstError.error)}`)
    return json
  }

  let firstStart = true
  const start = async (): Promise<void> => {
    if (running()) return
    const proc = spawn(binary, ['run', '-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    // Should the test process die without its teardown, do not leave influxd behind.
    const orphanGuard = (): void => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL') }
    process.once('exit', orphanGuard)
    proc.once('exit', () => { process.removeListener('exit', orphanGuard) })
    paused = false
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    proc.on('error', (err) => { log += `\nspawn error: ${err.message}` })
    await waitFor(`influxd /ping on ${url}`, async () => {
      if (proc.exitCode !== null) throw new Error(`influxd exited with ${proc.exitCode}: ${log.slice(-2000)}`)
      return await ping()
    }, { timeoutMs: options.startTimeoutMs ?? 30_000, intervalMs: 50 })
    if (firstStart && options.admin !== undefined) {
      // With auth on, InfluxDB 1.x lets the very first admin user be created without credentials.
      const q = `CREATE USER "${options.admin.username}" WITH PASSWORD '${options.admin.password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' WITH ALL PRIVILEGES`
      const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) })
      if (!res.ok) throw new Error(`could not create the influxd admin user: ${res.status} ${await res.text()}`)
    }
    firstStart = false
  }

  const stop = async (): Promise<void> => {
    const proc = child
    if (proc === null || !running()) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    if (paused) proc.kill('SIGCONT')
    paused = false
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  const pause = (): void => {
    if (child !== null && running() && !paused) { child.kill('SIGSTOP'); paused = true }
  }
  const resume = (): void => {
    if (child !== null && running() && paused) { child.kill('SIGCONT'); paused = false }
  }

  // One teardown so the order is certain: the server stops before its folder is removed.
  t.teardown(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  await start()
  return { port, rpcPort, url, dir, running, start, stop, pause, resume, output: () => log, query }
}
