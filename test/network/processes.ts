// Starting the network tests' helper processes — the impairment proxy, the hub's probe services,
// a STUN server — each stopped at teardown, each talking back in JSON lines.
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { freePort, waitFor, type Teardown } from '../helpers/index.js'
import { spawnServer, which, type SpawnedServer } from '../helpers/servers.js'
import type { ShapedLink } from '../helpers/shaped-link.js'
import type { Impairment, ProxyRecord } from './impairment-proxy.js'

const here = import.meta.dirname

interface LineProcess {
  child: ChildProcess
  next: (match: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>
  stop: () => Promise<void>
}

function lineProcess (t: Teardown, command: string, args: string[]): LineProcess {
  const { child, stop } = spawnServer(t, command, args, { stdin: 'pipe' })
  const lines: Array<Record<string, unknown>> = []
  let buffered = ''
  let errors = ''
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buffered += text
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      try { lines.push(JSON.parse(line) as Record<string, unknown>) } catch {}
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (text: string) => { errors = (errors + text).slice(-4000) })
  return {
    child,
    stop,
    next: async (match, timeoutMs = 15_000) => await waitFor(`a line from ${args.join(' ')}${errors !== '' ? ` (stderr: ${errors})` : ''}`, () => {
      const i = lines.findIndex(match)
      return i < 0 ? undefined : lines.splice(i, 1)[0]
    }, { timeoutMs })
  }
}

export interface ImpairmentProxy {
  port: number
  /** What the proxy did, over the bursts numbered in `bursts` (1 = the first since the reset), or all. */
  stats: (bursts?: readonly number[]) => Promise<ProxyRecord>
  reset: () => Promise<void>
  set: (direction: 'up' | 'down', impairment: Impairment) => Promise<void>
}

export async function startImpairmentProxy (t: Teardown, target: { host: string, port: number }, up: Impairment, down: Impairment): Promise<ImpairmentProxy> {
  const spec = (i: Impairment): string => `${i.delayMs},${i.extraMs},${i.lossPct}`
  const p = lineProcess(t, process.execPath, ['--import', 'tsx', join(here, 'impairment-proxy.ts'), '--target', `${target.host}:${target.port}`, '--up', spec(up), '--down', spec(down)])
  const ready = await p.next((l) => l.ready === true)
  return {
    port: ready.port as number,
    stats: async (bursts) => {
      p.child.stdin!.write(bursts === undefined ? 'stats\n' : `stats ${bursts.join(',')}\n`)
      return (await p.next((l) => l.stats !== undefined)).stats as ProxyRecord
    },
    reset: async () => {
      p.child.stdin!.write('reset\n')
      await p.next((l) => l.reset === true)
    },
    set: async (direction, i) => {
      p.child.stdin!.write(`set ${direction} ${spec(i)}\n`)
      await p.next((l) => l.set === direction)
    }
  }
}

/** The hub's UDP echo and HTTP probe routes in a process of their own (in a namespace, if given). */
export async function startHubProbe (t: Teardown, link?: ShapedLink): Promise<{ host: string, port: number }> {
  const host = link?.nsAddress ?? '127.0.0.1'
  const args = ['--import', 'tsx', join(here, 'hub-probe-server.ts'), '--host', host]
  const server: SpawnedServer = link !== undefined ? link.spawn(process.execPath, args) : spawnServer(t, process.execPath, args)
  const port = await waitFor('the hub probe server', () => {
    const m = /"ready":true,"port":(\d+)/.exec(server.output())
    return m === null ? undefined : Number(m[1])
  }, { timeoutMs: 20_000 })
  return { host, port }
}

/**
 * A STUN server on loopback: Debian's `stun-server` (stund) if installed, else coturn's `turnserver`
 * in STUN-only mode. Null when neither is installed.
 */
export async function startStunServer (t: Teardown, only?: 'stund' | 'coturn'): Promise<{ port: number, name: string } | null> {
  const port = await freePort()
  const stund = only === 'coturn' ? null : which('stund')
  if (stund !== null) {
    // stund wants a second address for RFC 3489's CHANGE-REQUEST; all of 127/8 is loopback.
    spawnServer(t, stund, ['-h', '127.0.0.1', '-a', '127.0.0.2', '-p', String(port), '-o', String(port + 1)])
    return { port, name: 'stund (stun-server)' }
  }
  const turnserver = only === 'stund' ? null : which('turnserver')
  if (turnserver !== null) {
    spawnServer(t, turnserver, ['-n', '--stun-only', '--no-cli', '--no-tls', '--no-dtls', '--listening-ip', '127.0.0.1', '-p', String(port), '--log-file', 'stdout', '--no-auth'])
    return { port, name: 'coturn (turnserver --stun-only)' }
  }
  return null
}
