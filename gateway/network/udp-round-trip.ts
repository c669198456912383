// What every UDP probe of a path does: open a socket connected to the target (so only its answers
// reach us), send a burst of small questions spaced like audio packets, match answers to questions,
// and after a timeout call the rest lost. The question and answer formats are the subclass's: the
// hub's echo (echo-probe.ts) or a STUN server (stun-probe.ts).
import { createSocket, type Socket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { performance } from 'node:perf_hooks'
import type { ProbeSample } from './path-stats.js'
import { loopWatch } from './loop-watch.js'
import type { UdpAddress } from './config.js'

export interface BurstOptions {
  /** Burst number: jitter pairs are taken within one burst. */
  burst: number
  /** Gateway clock (ms since epoch) at the start of the burst: places the samples in windows. */
  at: number
  packets: number
  spacingMs: number
  bytes: number
  timeoutMs: number
}

/** What an answer says, once matched to its question. */
export interface MatchedAnswer {
  key: string
  /** Time the far end held the question before answering (0 if it does not say). */
  heldMs: number
  /** Transit each way up to a constant, when the far end stamps its own times. */
  upMs: number | null
  downMs: number | null
}

interface Pending {
  sample: ProbeSample
  sentPerf: number
}

export abstract class UdpRoundTripProbe {
  protected socket: Socket | null = null
  private readonly pending = new Map<string, Pending>()
  /** Bytes we put on the link and took off it (UDP payload + IP/UDP headers): not the room's load. */
  bytesSent = 0
  bytesReceived = 0
  /** Answers whose times were left out because this process stalled when they came. */
  stalledSamples = 0

  constructor (readonly target: UdpAddress) {}

  protected abstract question (seq: number, bytes: number, sentPerf: number): { key: string, packet: Buffer }
  protected abstract match (packet: Buffer, receivedPerf: number): MatchedAnswer | null
  /** Answers that are not round-trip probes (the echo's packet trains). */
  protected other (_packet: Buffer, _receivedPerf: number): void {}

  async open (): Promise<void> {
    if (this.socket !== null) return
    const { address, family } = await lookup(this.target.host)
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' })
    socket.on('message', (packet) => this.onMessage(packet, performance.now()))
    // An ICMP "port unreachable" comes back as ECONNREFUSED on a connected socket: the probes it
    // concerns simply go unanswered (lost), which is what they are.
    socket.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(this.target.port, address, () => { socket.off('error', reject); resolve() })
    }).catch((err: Error) => {
      socket.close()
      throw new Error(`cannot open a UDP socket to ${this.target.host}:${this.target.port}: ${err.message}`)
    })
    this.socket = socket
  }

  /** The local address the probe leaves from: says which interface leads to the target. */
  localAddress (): string | null {
    try { return this.socket?.address().address ?? null } catch { return null }
  }

  close (): void {
    const socket = this.socket
    this.socket = null
    this.pending.clear()
    try { socket?.close() } catch {}
  }

  /**
   * Sends one burst and resolves, after the timeout, with a sample per question (lost ones too).
   * An answer this process may have stamped late because its own event loop stalled is marked
   * `stalled` (loop-watch.ts): it counts as answered, but its times are left out.
   */
  async burst (o: BurstOptions): Promise<ProbeSample[]> {
    const samples: ProbeSample[] = []
    loopWatch.start()
    try {
      await this.sendBurst(o, samples)
      await sleepUntil(performance.now() + o.timeoutMs)
    } finally {
      loopWatch.stop()
    }
    for (const [key, p] of this.pending) if (samples.includes(p.sample)) this.pending.delete(key)
    for (const s of samples) {
      // An answer later than the timeout is as good as lost: video would have dropped it too.
      if (s.rttMs !== null && s.rttMs > o.timeoutMs) { s.rttMs = null; s.upMs = null; s.downMs = null; delete s.stalled }
      if (s.stalled === true) this.stalledSamples++
    }
    return samples
  }

  private async sendBurst (o: BurstOptions, samples: ProbeSample[]): Promise<void> {
    const start = performance.now()
    for (let k = 0; k < o.packets; k++) {
      await sleepUntil(start + k * o.spacingMs)
      if (this.socket === null) break
      const seq = nextSeq()
      const sentPerf = performance.now()
      const { key, packet } = this.question(seq, o.bytes, sentPerf)
      const sample: ProbeSample = { at: o.at + k * o.spacingMs, burst: o.burst, seq, rttMs: null, upMs: null, downMs: null }
      samples.push(sample)
      this.pending.set(key, { sample, sentPerf })
      this.sendRaw(packet)
    }
  }

  protected sendRaw (packet: Buffer): void {
    this.socket?.send(packet, (err) => { if (err === null || err === undefined) this.bytesSent += packet.length + 28 })
  }

  private onMessage (packet: Buffer, receivedPerf: number): void {
    this.bytesReceived += packet.length + 28
    const answer = this.match(packet, receivedPerf)
    if (answer === null) {
      this.other(packet, receivedPerf)
      return
    }
    const p = this.pending.get(answer.key)
    if (p === undefined) return // late, or a duplicate
    this.pending.delete(answer.key)
    p.sample.rttMs = Math.max(0, receivedPerf - p.sentPerf - answer.heldMs)
    p.sample.upMs = answer.upMs
    p.sample.downMs = answer.downMs
    if (loopWatch.stalledAt(receivedPerf)) p.sample.stalled = true
  }
}

let seqCounter = 0
function nextSeq (): number {
  seqCounter = (seqCounter + 1) >>> 0
  return seqCounter
}

export async function sleepUntil (perfMs: number): Promise<void> {
  const wait = perfMs - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}
