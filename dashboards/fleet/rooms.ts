// Sorting and filtering the fleet (pure): IT asks "what is red", "what starts soon", "what is at
// this site". Severity puts a red room first, then a room that is offline (nobody knows what it
// shows), then amber; ties go to the room whose consultation starts first.
import type { Localized } from '../shared/i18n.js'
import type { Consultation, RoomView } from '../shared/types.js'

export type SortKey = 'severity' | 'soon' | 'site' | 'name' | 'lastSeen'
export type LevelFilter = 'red' | 'amber' | 'green' | 'offline' | 'unknown'

export interface FleetFilter {
  levels: ReadonlySet<LevelFilter>
  site: string | null
  text: string
}

/** Which level chip a room counts under. */
export function levelOf (room: RoomView): LevelFilter {
  if (!room.online && room.lastSeen !== null) return 'offline'
  if (!room.online) return room.readiness === null ? 'unknown' : 'offline'
  return room.readiness?.level ?? 'unknown'
}

const SEVERITY: Record<LevelFilter, number> = { red: 4, offline: 3, amber: 2, unknown: 1, green: 0 }

export function severity (room: RoomView): number {
  return SEVERITY[levelOf(room)]
}

/** The consultation running now or the next one, from the hub's schedule (or readiness' session). */
export function nextConsultation (room: RoomView, now: number): Consultation | null {
  let best: Consultation | null = null
  for (const c of room.schedule ?? []) {
    if (c.start + c.minutes * 60_000 <= now) continue
    if (best === null || c.start < best.start) best = c
  }
  return best ?? room.readiness?.session ?? null
}

/**
 * What a consultation type is called ("Ortopedi"), not its id ("ortopedi"). The hub sends a profile's
 * label with the readiness that names it; `learnt` holds the labels seen in any room's readiness (a
 * region's rooms share their profiles). Null when no room has named it yet.
 */
export function profileLabel (profile: string, room: RoomView | undefined, learnt: ReadonlyMap<string, Localized>): Localized | null {
  const r = room?.readiness
  if (r?.profile === profile && r.profileLabel !== undefined) return r.profileLabel
  return learnt.get(profile) ?? null
}

/** Remembers the profile label a room's readiness carries. */
export function learnProfileLabel (room: RoomView, learnt: Map<string, Localized>): void {
  const r = room.readiness
  if (r?.profile !== null && r?.profile !== undefined && r.profileLabel !== undefined) learnt.set(r.profile, r.profileLabel)
}

export function matches (room: RoomView, filter: FleetFilter): boolean {
  if (filter.levels.size > 0 && !filter.levels.has(levelOf(room))) return false
  if (filter.site !== null && room.site !== filter.site) return false
  if (filter.text !== '') {
    const needle = filter.text.toLocaleLowerCase('nb')
    const hay = `${room.name} ${room.room} ${room.site ?? ''}`.toLocaleLowerCase('nb')
    if (!hay.includes(needle)) return false
  }
  return true
}

const byName = (a: RoomView, b: RoomView): number => a.name.localeCompare(b.name, 'nb')

function comparator (key: SortKey, soon: (r: RoomView) => number): (a: RoomView, b: RoomView) => number {
  switch (key) {
    case 'severity': return (a, b) => severity(b) - severity(a) || soon(a) - soon(b) || byName(a, b)
    case 'soon': return (a, b) => soon(a) - soon(b) || severity(b) - severity(a) || byName(a, b)
    case 'site': return (a, b) => (a.site ?? '').localeCompare(b.site ?? '', 'nb') || severity(b) - severity(a) || byName(a, b)
    case 'lastSeen': return (a, b) => (a.lastSeen ?? 0) - (b.lastSeen ?? 0) || byName(a, b)
    case 'name': return byName
  }
}

/** The rooms that pass the filter, sorted; the next consultation is worked out once per room. */
export function selectRooms (rooms: Iterable<RoomView>, filter: FleetFilter, key: SortKey, now: number): RoomView[] {
  const out: RoomView[] = []
  const starts = new Map<string, number>()
  for (const r of rooms) {
    if (!matches(r, filter)) continue
    out.push(r)
    starts.set(r.room, nextConsultation(r, now)?.start ?? Number.POSITIVE_INFINITY)
  }
  return out.sort(comparator(key, (r) => starts.get(r.room)!))
}

export function countLevels (rooms: Iterable<RoomView>): Record<LevelFilter, number> {
  const counts: Record<LevelFilter, number> = { red: 0, amber: 0, green: 0, offline: 0, unknown: 0 }
  for (const r of rooms) counts[levelOf(r)]++
  return counts
}
