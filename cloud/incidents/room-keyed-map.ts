// A Map keyed by incident key (`room:cause`, incident.ts) that also finds one room's keys without
// walking every room's: the incident book looks up a room's keys on every evaluation of that room,
// and at 1,000 rooms walking them all was the hub's largest cost.

export class RoomKeyedMap<V> {
  private readonly byKey = new Map<string, V>()
  private readonly byRoom = new Map<string, Set<string>>()

  get (key: string): V | undefined { return this.byKey.get(key) }

  set (key: string, value: V): this {
    this.byKey.set(key, value)
    const room = roomOfKey(key)
    let keys = this.byRoom.get(room)
    if (keys === undefined) this.byRoom.set(room, keys = new Set())
    keys.add(key)
    return this
  }

  delete (key: string): boolean {
    if (!this.byKey.delete(key)) return false
    const room = roomOfKey(key)
    const keys = this.byRoom.get(room)
    keys?.delete(key)
    if (keys?.size === 0) this.byRoom.delete(room)
    return true
  }

  values (): IterableIterator<V> { return this.byKey.values() }

  /** A copy of one room's keys (safe to delete from the map while going through it). */
  keysOfRoom (room: string): string[] { return [...this.byRoom.get(room) ?? []] }
}

function roomOfKey (key: string): string {
  const colon = key.indexOf(':')
  return colon < 0 ? key : key.slice(0, colon)
}
