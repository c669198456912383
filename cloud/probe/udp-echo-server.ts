// The hub's UDP echo service for the gateways' network monitor: answers each probe datagram at once
// with the time it arrived and the time it left (so the gateway can tell upstream from downstream
// jitter without synchronised clocks), and holds a packet train until its last packet is in, then
// sends it all back back-to-back (so the gateway can read the downlink's capacity from how the train
// spreads out). It listens on the hub's HTTP port number by default (UDP and TCP ports are separate).
//
// It is an open UDP port on the Internet, so it is built not to be abused: an answer is never
// larger than its question, every source address has a byte budget, trains are bounded in length,
// in hold time and in number, and anything that is not one of our datagrams is dropped unanswered.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import { KIND_PROBE, KIND_TRAIN, MAX_TRAIN_PACKETS, readEchoHeader, stampEchoReply } from '../../protocol/echo-packet.js'

export interface ProbeEchoServerOptions {
  /** Address to listen on (default 0.0.0.0; `::` for IPv6 and IPv4). */
  host?: string
  /** UDP port; pass the hub's HTTP port (config.http.port), which gateways assume. 0 = any free port. */
  port: number
  log?: Logger
  /** Bytes per second one source address may have answered (default 256 KiB/s)… */
  bytesPerSecondPerSource?: number
  /** …with this much at once (default 1 MiB), enough for a probe burst and a train. */
  burstBytesPerSource?: number
  /** How long a train's first packets wait for the rest (default 500 ms); then what came is answered. */
  trainHoldMs?: number
  /** Trains held at once, over all sources (default 256); more are dropped. */
  maxHeldTrains?: number
  /** Monotonic time in ms (default performance.now); only differences matter to the gateway. */
  now?: () => number
}

export interface ProbeEchoStats {
  answered: number
  trains: number
  malformed: number
  rateLimited: number
  trainsDropped: number
}

interface HeldTrain {
  to: RemoteInfo
  packets: Buffer[]
  expected: number
  timer: NodeJS.Timeout
}

/** A per-source token bucket in bytes. */
interface Budget { tokens: number, at: number }

export class ProbeEchoServer {
  private socket: Socket | null = null
  private readonly held = new Map<string, HeldTrain>()
  private readonly budgets = new Map<string, Budget>()
  private sweepTimer: NodeJS.Timeout | null = null
  private readonly now: () => number
  private readonly rate: number
  private readonly burst: number
  private readonly holdMs: number
  private readonly maxHeld: number
  readonly stats: ProbeEchoStats = { answered: 0, trains: 0, malformed: 0, rateLimited: 0, trainsDropped: 0 }

  constructor (private readonly options: ProbeEchoServerOptions) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new TypeError(`ProbeEchoServer: port must be 0–65535 (the hub's HTTP port by default), got ${String(options.port)}`)
    }
    this.now = options.now ?? (() => performance.now())
    this.rate = options.bytesPerSecondPerSource ?? 256 * 1024
    this.burst = options.burstBytesPerSource ?? 1024 * 1024
    this.holdMs = options.trainHoldMs ?? 500
    this.maxHeld = options.maxHeldTrains ?? 256
  }

  /** Starts listening; resolves with the bound address and port. */
  async start (): Promise<{ address: string, port: number }> {
    if (this.socket !== null) throw new Error('ProbeEchoServer is already started')
    const host = this.options.host ?? '0.0.0.0'
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' })
    this.socket = socket
    socket.on('message', (packet, from) => this.onMessage(packet, from))
    socket.on('error', (err) => this.options.log?.warn({ err: err.message }, 'network probe echo: socket error'))
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.options.port, host, () => { socket.off('error', reject); resolve() })
    }).catch((err: Error) => {
      this.socket = null
      socket.close()
      throw new Error(`network probe echo: cannot listen on udp ${host}:${this.options.port}: ${err.message}`)
    })
    this.sweepTimer = setInterval(() => this.sweepBudgets(), 60_000)
    this.sweepTimer.unref()
    const bound = socket.address()
    this.options.log?.info({ address: bound.address, port: bound.port }, 'network probe echo listening (udp)')
    return { address: bound.address, port: bound.port }
  }

  async stop (): Promise<void> {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    for (const train of this.held.values()) clearTimeout(train.timer)
    this.held.clear()
    const socket = this.socket
    this.socket = null
    if (socket !== null) await new Promise<void>((resolve) => socket.close(() => resolve()))
  }

  private onMessage (packet: Buffer, from: RemoteInfo): void {
    const receivedMs = this.now()
    const header = readEchoHeader(packet)
    if (header === null || header.reply) {
      this.stats.malformed++
      return
    }
    if (!this.spend(from.address, packet.length)) {
      this.stats.rateLimited++
      return
    }
    if (header.kind === KIND_PROBE) {
      this.send(stampEchoReply(packet, receivedMs, this.now()), from)
      return
    }
    if (header.kind === KIND_TRAIN) this.onTrainPacket(packet, header.stream, header.trainLength, receivedMs, from)
  }

  private onTrainPacket (packet: Buffer, stream: number, length: number, receivedMs: number, from: RemoteInfo): void {
    if (length < 2 || length > MAX_TRAIN_PACKETS) {
      this.stats.malformed++
      return
    }
    const key = `${from.address}|${from.port}|${stream}`
    let train = this.held.get(key)
    if (train === undefined) {
      if (this.held.size >= this.maxHeld) {
        this.stats.trainsDropped++
        return
      }
      train = { to: from, packets: [], expected: length, timer: setTimeout(() => this.flushTrain(key), this.holdMs) }
      train.timer.unref()
      this.held.set(key, train)
    }
    // The receive time goes in now; the send time when the train leaves.
    packet.writeDoubleBE(receivedMs, 24)
    train.packets.push(packet)
    if (train.packets.length >= train.expected) this.flushTrain(key)
  }

  /** Sends a held train back-to-back, so the downlink alone decides how far apart its packets arrive. */
  private flushTrain (key: string): void {
    const train = this.held.get(key)
    if (train === undefined) return
    this.held.delete(key)
    clearTimeout(train.timer)
    this.stats.trains++
    for (const packet of train.packets) {
      this.send(stampEchoReply(packet, packet.readDoubleBE(24), this.now()), train.to)
    }
  }

  private send (packet: Buffer, to: RemoteInfo): void {
    const socket = this.socket
    if (socket === null) return
    this.stats.answered++
    socket.send(packet, to.port, to.address, (err) => {
      if (err !== null && err !== undefined) this.options.log?.debug({ err: err.message, to: to.address }, 'network probe echo: send failed')
    })
  }

  /** Takes `bytes` from the source's bucket; false when it has used its budget. */
  private spend (address: string, bytes: number): boolean {
    const now = this.now()
    const budget = this.budgets.get(address) ?? { tokens: this.burst, at: now }
    budget.tokens = Math.min(this.burst, budget.tokens + ((now - budget.at) / 1000) * this.rate)
    budget.at = now
    this.budgets.set(address, budget)
    if (budget.tokens < bytes) return false
    budget.tokens -= bytes
    return true
  }

  /** Forgets sources whose bucket has refilled: they are back where a new source starts. */
  private sweepBudgets (): void {
    const now = this.now()
    for (const [address, budget] of this.budgets) {
      if (budget.tokens + ((now - budget.at) / 1000) * this.rate >= this.burst) this.budgets.delete(address)
    }
  }
}
