// A real Redis server for tests: Debian's `redis-server` on a free loopback port, nothing saved to
// disk (no RDB, no AOF; its working folder is a temp folder), stopped at teardown. `stop()` and
// `start()` again reuse the port, so a test can take Redis away and bring it back. It runs under a
// small shell watchdog that also stops it when the test process dies without its teardown (a test
// killed by its timeout), so no redis-server outlives the run on a machine others share.
import { spawnSync } from 'node:child_process'
import { freePort, tempDir, waitFor, type Teardown } from './index.js'
import { portAccepts, spawnServer, which, type SpawnedServer } from './servers.js'

/** Why Redis tests cannot run here, or null when `redis-server` is installed. */
export function redisMissing (): string | null {
  return which('redis-server') === null ? 'redis-server is not installed (apt-get install redis-server)' : null
}

/**
 * Runs "$@" (redis-server and its arguments) and waits: SIGTERM stops it (and waits until it has
 * exited, so its port is free again); so does the test process (HELSEROM_TEST_PID) going away.
 */
const WATCHDOG = `
"$@" &
server=$!
stop() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; exit 0; }
trap stop TERM INT
while kill -0 "$HELSEROM_TEST_PID" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 0.5 & wait $!; done
stop
`

export interface RedisServer {
  port: number
  /** redis://127.0.0.1:PORT */
  url: string
  running: () => boolean
  /** Starts it (again) on the same port; resolves when it answers PING. */
  start: () => Promise<void>
  /** SIGTERM (SIGKILL after 3 s); resolves when the process has exited. */
  stop: () => Promise<void>
  /** Runs one command with redis-cli and returns its output (for looking into what the hub keeps). */
  cli: (...args: string[]) => string
  output: () => string
}

export async function startRedis (t: Teardown): Promise<RedisServer> {
  const binary = which('redis-server')
  if (binary === null) throw new Error('redis-server is not installed (apt-get install redis-server)')
  const port = await freePort()
  const dir = tempDir(t, 'helserom-redis-')
  let server: SpawnedServer | null = null

  const cli = (...args: string[]): string => {
    const cliBinary = which('redis-cli')
    if (cliBinary === null) throw new Error('redis-cli is not installed (it comes with redis-server, package redis-tools)')
    const result = spawnSync(cliBinary, ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 })
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${result.stderr}`)
    return result.stdout.trim()
  }

  const start = async (): Promise<void> => {
    if (server !== null && server.child.exitCode === null && server.child.signalCode === null) return
    server = spawnServer(t, '/bin/sh', ['-c', WATCHDOG, 'redis-watchdog', binary,
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'no',
      '--protected-mode', 'yes',
      '--loglevel', 'warning'
    ], { env: { ...process.env, HELSEROM_TEST_PID: String(process.pid) } })
    const current = server
    await waitFor(`redis-server on port ${port}`, async () => {
      if (current.child.exitCode !== null) throw new Error(`redis-server exited: ${current.output()}`)
      return await portAccepts(port) && cli('PING') === 'PONG'
    }, { timeoutMs: 15_000 })
  }

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => server !== null && server.child.exitCode === null && server.child.signalCode === null,
    start,
    stop: async () => { await server?.stop() },
    cli,
    output: () => server?.output() ?? ''
  }
}
