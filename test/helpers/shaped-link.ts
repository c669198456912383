// A real, shaped network link for tests: a network namespace of our own joined to the test's own
// namespace by a veth pair, each direction limited with the Linux `tbf` qdisc (the kernel here has no
// netem; tbf works). The "hub" side runs in the namespace (`spawn`), the gateway side is the test
// process. Everything — processes in the namespace, the namespace, the veth pair, the qdiscs — is
// removed at teardown. Needs root and `ip netns`; `linkSkipReason()` says why not when it cannot.
import { spawnSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { spawnServer, which, type SpawnedServer } from './servers.js'
import type { Teardown } from './index.js'

export interface Shape {
  /** Gateway → hub (the test process → the namespace), Mbit/s; null: unlimited. */
  upMbps?: number | null
  /** Hub → gateway, Mbit/s; null: unlimited. */
  downMbps?: number | null
}

export interface ShapedLink {
  ns: string
  /** Our end (in the test's namespace) and its address. */
  hostIf: string
  hostAddress: string
  /** The far end, inside the namespace. */
  nsIf: string
  nsAddress: string
  shape: (shape: Shape) => void
  /** Runs a command inside the namespace and returns its stdout; throws on failure. */
  exec: (command: string, args: string[]) => string
  /** Starts a long-running process inside the namespace, stopped at teardown. */
  spawn: (command: string, args: string[], options?: { cwd?: string }) => SpawnedServer
  destroy: () => void
}

function run (command: string, args: string[]): { ok: boolean, out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() }
}

function mustRun (command: string, args: string[]): string {
  const r = run(command, args)
  if (!r.ok) throw new Error(`${command} ${args.join(' ')} failed: ${r.out}`)
  return r.out
}

/** Why shaped-link tests cannot run here, or null when they can. */
export function linkSkipReason (): string | null {
  if (process.getuid?.() !== 0) return 'network namespace tests need root (CI runs them as root)'
  if (which('ip') === null || which('tc') === null) return 'iproute2 (ip, tc) is not installed'
  const probe = `hxprobe${randomInt(1e6)}`
  const add = run('ip', ['netns', 'add', probe])
  if (!add.ok) return `ip netns does not work here: ${add.out}`
  run('ip', ['netns', 'del', probe])
  return null
}

/**
 * The rate as tc writes it, a burst of 4 ms at that rate (at least 4 KB, and above rate/HZ), and a
 * queue of 200 ms, as deep as a DSL or 4G line's: with a shallower one TCP spends the test backing
 * off, and two tools measured one after the other disagree by chance.
 */
function tbfArgs (mbps: number): string[] {
  const bytesPerSecond = (mbps * 1e6) / 8
  const burst = Math.max(4096, Math.ceil(bytesPerSecond * 0.004))
  return ['tbf', 'rate', `${Math.round(mbps * 1000)}kbit`, 'burst', String(burst), 'latency', '200ms']
}

export function createShapedLink (t: Teardown): ShapedLink {
  const id = randomInt(1e6).toString(36)
  const ns = `hxn-${id}`
  const hostIf = `hxg${id}`
  const nsIf = `hxh${id}`
  // A /30 in 10.200.0.0–10.249.255.255 that no interface here uses yet.
  const used = run('ip', ['-o', '-4', 'addr', 'show']).out
  let subnet = ''
  for (let i = 0; i < 50 && subnet === ''; i++) {
    const candidate = `10.${200 + randomInt(50)}.${randomInt(256)}`
    if (!used.includes(`${candidate}.`)) subnet = candidate
  }
  const quad = 4 * randomInt(63)
  const hostAddress = `${subnet}.${quad + 1}`
  const nsAddress = `${subnet}.${quad + 2}`
  let destroyed = false

  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    // Only our own processes can live in a namespace we just made: stop them, then the namespace
    // (which takes its end of the veth pair, and so the pair, with it).
    const pids = run('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter((p) => /^\d+$/.test(p))
    for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL') } catch {} }
    run('ip', ['netns', 'del', ns])
    run('ip', ['link', 'del', hostIf])
  }
  t.teardown(destroy)

  mustRun('ip', ['netns', 'add', ns])
  mustRun('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf])
  mustRun('ip', ['link', 'set', nsIf, 'netns', ns])
  mustRun('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostIf])
  mustRun('ip', ['link', 'set', hostIf, 'up'])
  mustRun('ip', ['-n', ns, 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf])
  mustRun('ip', ['-n', ns, 'link', 'set', nsIf, 'up'])
  mustRun('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])

  const setQdisc = (netns: string | null, dev: string, mbps: number | null | undefined): void => {
    if (mbps === undefined) return
    const prefix = netns === null ? [] : ['-n', netns]
    run('tc', [...prefix, 'qdisc', 'del', 'dev', dev, 'root'])
    if (mbps !== null) mustRun('tc', [...prefix, 'qdisc', 'add', 'dev', dev, 'root', ...tbfArgs(mbps)])
  }

  return {
    ns,
    hostIf,
    hostAddress,
    nsIf,
    nsAddress,
    // Egress shaping: our end's qdisc limits what leaves towards the hub, the far end's what comes back.
    shape: (s) => { setQdisc(null, hostIf, s.upMbps); setQdisc(ns, nsIf, s.downMbps) },
    exec: (command, args) => mustRun('ip', ['netns', 'exec', ns, command, ...args]),
    spawn: (command, args, options = {}) => spawnServer(t, which('ip') ?? 'ip', ['netns', 'exec', ns, command, ...args], options),
    destroy
  }
}

export interface Iperf3Result {
  /** What the receiving end got, Mbit/s (iperf3's sum_received). */
  receivedMbps: number
  sentMbps: number
}

/**
 * Measures the link with iperf3 in the same run: a server in the namespace, the client here.
 * `up` sends gateway → hub, `down` hub → gateway (-R); the first second is omitted (-O 1).
 * Throws when iperf3 is missing or fails.
 */
export async function iperf3 (t: Teardown, link: ShapedLink, direction: 'up' | 'down', seconds: number, port: number): Promise<Iperf3Result> {
  const binary = which('iperf3')
  if (binary === null) throw new Error('iperf3 is not installed (apt-get install iperf3; .ci/run does this)')
  const server = link.spawn(binary, ['-s', '-1', '-B', link.nsAddress, '-p', String(port)])
  const deadline = Date.now() + 5000
  let out = ''
  for (;;) {
    // -O 1: leave TCP's first second out of the figure, as our own test leaves out its start.
    const r = spawnSync(binary, ['-c', link.nsAddress, '-p', String(port), '-t', String(seconds), '-O', '1', '-J', ...(direction === 'down' ? ['-R'] : [])], { encoding: 'utf8', timeout: (seconds + 16) * 1000 })
    out = r.stdout ?? ''
    // iperf3 3.12 exits 0 with an "error" in its JSON when the server is not up yet.
    if (r.status === 0 && !/"error":/.test(out)) break
    if (Date.now() > deadline) throw new Error(`iperf3 failed: ${out.slice(0, 500)} ${server.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await server.stop()
  const end = (JSON.parse(out) as { end?: { sum_received?: { bits_per_second: number }, sum_sent?: { bits_per_second: number } } }).end
  if (end?.sum_received === undefined || end.sum_sent === undefined) throw new Error(`iperf3 gave no result: ${out.slice(0, 800)}`)
  return { receivedMbps: end.sum_received.bits_per_second / 1e6, sentMbps: end.sum_sent.bits_per_second / 1e6 }
}
