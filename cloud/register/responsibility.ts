// Who answers for an incident: the failing thing (a device, the network, the box, or the room as a
// whole when nothing narrower is known), and that thing's maintainer from the register — the
// party whose number staff call, whose webhook hears of it, whose service hours and promised
// response time it is held to, and whom it escalates to. Pure.
//
//   device.down:<d>, device.battery-short:<d>, device.calibration:<d>   the device (the box for the host device)
//   network.bandwidth-*                                                  the network
//   offline                                                              the box, then the network (the hub cannot tell which)
//   readiness                                                            the room's first reason no other rule claims
//   check.failed                                                         the check's first failed step
import type { Reason, SupportContact } from '../../protocol/messages.js'
import type { RoomState } from '../fleet-state.js'
import type { Incident } from '../incidents/incident.js'
import type { OpeningHoursSpec } from '../incidents/opening-hours.js'
import type { NotifyTarget } from '../notify/config.js'
import type { Party } from './config.js'
import type { RegisterEntry } from './entry.js'
import type { PartyBook } from './parties.js'

export type Thing =
  | { item: 'device', device: string }
  | { item: 'network' }
  | { item: 'box' }
  | { item: 'room' }

export interface ThingOptions {
  /** Readiness codes that never make an incident (alerts.rules.readiness.ignoreCodes). */
  ignoreCodes: ReadonlySet<string>
  /** Whether a device is the gateway box's own host device. */
  isBoxDevice: (device: string) => boolean
}

/** Reason codes other rules (or nobody) own, so they are not what a readiness incident is about. */
function claimedElsewhere (r: Reason): boolean {
  return (r.device !== undefined && r.level === 'red') || r.code === 'device.battery-short' || r.code.startsWith('network.bandwidth-') ||
    r.code.startsWith('network.trend-bandwidth-') || r.code.startsWith('check.') || isHubReasonCode(r.code)
}

/** Codes of the reasons the hub itself sends the room (calibration) or that are not a fault (the specialist). */
export function isHubReasonCode (code: string): boolean {
  return code.startsWith('calibration.') || code.startsWith('specialist.')
}

/** The failing things, most responsible first (never empty). */
export function failingThings (incident: Pick<Incident, 'cause' | 'device'>, room: Pick<RoomState, 'readiness' | 'check'> | undefined, o: ThingOptions): Thing[] {
  const ofDevice = (device: string): Thing => o.isBoxDevice(device) ? { item: 'box' } : { item: 'device', device }
  if (incident.device !== null) return [ofDevice(incident.device)]
  const cause = incident.cause
  if (cause.startsWith('network.')) return [{ item: 'network' }]
  if (cause === 'offline') return [{ item: 'box' }, { item: 'network' }]
  if (cause === 'spool.dropped') return [{ item: 'box' }]
  if (cause === 'readiness') {
    const reason = (room?.readiness?.reasons ?? []).find((r) => !o.ignoreCodes.has(r.code) && !claimedElsewhere(r))
    if (reason !== undefined) return [thingOfReason(reason, ofDevice)]
  }
  if (cause === 'check.failed') {
    const step = (room?.check?.steps ?? []).find((s) => !s.passed && s.skipped !== true)
    if (step !== undefined) {
      if (step.device !== undefined) return [ofDevice(step.device)]
      if (step.name.startsWith('network') || step.reason?.code.startsWith('network.') === true) return [{ item: 'network' }]
    }
  }
  return [{ item: 'room' }]
}

/** The thing a readiness reason is about (also what the gateway uses to pick the number on the light). */
export function thingOfReason (r: Pick<Reason, 'code' | 'device'>, ofDevice: (device: string) => Thing = (device) => ({ item: 'device', device })): Thing {
  if (r.device !== undefined) return ofDevice(r.device)
  if (r.code.startsWith('network.') || r.code === 'uplink.down') return { item: 'network' }
  return { item: 'room' }
}

export interface Responsibility {
  thing: Thing
  /** The maintainer (or the room's support party when the item names none). */
  party: Party | null
  contact: SupportContact | null
  targets: NotifyTarget[]
  serviceHours: OpeningHoursSpec | undefined
  responseMinutes: number | null
  escalateTo: Party | null
}

/** The responsibility for one thing, given its register entry (null for the room) and the room's party. */
export function responsibilityOf (thing: Thing, entry: RegisterEntry | null, roomSupport: string | null, parties: PartyBook): Responsibility {
  const party = parties.get(entry?.maintainer ?? roomSupport) ?? null
  const own: NotifyTarget[] = entry?.support?.webhook !== undefined
    ? [{ kind: 'webhook', url: entry.support.webhook, name: `${entry.room}-${entry.item === 'device' ? entry.id : entry.item}-support` }]
    : []
  return {
    thing,
    party,
    contact: parties.contact(party?.id, entry?.support),
    targets: [...own, ...parties.targets(party?.id)],
    serviceHours: entry?.serviceHours ?? party?.serviceHours,
    responseMinutes: entry?.responseMinutes ?? party?.responseMinutes ?? null,
    escalateTo: parties.get(party?.escalateTo) ?? null
  }
}
