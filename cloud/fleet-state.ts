// The fleet as the hub knows it right now: one RoomState per configured room, updated from decoded
// wire messages. Pure (no I/O, the clock is passed in): the ingest feeds it, the HTTP API and the
// WebSocket read it, later the incident engine watches it. History (`historical: true`) never
// changes the current state — the ingest sends it to the store only.
import type {
  CheckReport, DeviceInfo, HealthMessage, HealthState, NetworkMessage, ReadingsMessage, ReadinessMessage,
  Reason, ScheduleMessage, SpoolReport, StatusMessage
} from '../protocol/messages.js'
import type { GatewayConfig } from './config.js'

export interface LastReading {
  ts: number
  boot: string
  seq: number
  values: ReadingsMessage['values']
  units: ReadingsMessage['units']
  invalid?: string[]
  conditions?: string[]
  /** When the hub received it (hub clock). */
  receivedAt: number
}

export interface DeviceState {
  id: string
  /** The name staff know the device by (from its health message), e.g. "Kamera". */
  name: string | null
  kind: string | null
  state: HealthState
  reason: Reason | null
  metrics: HealthMessage['metrics']
  info: DeviceInfo | null
  /** ts of the health message (gateway clock). */
  healthTs: number | null
  /** Patient data: only shown to roles that may see readings, kept at most LAST_READING_MAX_AGE_MS. */
  lastReading: LastReading | null
}

export interface ReadingStats {
  accepted: number
  duplicates: number
  lost: number
  recovered: number
}

export interface RoomState {
  room: string
  name: string
  site: string | null
  online: boolean
  /** When the hub last heard from the gateway (hub clock), null when never. */
  lastSeen: number | null
  /** Since when `online` has its current value (hub clock). */
  onlineSince: number | null
  boot: string | null
  version: string | null
  startedAt: number | null
  readiness: ReadinessMessage | null
  network: NetworkMessage | null
  check: CheckReport | null
  schedule: ScheduleMessage | null
  /** What the gateway's spool has dropped at its bound (from its status), null until it says. */
  spool: SpoolReport | null
  devices: Record<string, DeviceState>
  readings: ReadingStats
}

/** What part of a room changed. */
export type RoomPart = 'status' | 'readiness' | 'network' | 'check' | 'schedule' | 'device'

/** More devices than this in one room are refused (a gateway cannot grow the hub's memory without bound). */
export const MAX_DEVICES_PER_ROOM = 200

/**
 * A device's last reading is patient data the hub keeps only for the console that opens during a
 * consultation; older than this it is forgotten (the hub calls forgetReadingsBefore). Ten minutes:
 * far beyond the age at which the console greys a value out, short after a consultation ends.
 */
export const LAST_READING_MAX_AGE_MS = 10 * 60_000

export class FleetState {
  private readonly rooms = new Map<string, RoomState>()

  constructor (gateways: readonly Pick<GatewayConfig, 'room' | 'name' | 'site'>[]) {
    for (const g of gateways) this.rooms.set(g.room, emptyRoom(g.room, g.name, g.site ?? null))
  }

  has (room: string): boolean {
    return this.rooms.has(room)
  }

  get (room: string): RoomState | undefined {
    return this.rooms.get(room)
  }

  list (): RoomState[] {
    return [...this.rooms.values()]
  }

  get size (): number {
    return this.rooms.size
  }

  onlineCount (): number {
    let n = 0
    for (const r of this.rooms.values()) if (r.online) n++
    return n
  }

  /** Any message the gateway itself sent: it is alive now. */
  touch (room: string, now: number): void {
    const r = this.rooms.get(room)
    if (r !== undefined) r.lastSeen = now
  }

  applyStatus (room: string, msg: StatusMessage, now: number): boolean {
    const r = this.rooms.get(room)
    if (r === undefined) return false
    if (r.online !== msg.online) r.onlineSince = now
    r.online = msg.online
    if (msg.online) {
      r.lastSeen = now
      r.boot = msg.boot ?? r.boot
      r.version = msg.version ?? r.version
      r.startedAt = msg.startedAt ?? r.startedAt
      r.spool = msg.spool ?? r.spool
    }
    return true
  }

  applyReadiness (room: string, msg: ReadinessMessage): boolean {
    return this.set(room, (r) => { r.readiness = msg })
  }

  applyNetwork (room: string, msg: NetworkMessage): boolean {
    return this.set(room, (r) => { r.network = msg })
  }

  applyCheck (room: string, msg: CheckReport): boolean {
    return this.set(room, (r) => { r.check = msg })
  }

  applySchedule (room: string, msg: ScheduleMessage): boolean {
    return this.set(room, (r) => { r.schedule = msg })
  }

  /** Current health of a device; returns false for an unknown room or a room with too many devices. */
  applyHealth (room: string, device: string, msg: HealthMessage): boolean {
    const d = this.device(room, device)
    if (d === undefined) return false
    d.kind = msg.kind
    d.name = msg.name ?? d.name
    d.state = msg.state
    d.reason = msg.reason
    d.metrics = msg.metrics
    d.info = msg.info ?? d.info
    d.healthTs = msg.ts
    return true
  }

  applyReading (room: string, device: string, msg: ReadingsMessage, now: number): boolean {
    const d = this.device(room, device)
    if (d === undefined) return false
    d.lastReading = {
      ts: msg.ts,
      boot: msg.boot,
      seq: msg.seq,
      values: msg.values,
      units: msg.units,
      ...(msg.invalid !== undefined ? { invalid: msg.invalid } : {}),
      ...(msg.conditions !== undefined ? { conditions: msg.conditions } : {}),
      receivedAt: now
    }
    return true
  }

  /** Forgets every last reading the hub received before `before` (hub clock); returns how many. */
  forgetReadingsBefore (before: number): number {
    let n = 0
    for (const r of this.rooms.values()) {
      for (const d of Object.values(r.devices)) {
        if (d.lastReading !== null && d.lastReading.receivedAt < before) { d.lastReading = null; n++ }
      }
    }
    return n
  }

  countReading (room: string, what: keyof ReadingStats, n = 1): void {
    const r = this.rooms.get(room)
    if (r !== undefined) r.readings[what] += n
  }

  /** Whether a device may be added (or already exists) in the room. */
  acceptsDevice (room: string, device: string): boolean {
    const r = this.rooms.get(room)
    return r !== undefined && (device in r.devices || Object.keys(r.devices).length < MAX_DEVICES_PER_ROOM)
  }

  private set (room: string, fn: (r: RoomState) => void): boolean {
    const r = this.rooms.get(room)
    if (r === undefined) return false
    fn(r)
    return true
  }

  private device (room: string, device: string): DeviceState | undefined {
    const r = this.rooms.get(room)
    if (r === undefined) return undefined
    let d = r.devices[device]
    if (d === undefined) {
      if (Object.keys(r.devices).length >= MAX_DEVICES_PER_ROOM) return undefined
      d = { id: device, name: null, kind: null, state: 'unknown', reason: null, metrics: {}, info: null, healthTs: null, lastReading: null }
      r.devices[device] = d
    }
    return d
  }
}

function emptyRoom (room: string, name: string, site: string | null): RoomState {
  return {
    room,
    name,
    site,
    online: false,
    lastSeen: null,
    onlineSince: null,
    boot: null,
    version: null,
    startedAt: null,
    readiness: null,
    network: null,
    check: null,
    spool: null,
    schedule: null,
    devices: Object.create(null) as Record<string, DeviceState>,
    readings: { accepted: 0, duplicates: 0, lost: 0, recovered: 0 }
  }
}
