// The incident lifecycle as a pure state machine over the conditions the rules report: no I/O, the
// clock is an argument. Per room + cause there is at most one incident that is not resolved.
//
//   condition seen            → pending; once it has held for its holdMs → open (flap suppression)
//   still there               → severity/texts follow it (escalated / eased / updated)
//   acknowledge(id, by)       → acknowledged (open only; the incident stays until its cause clears)
//   condition gone            → clearing; once gone for resolveAfterMs → resolved (auto)
//   back within reopenWindow  → the resolved incident is reopened (same id, reopenCount + 1)
//
// Every transition is returned as a change for the engine to persist, publish and notify.
import { randomBytes } from 'node:crypto'
import { RoomKeyedMap } from './room-keyed-map.js'
import {
  incidentKey, isActive, SEVERITY_RANK, type Condition, type HistoryEvent, type HistoryEventKind, type Incident,
  type IncidentState, type Severity
} from './incident.js'

export type ChangeKind = 'opened' | 'reopened' | 'escalated' | 'eased' | 'updated' | 'acknowledged' | 'resolved' | 'notified'

export interface IncidentChange {
  kind: ChangeKind
  /** The incident after the change (the book's own object: copy it before keeping it). */
  incident: Incident
  /** For escalated / eased. */
  previousSeverity?: Severity
}

export interface LifecycleSettings {
  resolveAfterMs: number
  reopenWindowMs: number
  /** History beyond this many events drops its oldest ones. */
  maxHistory?: number
}

export interface RoomUpdate {
  room: string
  roomName: string
  conditions: readonly Condition[]
  /** Causes to leave alone when they are not among the conditions (the gateway is offline: they are unknown, not gone). */
  keep?: (cause: string) => boolean
  /** Outside the room's opening hours: a new incident is marked quiet. */
  quiet?: boolean
}

export class IncidentError extends Error {
  constructor (readonly code: 'not_found' | 'conflict', message: string) {
    super(message)
    this.name = 'IncidentError'
  }
}

export interface IncidentFilter {
  state?: IncidentState | 'active'
  /** Only these rooms ('*' or undefined: every room). */
  rooms?: '*' | ReadonlySet<string>
  room?: string
  severity?: Severity
  /** Only incidents updated at or after this time. */
  since?: number
  limit?: number
}

export function newIncidentId (now: number): string {
  return `i-${now.toString(36)}-${randomBytes(2).toString('hex')}`
}

export class IncidentBook {
  private readonly incidents = new Map<string, Incident>()
  /** key → id of its incident that is not resolved. */
  private readonly active = new RoomKeyedMap<string>()
  /** key → id of its last resolved incident (for reopening). */
  private readonly lastResolved = new Map<string, string>()
  /** key → since when its condition has been seen without an incident yet. */
  private readonly pending = new RoomKeyedMap<number>()
  /** incident id → since when its condition has been gone. */
  private readonly clearing = new Map<string, number>()
  private readonly maxHistory: number

  constructor (private readonly settings: LifecycleSettings, private readonly newId: (now: number) => string = newIncidentId) {
    this.maxHistory = settings.maxHistory ?? 100
  }

  /** Restores incidents (from the incident log); later snapshots of an id replace earlier ones. */
  load (incidents: Iterable<Incident>): void {
    for (const i of incidents) {
      this.incidents.set(i.id, i)
      if (isActive(i)) this.active.set(i.key, i.id)
      else {
        const prev = this.lastResolved.get(i.key)
        const prevAt = prev !== undefined ? this.incidents.get(prev)?.resolvedAt ?? 0 : -1
        if ((i.resolvedAt ?? 0) >= prevAt) this.lastResolved.set(i.key, i.id)
        if (this.active.get(i.key) === i.id) this.active.delete(i.key)
      }
    }
  }

  get (id: string): Incident | undefined {
    return this.incidents.get(id)
  }

  /** Incidents matching the filter, most recently opened first. */
  list (filter: IncidentFilter = {}): Incident[] {
    const out: Incident[] = []
    for (const i of this.incidents.values()) {
      if (filter.state === 'active' ? !isActive(i) : filter.state !== undefined && i.state !== filter.state) continue
      if (filter.room !== undefined && i.room !== filter.room) continue
      if (filter.rooms !== undefined && filter.rooms !== '*' && !filter.rooms.has(i.room)) continue
      if (filter.severity !== undefined && SEVERITY_RANK[i.severity] < SEVERITY_RANK[filter.severity]) continue
      if (filter.since !== undefined && i.updatedAt < filter.since) continue
      out.push(i)
    }
    out.sort((a, b) => b.openedAt - a.openedAt || (a.id < b.id ? 1 : -1))
    return filter.limit !== undefined ? out.slice(0, filter.limit) : out
  }

  /** Incidents that are open or acknowledged. */
  activeIncidents (): Incident[] {
    return [...this.active.values()].map((id) => this.incidents.get(id)).filter((i): i is Incident => i !== undefined)
  }

  /** Applies what the rules found for one room now. */
  update (u: RoomUpdate, now: number): IncidentChange[] {
    const changes: IncidentChange[] = []
    const seen = new Set<string>()
    for (const c of u.conditions) {
      const key = incidentKey(u.room, c.cause)
      seen.add(key)
      const id = this.active.get(key)
      const current = id !== undefined ? this.incidents.get(id) : undefined
      if (current !== undefined) {
        this.clearing.delete(current.id)
        const change = this.follow(current, c, u.roomName, now)
        if (change !== null) changes.push(change)
        continue
      }
      const since = this.pending.get(key) ?? now
      this.pending.set(key, since)
      if (now - since < c.holdMs) continue
      this.pending.delete(key)
      changes.push(this.open(key, u, c, now))
    }
    const prefix = `${u.room}:`
    for (const key of this.pending.keysOfRoom(u.room)) {
      if (!seen.has(key) && u.keep?.(key.slice(prefix.length)) !== true) this.pending.delete(key)
    }
    for (const key of this.active.keysOfRoom(u.room)) {
      if (seen.has(key)) continue
      const id = this.active.get(key)
      const incident = id !== undefined ? this.incidents.get(id) : undefined
      if (incident === undefined || u.keep?.(incident.cause) === true) continue
      const since = this.clearing.get(incident.id) ?? now
      this.clearing.set(incident.id, since)
      if (now - since >= this.settings.resolveAfterMs) changes.push(this.resolve(incident, now))
    }
    return changes
  }

  acknowledge (id: string, by: string, now: number, note?: string): IncidentChange {
    const incident = this.incidents.get(id)
    if (incident === undefined) throw new IncidentError('not_found', `no incident "${id}"`)
    if (incident.state === 'acknowledged') throw new IncidentError('conflict', `incident ${id} was already acknowledged by ${incident.acknowledgedBy ?? 'someone'}`)
    if (incident.state === 'resolved') throw new IncidentError('conflict', `incident ${id} is already resolved`)
    incident.state = 'acknowledged'
    incident.acknowledgedAt = now
    incident.acknowledgedBy = by
    this.event(incident, now, 'acknowledged', { by, ...(note !== undefined && note !== '' ? { note } : {}) })
    return { kind: 'acknowledged', incident }
  }

  /** Notes that IT was told (opened, escalated, reminder, overdue …); `quiet` notes that it was held back. */
  markNotified (id: string, what: string, now: number): IncidentChange | null {
    const incident = this.incidents.get(id)
    if (incident === undefined) return null
    if (what !== 'acknowledged' && what !== 'resolved') incident.notifiedAt = now
    if (what === 'overdue') incident.overdueAt = now
    this.event(incident, now, 'notified', { by: what })
    return { kind: 'notified', incident }
  }

  /** Forgets resolved incidents older than `retentionMs`; returns how many. */
  prune (now: number, retentionMs: number): number {
    let n = 0
    for (const [id, i] of this.incidents) {
      if (i.state === 'resolved' && (i.resolvedAt ?? 0) < now - retentionMs) {
        this.incidents.delete(id)
        if (this.lastResolved.get(i.key) === id) this.lastResolved.delete(i.key)
        n++
      }
    }
    return n
  }

  get size (): number {
    return this.incidents.size
  }

  all (): IterableIterator<Incident> {
    return this.incidents.values()
  }

  private open (key: string, u: RoomUpdate, c: Condition, now: number): IncidentChange {
    const previousId = this.lastResolved.get(key)
    const previous = previousId !== undefined ? this.incidents.get(previousId) : undefined
    if (previous !== undefined && previous.resolvedAt !== null && now - previous.resolvedAt <= this.settings.reopenWindowMs) {
      this.lastResolved.delete(key)
      this.active.set(key, previous.id)
      Object.assign(previous, this.fields(c, u.roomName), {
        state: 'open', resolvedAt: null, acknowledgedAt: null, acknowledgedBy: null, updatedAt: now, reopenCount: previous.reopenCount + 1
      })
      delete previous.overdueAt // the response time runs again
      this.event(previous, now, 'reopened', { severity: c.severity })
      return { kind: 'reopened', incident: previous }
    }
    const incident: Incident = {
      id: this.newId(now),
      key,
      room: u.room,
      ...this.fields(c, u.roomName),
      state: 'open',
      openedAt: now,
      updatedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      reopenCount: 0,
      quiet: u.quiet === true,
      notifiedAt: null,
      history: []
    }
    this.incidents.set(incident.id, incident)
    this.active.set(key, incident.id)
    this.event(incident, now, 'opened', { severity: c.severity })
    if (incident.quiet) this.event(incident, now, 'quiet', { note: 'outside the room\'s opening hours: recorded, not notified' })
    return { kind: 'opened', incident }
  }

  /** Keeps an active incident in step with its condition; null when nothing visible changed. */
  private follow (incident: Incident, c: Condition, roomName: string, now: number): IncidentChange | null {
    const before = incident.severity
    const textChanged = incident.title.en !== c.title.en || incident.detail.en !== c.detail.en || incident.title.nb !== c.title.nb ||
      incident.detail.nb !== c.detail.nb || incident.consultation?.id !== c.consultation?.id || incident.consultation?.start !== c.consultation?.start
    if (before === c.severity && !textChanged) return null
    Object.assign(incident, this.fields(c, roomName), { updatedAt: now })
    if (SEVERITY_RANK[c.severity] > SEVERITY_RANK[before]) {
      this.event(incident, now, 'escalated', { severity: c.severity })
      return { kind: 'escalated', incident, previousSeverity: before }
    }
    if (SEVERITY_RANK[c.severity] < SEVERITY_RANK[before]) {
      this.event(incident, now, 'eased', { severity: c.severity })
      return { kind: 'eased', incident, previousSeverity: before }
    }
    return { kind: 'updated', incident }
  }

  private resolve (incident: Incident, now: number): IncidentChange {
    incident.state = 'resolved'
    incident.resolvedAt = now
    incident.updatedAt = now
    this.active.delete(incident.key)
    this.clearing.delete(incident.id)
    this.lastResolved.set(incident.key, incident.id)
    this.event(incident, now, 'resolved', { by: 'auto' })
    return { kind: 'resolved', incident }
  }

  private fields (c: Condition, roomName: string): Pick<Incident, 'roomName' | 'cause' | 'rule' | 'device' | 'deviceName' | 'severity' | 'title' | 'detail' | 'consultation'> {
    return { roomName, cause: c.cause, rule: c.rule, device: c.device, deviceName: c.deviceName, severity: c.severity, title: c.title, detail: c.detail, consultation: c.consultation }
  }

  private event (incident: Incident, at: number, event: HistoryEventKind, extra: Omit<HistoryEvent, 'at' | 'event'> = {}): void {
    incident.history.push({ at, event, ...extra })
    if (incident.history.length > this.maxHistory) incident.history.splice(0, incident.history.length - this.maxHistory)
  }
}
