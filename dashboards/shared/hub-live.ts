// The hub's /ws for a page: authenticates with its first message (the token never sits in a URL),
// subscribes, reconnects with backoff, and tells the page whether its data is live. The hub pings
// at the WebSocket level, which a browser cannot see, so the page sends {type:'ping'} itself: no
// message of any kind for STALE_AFTER_MS means the data on screen may be old, and the page says so.
import type { HubMessage, ReadingsMessage, RoomView } from './types.js'

export const STALE_AFTER_MS = 25_000
const PING_EVERY_MS = 10_000

export type LiveState = 'connecting' | 'live' | 'stale' | 'unauthorized'

export interface LiveStatus {
  state: LiveState
  /** When the last message arrived (0: never). */
  lastMessageAt: number
  user: { name: string, role: string } | null
  /** The hub's last error message for this page (forbidden, not found …). */
  error: { code: string, message: string } | null
}

export interface HubLiveHandlers {
  onSnapshot: (rooms: RoomView[]) => void
  onRoom: (room: RoomView, part: string, device?: string) => void
  onReading?: (room: string, device: string, reading: ReadingsMessage) => void
  /** Any other message type (e.g. incident events, when the hub sends them). */
  onOther?: (message: HubMessage) => void
  onStatus: (status: LiveStatus) => void
}

export class HubLive {
  private socket: WebSocket | null = null
  private retryMs = 1000
  private timers: number[] = []
  private stopped = false
  private status: LiveStatus = { state: 'connecting', lastMessageAt: 0, user: null, error: null }

  /** `asConsole`: the consultation console of `rooms`, which makes a specialist present there (cloud/http/live-socket.ts). */
  constructor (private readonly token: string, private readonly rooms: string[], private readonly on: HubLiveHandlers, private readonly asConsole = false) {}

  start (): void {
    this.connect()
    this.timers.push(window.setInterval(() => this.tick(), 1000))
    this.timers.push(window.setInterval(() => this.send({ type: 'ping' }), PING_EVERY_MS))
  }

  stop (): void {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    this.socket?.close()
  }

  private update (patch: Partial<LiveStatus>): void {
    this.status = { ...this.status, ...patch }
    this.on.onStatus(this.status)
  }

  private send (message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message))
  }

  private tick (): void {
    if (this.status.state === 'live' && Date.now() - this.status.lastMessageAt > STALE_AFTER_MS) this.update({ state: 'stale' })
  }

  private connect (): void {
    if (this.stopped) return
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
    const socket = new WebSocket(url)
    this.socket = socket
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token: this.token }))
    socket.onmessage = (event) => {
      let message: HubMessage
      try { message = JSON.parse(String(event.data)) as HubMessage } catch { return }
      this.handle(message)
    }
    socket.onclose = (event) => {
      if (this.socket !== socket) return
      this.socket = null
      if (event.code === 4401) {
        this.update({ state: 'unauthorized' })
        return // a bad token does not get better by retrying
      }
      if (this.status.state === 'live') this.update({ state: 'stale' })
      if (this.stopped) return
      window.setTimeout(() => this.connect(), this.retryMs)
      this.retryMs = Math.min(this.retryMs * 2, 10_000)
    }
  }

  private handle (message: HubMessage): void {
    const now = Date.now()
    switch (message.type) {
      case 'hello':
        this.retryMs = 1000
        this.status = { ...this.status, user: message.user, lastMessageAt: now }
        this.send({ type: 'subscribe', rooms: this.rooms, ...(this.asConsole ? { console: true } : {}) })
        return
      case 'snapshot':
        this.on.onSnapshot(message.rooms)
        this.update({ state: 'live', lastMessageAt: now })
        return
      case 'room':
        this.on.onRoom(message.state, message.part, message.device)
        break
      case 'reading':
        this.on.onReading?.(message.room, message.device, message.reading)
        break
      case 'error':
        if (message.error.code === 'unauthorized') { this.update({ state: 'unauthorized', error: message.error }); return }
        this.update({ error: message.error })
        break
      case 'pong':
        break
      default:
        this.on.onOther?.(message)
    }
    this.status.lastMessageAt = now
    if (this.status.state !== 'live' && this.status.state !== 'unauthorized' && this.status.user !== null) this.update({ state: 'live' })
  }
}
