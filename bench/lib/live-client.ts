// A browser's view of the hub, without the browser: a WebSocket client of /ws (the protocol in
// cloud/http/live-socket.ts) that subscribes to rooms and records what arrives — every live
// reading by (room, device, boot, seq) with its latency from the gateway's timestamp, and every room
// change — so benchmarks and fault tests can count losses and time events where a person sees them.
import WebSocket from 'ws'

export interface LiveReading {
  room: string
  device: string
  reading: { ts: number, boot: string, seq: number, values: Record<string, unknown>, sentAt?: number }
  /** When it arrived: ms since the epoch with sub-millisecond precision. */
  at: number
}

export interface RoomEvent {
  room: string
  part: string
  device?: string
  state: { online: boolean, readiness: { level: string } | null, devices?: Record<string, { state: string }> }
  at: number
}

export interface LiveClientOptions {
  /** ws://host:port/ws of the hub. */
  url: string
  token: string
  rooms?: string[]
  onReading?: (reading: LiveReading) => void
  onRoom?: (event: RoomEvent) => void
}

export class LiveClient {
  /** Distinct readings received: `room/device/boot/seq`. */
  readonly received = new Set<string>()
  duplicates = 0
  messages = 0
  /** Latency samples (ms) of live readings while recording. */
  latencies: number[] = []
  recording = false
  private socket: WebSocket | null = null

  constructor (private readonly options: LiveClientOptions) {}

  async connect (): Promise<void> {
    const socket = new WebSocket(`${this.options.url}?token=${encodeURIComponent(this.options.token)}`)
    this.socket = socket
    socket.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.on('message', (data) => {
        const at = performance.timeOrigin + performance.now()
        this.messages++
        let message: { type: string, [k: string]: unknown }
        try { message = JSON.parse(data.toString()) } catch { return }
        if (message.type === 'snapshot') resolve()
        else if (message.type === 'hello') socket.send(JSON.stringify({ type: 'subscribe', rooms: this.options.rooms ?? ['*'] }))
        else if (message.type === 'reading') this.onReading({ ...(message as unknown as Omit<LiveReading, 'at'>), at })
        else if (message.type === 'room') this.options.onRoom?.({ ...(message as unknown as Omit<RoomEvent, 'at'>), at })
        else if (message.type === 'error') reject(new Error(`hub /ws: ${JSON.stringify(message.error)}`))
      })
    })
  }

  private onReading (r: LiveReading): void {
    const key = `${r.room}/${r.device}/${r.reading.boot}/${r.reading.seq}`
    if (this.received.has(key)) this.duplicates++
    else this.received.add(key)
    // the fleet simulator's readings carry a sub-millisecond send time; a real gateway's only `ts`
    if (this.recording) this.latencies.push(r.at - (r.reading.sentAt ?? r.reading.ts))
    this.options.onReading?.(r)
  }

  /** Distinct readings of `room/device` in `boot`. */
  countOf (room: string, device: string, boot: string): number {
    let n = 0
    const prefix = `${room}/${device}/${boot}/`
    for (const key of this.received) if (key.startsWith(prefix)) n++
    return n
  }

  async close (): Promise<void> {
    const socket = this.socket
    this.socket = null
    if (socket === null || socket.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve())
      socket.close()
      setTimeout(() => { socket.terminate(); resolve() }, 1000).unref()
    })
  }
}
