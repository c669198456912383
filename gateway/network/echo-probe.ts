// The probe of the path to the hub: small datagrams to the hub's UDP echo, which stamps when each
// arrived and left, so round-trip time is measured without the echo's own delay and jitter per
// direction; and a packet train per cycle, whose spreading gives the capacity of each direction.
import { randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { KIND_PROBE, KIND_TRAIN, MAX_TRAIN_PACKETS, readEchoAnswer, writeEchoQuestion } from '../../protocol/echo-packet.js'
import { trainCapacityMbps, trainIsClumped, type TrainArrival } from './train-capacity.js'
import { UdpRoundTripProbe, sleepUntil, type MatchedAnswer } from './udp-round-trip.js'

export interface TrainResult {
  sent: number
  /** Arrivals at the hub (its clock) and back here (ours). */
  up: TrainArrival[]
  down: TrainArrival[]
  /** null: too fast to time; undefined: the arrivals were clumped by a busy receiver, no reading. */
  upMbps: number | null | undefined
  downMbps: number | null | undefined
}

interface TrainInProgress {
  stream: number
  down: TrainArrival[]
  up: TrainArrival[]
  expected: number
  done: () => void
}

export class EchoProbe extends UdpRoundTripProbe {
  private readonly stream = randomInt(1, 2 ** 31)
  private train_: TrainInProgress | null = null
  /** Whether the echo has ever answered: never means the service is not there (or UDP is blocked). */
  everAnswered = false

  protected question (seq: number, bytes: number, sentPerf: number): { key: string, packet: Buffer } {
    return { key: String(seq), packet: writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: this.stream, seq, sentMs: sentPerf, bytes }) }
  }

  protected match (packet: Buffer, receivedPerf: number): MatchedAnswer | null {
    const a = readEchoAnswer(packet)
    if (a === null || a.kind !== KIND_PROBE || a.stream !== this.stream) return null
    this.everAnswered = true
    return {
      key: String(a.seq),
      heldMs: Math.max(0, a.serverSentMs - a.serverReceivedMs),
      upMs: a.serverReceivedMs - a.sentMs,
      downMs: receivedPerf - a.serverSentMs
    }
  }

  protected override other (packet: Buffer, receivedPerf: number): void {
    const a = readEchoAnswer(packet)
    const train = this.train_
    if (a === null || a.kind !== KIND_TRAIN || train === null || a.stream !== train.stream) return
    this.everAnswered = true
    train.up.push({ seq: a.seq, atMs: a.serverReceivedMs, bytes: packet.length })
    train.down.push({ seq: a.seq, atMs: receivedPerf, bytes: packet.length })
    if (train.down.length >= train.expected) train.done()
  }

  /**
   * Sends `packets` datagrams of `bytes` back-to-back; the echo returns them back-to-back once all
   * are in. Resolves when all are back or `timeoutMs` has passed.
   */
  async train (packets: number, bytes: number, timeoutMs: number): Promise<TrainResult> {
    const n = Math.min(packets, MAX_TRAIN_PACKETS)
    let done = (): void => {}
    const finished = new Promise<void>((resolve) => { done = resolve })
    const train: TrainInProgress = { stream: randomInt(1, 2 ** 31), up: [], down: [], expected: n, done }
    this.train_ = train
    const sentMs = performance.now()
    for (let seq = 0; seq < n; seq++) {
      this.sendRaw(writeEchoQuestion({ kind: KIND_TRAIN, trainLength: n, stream: train.stream, seq, sentMs, bytes }))
    }
    await Promise.race([finished, sleepUntil(performance.now() + timeoutMs)])
    this.train_ = null
    const reading = (arrivals: TrainArrival[]): number | null | undefined => trainIsClumped(arrivals) ? undefined : trainCapacityMbps(arrivals)
    return { sent: n, up: train.up, down: train.down, upMbps: reading(train.up), downMbps: reading(train.down) }
  }
}
