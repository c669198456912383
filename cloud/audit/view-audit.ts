// Views of patient data as audit entries "who, which room, from–to". The hub calls its `audit`
// option for every view (a GET of a room's detail, a /ws subscription with live readings); this
// turns those calls into two entries per view:
//   view.start  written at once (durable even if the hub dies during the view)
//   view.end    with from, to and how many requests, when the view ends
// A dashboard that polls GET /api/rooms/:room every few seconds is one view, not thousands of
// lines: polls by the same user of the same room less than `gapMs` apart extend the view. A live
// view ends with the `live-end` call (live-socket, on unsubscribe or close) or when the hub stops.
import type { AuditLog } from './audit-log.js'

/** What the hub reports (cloud/http/room-routes.ts ViewAudit, plus `live-end`). */
export interface ViewReport {
  user: string
  role: string
  room: string
  /** room: a GET of the room; live: a /ws subscription; live-end: that subscription ended. */
  what: 'room' | 'live' | 'live-end' | (string & {})
}

interface OpenView {
  id: string
  user: string
  role: string
  room: string
  kind: 'room' | 'live'
  from: number
  last: number
  requests: number
}

export interface ViewAuditOptions {
  /** Polls closer than this are one view (default 5 min). */
  gapMs?: number
  clock?: () => number
}

export class ViewAudit {
  private readonly polled = new Map<string, OpenView>()
  /** Live views per user+room, oldest first (a user may have two tabs open). */
  private readonly live = new Map<string, OpenView[]>()
  private readonly gapMs: number
  private readonly clock: () => number
  private readonly sweeper: NodeJS.Timeout

  constructor (private readonly audit: AuditLog, options: ViewAuditOptions = {}) {
    this.gapMs = options.gapMs ?? 5 * 60_000
    this.clock = options.clock ?? Date.now
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(this.gapMs, 60_000)))
    this.sweeper.unref()
  }

  /** The callback for the hub's `audit` option. Never throws. */
  readonly report = (v: ViewReport): void => {
    try {
      const now = this.clock()
      const key = `${v.user}\u0000${v.room}`
      if (v.what === 'live') {
        const view = this.start(v, 'live', now)
        const list = this.live.get(key) ?? []
        list.push(view)
        this.live.set(key, list)
      } else if (v.what === 'live-end') {
        const list = this.live.get(key)
        const view = list?.shift()
        if (list !== undefined && list.length === 0) this.live.delete(key)
        if (view !== undefined) this.end(view, now)
      } else {
        const open = this.polled.get(key)
        if (open !== undefined && now - open.last <= this.gapMs) {
          open.last = now
          open.requests++
          return
        }
        if (open !== undefined) this.end(open, open.last)
        this.polled.set(key, this.start(v, 'room', now))
      }
    } catch {
      // record() throws only for input that cannot be an entry (a room that is not a slug): the hub
      // checked the room before reporting, and a bad report must not fail the request that made it
    }
  }

  /** Ends polled views that have been idle longer than the gap. */
  sweep (): void {
    const now = this.clock()
    for (const [key, view] of this.polled) {
      if (now - view.last > this.gapMs) {
        this.polled.delete(key)
        this.end(view, view.last)
      }
    }
  }

  /** Ends every open view (the hub stops). */
  close (): void {
    clearInterval(this.sweeper)
    const now = this.clock()
    for (const view of this.polled.values()) this.end(view, view.last)
    for (const list of this.live.values()) for (const view of list) this.end(view, now)
    this.polled.clear()
    this.live.clear()
  }

  get openViews (): number {
    let n = this.polled.size
    for (const list of this.live.values()) n += list.length
    return n
  }

  private start (v: ViewReport, kind: 'room' | 'live', now: number): OpenView {
    const entry = this.audit.record({ actor: v.user, role: v.role, action: 'view.start', room: v.room, detail: { kind } })
    return { id: `v-${entry.seq}`, user: v.user, role: v.role, room: v.room, kind, from: now, last: now, requests: 1 }
  }

  private end (view: OpenView, to: number): void {
    this.audit.record({
      actor: view.user,
      role: view.role,
      action: 'view.end',
      room: view.room,
      detail: { kind: view.kind, view: view.id, from: view.from, to, ...(view.kind === 'room' ? { requests: view.requests } : {}) }
    })
  }
}
