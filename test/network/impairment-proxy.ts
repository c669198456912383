// An impairment proxy for UDP, the ground truth for the network monitor's round-trip time, jitter
// and loss (the kernel here has no netem). It relays datagrams between clients and one target and,
// per direction, delays each by a fixed time plus a uniformly random extra, or drops it with a given
// probability. It records what it actually did — each forwarded datagram's realised delay (measured,
// so timer lateness is included) and each drop — and reports that as the truth to compare with:
//   delay   mean realised delay per direction
//   jitter  mean |Δ realised delay| between consecutive datagrams of a burst (arrivals < 200 ms
//           apart; consecutive in send order, read from our probes' sequence numbers), which is
//           RFC 3550's D for a path whose only variation is this proxy
//   loss    dropped / received
// Run as its own process so its timers do not share an event loop with the code it measures:
//   node --import tsx test/network/impairment-proxy.ts --target 127.0.0.1:PORT --up 40,30,2 --down 20,15,1
// (--up/--down: fixed delay ms, random extra ms (uniform 0…x), loss %). Prints {"ready":true,"port":N};
// on stdin, `stats [1,2,5…]` prints the record (of the bursts numbered, or all) as one JSON line,
// `reset` clears it, `set up|down d,x,l` changes a direction's impairment from then on.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

export interface Impairment { delayMs: number, extraMs: number, lossPct: number }

export interface DirectionRecord {
  /** Bursts seen since the last reset (all of them, whatever `include` chose). */
  bursts: number
  received: number
  dropped: number
  forwarded: number
  meanDelayMs: number | null
  jitterMs: number | null
  pairs: number
}

export interface ProxyRecord { up: DirectionRecord, down: DirectionRecord }

/** Our probe datagrams carry a sequence number ("HXP1" at 0, seq at 12): truth pairs by it. */
function orderOf (packet: Buffer, arrivalIndex: number): number {
  return packet.length >= 40 && packet.readUInt32BE(0) === 0x48585031 ? packet.readUInt32BE(12) : arrivalIndex
}

/** Datagrams further apart than this belong to different bursts (the probe waits ≥ 400 ms between). */
const BURST_GAP_MS = 300

interface Arrival { arrived: number, order: number, delay: number | null }

class Direction {
  private readonly arrivals: Arrival[] = []

  constructor (readonly impairment: Impairment) {}

  /** Decides the datagram's fate; calls `send` after its delay unless it is dropped. */
  pass (packet: Buffer, send: () => void): void {
    const arrival: Arrival = { arrived: performance.now(), order: orderOf(packet, this.arrivals.length), delay: null }
    this.arrivals.push(arrival)
    if (Math.random() * 100 < this.impairment.lossPct) return
    const wait = this.impairment.delayMs + Math.random() * this.impairment.extraMs
    setTimeout(() => {
      send()
      arrival.delay = performance.now() - arrival.arrived
    }, wait)
  }

  /**
   * The record over the bursts numbered in `include` (1 = the first burst since the last reset; all
   * when not given). Jitter as the probe defines it: each burst in send order, |Δ delay| of
   * consecutive forwarded datagrams.
   */
  record (include?: ReadonlySet<number>): DirectionRecord {
    const bursts: Arrival[][] = []
    for (const a of [...this.arrivals].sort((x, y) => x.arrived - y.arrived)) {
      const current = bursts[bursts.length - 1]
      if (current === undefined || a.arrived - current[current.length - 1]!.arrived > BURST_GAP_MS) bursts.push([a])
      else current.push(a)
    }
    const chosen = bursts.filter((_, i) => include === undefined || include.has(i + 1))
    let sum = 0
    let pairs = 0
    const delays: number[] = []
    let received = 0
    for (const burst of chosen) {
      received += burst.length
      const forwarded = burst.filter((a) => a.delay !== null).sort((a, b) => a.order - b.order)
      for (const f of forwarded) delays.push(f.delay!)
      for (let i = 1; i < forwarded.length; i++) { sum += Math.abs(forwarded[i]!.delay! - forwarded[i - 1]!.delay!); pairs++ }
    }
    return {
      bursts: bursts.length,
      received,
      dropped: received - delays.length,
      forwarded: delays.length,
      meanDelayMs: delays.length === 0 ? null : delays.reduce((a, b) => a + b, 0) / delays.length,
      jitterMs: pairs === 0 ? null : sum / pairs,
      pairs
    }
  }
}

function parseImpairment (text: string | undefined): Impairment {
  const [delayMs = 0, extraMs = 0, lossPct = 0] = (text ?? '0,0,0').split(',').map(Number)
  return { delayMs, extraMs, lossPct }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string' }, up: { type: 'string' }, down: { type: 'string' }, port: { type: 'string', default: '0' } } })
  const [targetHost = '127.0.0.1', targetPortText = '0'] = (values.target ?? '').split(/:(?=\d+$)/)
  const targetPort = Number(targetPortText)
  const upImpairment = parseImpairment(values.up)
  const downImpairment = parseImpairment(values.down)
  let up = new Direction(upImpairment)
  let down = new Direction(downImpairment)
  const front = createSocket('udp4')
  const upstreams = new Map<string, Socket>()

  const upstreamFor = (client: RemoteInfo): Socket => {
    const key = `${client.address}:${client.port}`
    let socket = upstreams.get(key)
    if (socket === undefined) {
      const s = createSocket('udp4')
      s.on('message', (packet) => down.pass(packet, () => front.send(packet, client.port, client.address)))
      s.on('error', () => {})
      s.connect(targetPort, targetHost)
      upstreams.set(key, s)
      socket = s
    }
    return socket
  }

  front.on('message', (packet, client) => {
    const upstream = upstreamFor(client)
    up.pass(packet, () => { try { upstream.send(packet) } catch { /* not connected yet: as good as lost */ } })
  })
  await new Promise<void>((resolve) => front.bind(Number(values.port), '127.0.0.1', resolve))
  process.stdout.write(JSON.stringify({ ready: true, port: front.address().port }) + '\n')

  createInterface({ input: process.stdin }).on('line', (line) => {
    const stats = /^stats(?: ([\d,]+))?$/.exec(line.trim())
    if (stats !== null) {
      const include = stats[1] === undefined ? undefined : new Set(stats[1].split(',').map(Number))
      process.stdout.write(JSON.stringify({ stats: { up: up.record(include), down: down.record(include) } }) + '\n')
    }
    const set = /^set (up|down) ([\d.]+,[\d.]+,[\d.]+)$/.exec(line.trim())
    if (set !== null) {
      const impairment = parseImpairment(set[2])
      Object.assign(set[1] === 'up' ? upImpairment : downImpairment, impairment)
      process.stdout.write(JSON.stringify({ set: set[1] }) + '\n')
    }
    if (line.trim() === 'reset') {
      up = new Direction(upImpairment)
      down = new Direction(downImpairment)
      process.stdout.write(JSON.stringify({ reset: true }) + '\n')
    }
  })
  process.stdin.on('end', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
