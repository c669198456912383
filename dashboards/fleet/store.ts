// The fleet as this page knows it: every room from the hub's /ws snapshot, kept current by change
// events. With 2,000 rooms a change can arrive many times a second, so the store applies each at
// once but tells the page at most every FLUSH_MS (batched updates: one render for many changes).
// It also keeps a short network trend per room for the sparklines, filled from the live `network`
// changes and, for the rows on screen, from the history API once.
import { apiJson, isMissingRoute } from '../shared/auth.js'
import { HubLive, type LiveStatus } from '../shared/hub-live.js'
import type { Localized } from '../shared/i18n.js'
import type { HistorySeries, RoomView } from '../shared/types.js'
import { learnProfileLabel } from './rooms.js'

const FLUSH_MS = 250
const SPARK_POINTS = 40
const HISTORY_CONCURRENCY = 3

export class FleetStore {
  readonly rooms = new Map<string, RoomView>()
  /** rttMs values per room, oldest first. */
  readonly sparks = new Map<string, number[]>()
  /** Consultation types' labels by profile id, as rooms' readiness has named them. */
  readonly profileLabels = new Map<string, Localized>()
  status: LiveStatus = { state: 'connecting', lastMessageAt: 0, user: null, error: null }
  version = 0
  historyAvailable: boolean | null = null
  private live: HubLive | null = null
  private listeners = new Set<() => void>()
  private flushTimer: number | null = null
  private readonly historyAsked = new Set<string>()
  private historyQueue: string[] = []
  private historyRunning = 0
  private otherListeners = new Set<(message: { type: string }) => void>()

  constructor (private readonly token: string) {}

  start (): void {
    this.live = new HubLive(this.token, ['*'], {
      onSnapshot: (rooms) => {
        this.rooms.clear()
        for (const r of rooms) { this.rooms.set(r.room, r); this.pushSpark(r); learnProfileLabel(r, this.profileLabels) }
        this.changed(true)
      },
      onRoom: (room, part) => {
        this.rooms.set(room.room, room)
        if (part === 'network') this.pushSpark(room)
        if (part === 'readiness') learnProfileLabel(room, this.profileLabels)
        this.changed(false)
      },
      onOther: (message) => { for (const fn of this.otherListeners) fn(message) },
      onStatus: (status) => { this.status = status; this.changed(false) }
    })
    this.live.start()
  }

  stop (): void {
    this.live?.stop()
    if (this.flushTimer !== null) clearTimeout(this.flushTimer)
  }

  subscribe (fn: () => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  /** Messages the hub may add (e.g. incident events). */
  onOther (fn: (message: { type: string }) => void): () => void {
    this.otherListeners.add(fn)
    return () => { this.otherListeners.delete(fn) }
  }

  private changed (now: boolean): void {
    this.version++
    if (now) {
      if (this.flushTimer !== null) { clearTimeout(this.flushTimer); this.flushTimer = null }
      this.flush()
      return
    }
    this.flushTimer ??= window.setTimeout(() => { this.flushTimer = null; this.flush() }, FLUSH_MS)
  }

  private flush (): void {
    for (const fn of this.listeners) fn()
  }

  private pushSpark (room: RoomView): void {
    const rtt = room.network?.rttMs
    if (typeof rtt !== 'number') return
    const list = this.sparks.get(room.room) ?? []
    list.push(rtt)
    if (list.length > SPARK_POINTS) list.splice(0, list.length - SPARK_POINTS)
    this.sparks.set(room.room, list)
  }

  /** Asks the history API for the last hour of a room's round-trip time, once per room on screen. */
  wantHistory (rooms: readonly string[]): void {
    if (this.historyAvailable === false) return
    for (const room of rooms) {
      if (this.historyAsked.has(room)) continue
      this.historyAsked.add(room)
      this.historyQueue.push(room)
    }
    this.pumpHistory()
  }

  private pumpHistory (): void {
    while (this.historyRunning < HISTORY_CONCURRENCY && this.historyQueue.length > 0 && this.historyAvailable !== false) {
      const room = this.historyQueue.shift()!
      this.historyRunning++
      const to = Date.now()
      const query = new URLSearchParams({ metric: 'network.rttMs', from: String(to - 3_600_000), to: String(to), maxPoints: String(SPARK_POINTS) })
      apiJson<{ series?: HistorySeries[] } | HistorySeries[]>(`/api/rooms/${encodeURIComponent(room)}/history?${query.toString()}`).then((body) => {
        this.historyAvailable = true
        const series = Array.isArray(body) ? body : body.series ?? []
        const values = (series[0]?.points ?? []).map((p) => p.value).filter((v): v is number => typeof v === 'number')
        if (values.length > 0) {
          const live = this.sparks.get(room) ?? []
          this.sparks.set(room, [...values, ...live.slice(-1)].slice(-SPARK_POINTS))
          this.changed(false)
        }
      }, (err: unknown) => {
        if (isMissingRoute(err)) { this.historyAvailable = false; this.historyQueue = [] }
      }).finally(() => {
        this.historyRunning--
        this.pumpHistory()
      })
    }
  }
}
