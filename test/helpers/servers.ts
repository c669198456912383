// Real servers for tests, started on free loopback ports and stopped at teardown: Mosquitto and
// socat pseudo-terminal pairs here; each is skipped with a clear message when its binary is absent
// (CI installs them all; see .ci/run).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { freePort, tempDir, waitFor, type Teardown } from './index.js'

/** Absolute path of a program on PATH (also /usr/sbin), or null. */
export function which (program: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin']) {
    const candidate = join(dir, program)
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return null
}

export async function portAccepts (port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ port, host })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

export interface SpawnedServer {
  child: ChildProcess
  /** Output so far, for failure messages. */
  output: () => string
  stop: () => Promise<void>
}

/** Spawns a server process, killed (SIGTERM, then SIGKILL) at teardown. `stdin: 'pipe'` for one that takes commands there. */
export function spawnServer (t: Teardown, command: string, args: string[], options: { cwd?: string, env?: NodeJS.ProcessEnv, stdin?: 'pipe' } = {}): SpawnedServer {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-20_000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  child.on('error', (err) => { output += `\nspawn error: ${err.message}` })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  t.teardown(stop)
  return { child, output: () => output, stop }
}

export interface Mosquitto extends SpawnedServer {
  port: number
  url: string
  /** Starts it again on the same port (after stop), as after a broker restart. */
  restart: () => Promise<Mosquitto>
}

/** A real Mosquitto broker on a free loopback port; anonymous unless `passwordFile` is given. */
export async function startMosquitto (t: Teardown, options: { port?: number, passwordFile?: string, aclFile?: string, persistenceDir?: string } = {}): Promise<Mosquitto> {
  const binary = which('mosquitto')
  if (binary === null) throw new Error('mosquitto is not installed (apt-get install mosquitto; .ci/run does this)')
  const port = options.port ?? await freePort()
  const dir = tempDir(t, 'helserom-mosquitto-')
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    options.passwordFile !== undefined ? `allow_anonymous false\npassword_file ${options.passwordFile}` : 'allow_anonymous true',
    options.aclFile !== undefined ? `acl_file ${options.aclFile}` : '',
    // With a persistence folder, sessions and queued messages survive a broker restart.
    ...(options.persistenceDir !== undefined ? ['persistence true', `persistence_location ${options.persistenceDir}/`, 'autosave_interval 1'] : ['persistence false']),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'max_queued_messages 100000',
    ''
  ].join('\n'))
  const server = spawnServer(t, binary, ['-c', conf])
  await waitFor(`mosquitto on port ${port}`, async () => await portAccepts(port), { timeoutMs: 10_000 })
  return { ...server, port, url: `mqtt://127.0.0.1:${port}`, restart: async () => await startMosquitto(t, { ...options, port }) }
}

export interface PtyPair {
  /** The end the driver opens, as if it were /dev/ttyUSB0. */
  devicePath: string
  /** The end the simulator writes to. */
  simulatorPath: string
  stop: () => Promise<void>
}

/** A pair of linked pseudo-terminals from socat: what one end writes, the other reads. */
export async function socatPtyPair (t: Teardown, dir?: string): Promise<PtyPair> {
  const binary = which('socat')
  if (binary === null) throw new Error('socat is not installed (apt-get install socat; .ci/run does this)')
  const base = dir ?? tempDir(t, 'helserom-pty-')
  const devicePath = join(base, 'ttyDEVICE')
  const simulatorPath = join(base, 'ttySIM')
  const server = spawnServer(t, binary, [
    `pty,raw,echo=0,link=${devicePath}`,
    `pty,raw,echo=0,link=${simulatorPath}`
  ])
  await waitFor('socat pseudo-terminals', () => existsSync(devicePath) && existsSync(simulatorPath), { timeoutMs: 5000 })
  return { devicePath, simulatorPath, stop: server.stop }
}

/** True when a command exists and runs (`program --version` or similar exits 0). */
export function runs (program: string, args: string[] = ['--version']): boolean {
  const result = spawnSync(program, args, { stdio: 'ignore', timeout: 5000 })
  return result.status === 0
}
