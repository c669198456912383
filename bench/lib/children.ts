// Parts under measurement run in processes of their own (a hub, a gateway, a fleet of virtual
// gateways), so that each one's CPU and memory can be read from the kernel and one cannot slow the
// other's event loop. A child is a module under bench/processes/ speaking a tiny IPC protocol
// (child-runtime.ts): it gets its input from a JSON file, says `ready`, and answers requests.
// It runs either through tsx (tests: no build step) or as an esbuild bundle of plain JavaScript
// (benchmarks: what runs in production is compiled too, and tsx's own memory is not ours).
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectFile } from '../../protocol/project-files.js'
import { bundle } from './bundle.js'

export interface Teardown { teardown: (fn: () => unknown) => void }

export type ChildMode = 'tsx' | 'bundle'

export interface ChildHandle<Ready> {
  readonly pid: number
  readonly ready: Ready
  readonly child: ChildProcess
  /** Sends a request to the child's handler `type`; rejects with the child's error. */
  request: <T = unknown>(type: string, payload?: unknown, timeoutMs?: number) => Promise<T>
  /** SIGTERM (the child stops cleanly), SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>
  /** kill -9, as a crash or a power cut does. */
  kill9: () => Promise<void>
  /** Resolves when the child has exited. */
  readonly exited: Promise<void>
  /** Its stderr and stdout so far (last 20 kB), for failure messages. */
  output: () => string
}

interface Reply { id: number, result?: unknown, error?: string }

export async function startChild<Ready> (t: Teardown, name: string, input: unknown, options: { mode?: ChildMode, env?: NodeJS.ProcessEnv, readyTimeoutMs?: number, nodeArgs?: string[] } = {}): Promise<ChildHandle<Ready>> {
  const mode = options.mode ?? 'tsx'
  const source = projectFile('bench', 'processes', `${name}.ts`)
  const script = mode === 'bundle' ? await bundle(source) : source
  const dir = mkdtempSync(join(tmpdir(), `helserom-${name}-`))
  const inputFile = join(dir, 'input.json')
  writeFileSync(inputFile, JSON.stringify(input))
  const child = fork(script, [inputFile], {
    // HELSEROM_BENCH_NODE_ARGS adds node flags to every child, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof
    // (node refuses --cpu-prof in NODE_OPTIONS)
    execArgv: [...(mode === 'tsx' ? ['--import', 'tsx'] : []), ...(options.nodeArgs ?? []), ...(process.env.HELSEROM_BENCH_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-20_000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  let nextId = 1
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`))
    else waiter.resolve(message.result)
  })
  void exited.then(() => {
    for (const w of pending.values()) w.reject(new Error(`${name} exited (${String(child.exitCode ?? child.signalCode)}): ${output.slice(-2000)}`))
    pending.clear()
  })

  const request = async <T>(type: string, payload?: unknown, timeoutMs = 60_000): Promise<T> => {
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) throw new Error(`${name} is not running`)
    const id = nextId++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { pending.delete(id); reject(new Error(`${name}: no answer to ${type} within ${timeoutMs} ms`)) }, timeoutMs)
      pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v as T) }, reject: (e) => { clearTimeout(timer); reject(e) } })
      child.send({ id, type, payload })
    })
  }

  const running = (): boolean => child.exitCode === null && child.signalCode === null
  const stop = async (graceMs = 5000): Promise<void> => {
    if (!running()) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
  const kill9 = async (): Promise<void> => {
    if (!running()) return
    child.kill('SIGKILL')
    await exited
  }
  t.teardown(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const ready = await request<Ready>('ready', undefined, options.readyTimeoutMs ?? 60_000)
  return { pid: child.pid!, ready, child, request, stop, kill9, exited, output: () => output }
}
