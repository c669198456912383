// Readiness as a pure function (DESIGN.md, "Readiness"): (room profile of the next consultation,
// device health, network quality, uplink state, clock) → { level, reasons[] }. Green: everything
// the consultation needs works. Amber: it works, but something is degraded or heading for trouble.
// Red: a required device or the network fails. Flapping is handled elsewhere (hysteresis.ts).
// What the hub adds (its `support` message): the number to call about the failing thing — its
// maintainer's, else the room's — its own reasons (calibration due), and the specialist's presence.
import type {
  Consultation, HealthState, LocalizedText, NetworkMessage, Reason, ReadinessLevel, SpecialistPresence, SupportContact, SupportMessage
} from '../../protocol/messages.js'
import type { MetricValue } from '../../drivers/contract.js'
import type { NetworkThresholds, Profile } from '../config.js'
import { reasons, summarize } from './reasons.js'
import { clockTime, currentOrNextSession } from './session.js'

export interface DeviceView {
  id: string
  name: string
  kind: string
  enabled: boolean
  state: HealthState
  reason: Reason | null
  metrics: Record<string, MetricValue>
}

export interface ReadinessInput {
  now: number
  timezone: string
  profiles: Readonly<Record<string, Profile>>
  defaultProfile: string
  schedule: readonly Consultation[]
  lookaheadMs: number
  devices: ReadonlyMap<string, DeviceView>
  network: NetworkMessage | null
  /** A network measurement older than this is no measurement. */
  networkMaxAgeMs: number
  uplinkConnected: boolean
  /** Reasons other parts of the gateway contribute (network trends, the pre-session check, …). */
  extraReasons?: readonly Reason[]
  /** The room config's support: whom to call when the hub has named nobody for the failing thing. */
  supportPhone?: string
  supportName?: LocalizedText
  /** From the hub's `support` message: whom to call about what. */
  contacts?: SupportMessage['contacts']
  /** From the hub: its reasons (calibration due); those of devices the profile does not need are left out. */
  hubReasons?: readonly Reason[]
  /** From the hub: the specialist's presence (counts only for the consultation it names). */
  specialist?: SpecialistPresence | null
}

export interface ReadinessEvaluation {
  level: ReadinessLevel
  profile: string | null
  profileLabel?: LocalizedText
  session: Consultation | null
  reasons: Reason[]
  summary: LocalizedText
  /** The specialist of the current or next consultation: ready, or absent after the start. */
  specialist?: SpecialistPresence['state']
}

const rank: Record<ReadinessLevel, number> = { green: 0, amber: 1, red: 2 }

export function worseOf (a: ReadinessLevel, b: ReadinessLevel): ReadinessLevel {
  return rank[a] >= rank[b] ? a : b
}

export function isBetter (a: ReadinessLevel, than: ReadinessLevel): boolean {
  return rank[a] < rank[than]
}

/** How close to a limit counts as "heading for trouble": 80 % of a maximum, 120 % of a minimum. */
const NEAR_MAX = 0.8
const NEAR_MIN = 1.2

export function evaluateReadiness (input: ReadinessInput): ReadinessEvaluation {
  const session = currentOrNextSession(input.schedule, input.now, input.lookaheadMs)
  const found: Reason[] = []

  let profileId = session?.profile ?? input.defaultProfile
  if (!Object.hasOwn(input.profiles, profileId)) {
    found.push(reasons.unknownProfile(profileId))
    profileId = input.defaultProfile
  }
  const profile = Object.hasOwn(input.profiles, profileId) ? input.profiles[profileId] : undefined

  for (const id of profile?.requires ?? []) found.push(...deviceReasons(id, input.devices.get(id), session))
  if (profile !== undefined) found.push(...networkReasons(profile.network, input.network, input.now, input.networkMaxAgeMs))
  if (!input.uplinkConnected) found.push(reasons.uplinkDown())
  found.push(...(input.extraReasons ?? []))
  const required = new Set(profile?.requires ?? [])
  found.push(...(input.hubReasons ?? []).filter((r) => r.device === undefined || required.has(r.device)))
  const specialist = session !== null && input.specialist?.consultation === session.id ? input.specialist.state : undefined

  // Red reasons first so the light's sentence names the worst problem.
  const ordered = [...found.filter((r) => r.level === 'red'), ...found.filter((r) => r.level !== 'red')]
  const level = ordered.reduce<ReadinessLevel>((acc, r) => worseOf(acc, r.level ?? 'amber'), 'green')
  const names = [...input.devices.values()].map((d) => d.name)
  const contact = contactFor(ordered[0], input.contacts)
  return {
    level,
    profile: profile !== undefined ? profileId : null,
    ...(profile !== undefined ? { profileLabel: profile.label } : {}),
    session,
    reasons: ordered,
    summary: summarize({
      level,
      first: ordered[0],
      sessionTime: session !== null ? clockTime(session.start, input.timezone) : null,
      supportPhone: contact?.phone ?? input.supportPhone,
      supportName: contact !== null ? contact.name : input.supportName,
      names,
      ...(specialist !== undefined ? { specialist } : {})
    }),
    ...(specialist !== undefined ? { specialist } : {})
  }
}

/**
 * Whom staff call about a reason: the maintainer of its device, or of the network, as the hub named
 * them; else the room's party; null when the hub has said nothing (the room config's support then).
 */
export function contactFor (r: Pick<Reason, 'code' | 'device'> | undefined, contacts: SupportMessage['contacts'] | undefined): SupportContact | null {
  if (r === undefined || contacts === undefined) return null
  if (r.device !== undefined) return contacts.devices[r.device] ?? contacts.room
  if (r.code.startsWith('network.') || r.code === 'uplink.down') return contacts.network ?? contacts.room
  return contacts.room
}

function deviceReasons (id: string, device: DeviceView | undefined, session: Consultation | null): Reason[] {
  if (device === undefined) return [reasons.deviceNotConfigured(id)]
  if (!device.enabled) return [reasons.deviceDisabled(id, device.name)]
  switch (device.state) {
    case 'down': return [reasons.deviceDown(id, device.name, device.reason)]
    case 'unknown': return [reasons.deviceUnknown(id, device.name)]
    case 'degraded': return [reasons.deviceDegraded(id, device.name, device.reason), ...batteryReasons(device, session)]
    case 'ok': return batteryReasons(device, session)
  }
}

/** A battery that will not last the consultation is a problem before it is empty. */
function batteryReasons (device: DeviceView, session: Consultation | null): Reason[] {
  const left = device.metrics.batteryMinutesLeft
  if (session === null || typeof left !== 'number' || device.metrics.charging === true) return []
  // Ten minutes' margin: consultations overrun, and the estimate is only an estimate.
  return left < session.minutes + 10 ? [reasons.batteryShort(device.id, device.name, left, session.minutes)] : []
}

function networkReasons (limits: NetworkThresholds, network: NetworkMessage | null, now: number, maxAgeMs: number): Reason[] {
  if (network === null || network.rttMs === null) return [reasons.networkNotMeasured()]
  if (now - network.ts > maxAgeMs) return [reasons.networkStale((now - network.ts) / 60_000)]
  const out: Reason[] = []
  const ceiling = (value: number | null, max: number, make: (level: 'red' | 'amber', v: number, m: number) => Reason): void => {
    if (value === null) return
    if (value > max) out.push(make('red', value, max))
    else if (value > max * NEAR_MAX) out.push(make('amber', value, max))
  }
  const floor = (value: number | null, min: number, direction: 'up' | 'down'): void => {
    if (value === null || min <= 0) return
    if (value < min) out.push(reasons.bandwidth('red', direction, value, min))
    else if (value < min * NEAR_MIN) out.push(reasons.bandwidth('amber', direction, value, min))
  }
  ceiling(network.rttMs, limits.maxRttMs, reasons.rtt)
  ceiling(network.jitterMs, limits.maxJitterMs, reasons.jitter)
  ceiling(network.lossPct, limits.maxLossPct, reasons.loss)
  floor(network.upMbps, limits.minUpMbps, 'up')
  floor(network.downMbps, limits.minDownMbps, 'down')
  return out
}
