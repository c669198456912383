// The support parties of the hub config, looked up by id: the contact staff call, the notification
// targets an incident goes to, the service hours and response time it is held to. Pure (the
// parsed service hours are cached).
import type { LocalizedText, SupportContact } from '../../protocol/messages.js'
import { parseOpeningHours, type OpeningHoursSpec, type WeekHours } from '../incidents/opening-hours.js'
import type { NotifyTarget } from '../notify/config.js'
import type { Party, SupportOverride } from './config.js'

export class PartyBook {
  private readonly byId = new Map<string, Party>()
  private readonly targetsById = new Map<string, NotifyTarget[]>()
  private readonly hours = new Map<string, WeekHours | 'always' | undefined>()

  constructor (parties: readonly Party[]) {
    for (const p of parties) {
      this.byId.set(p.id, p)
      // named after the party, so logs and the audit log say whom a notification went to
      this.targetsById.set(p.id, (p.notify ?? []).map((t, i, all) => ({ ...t, name: t.name ?? (all.length > 1 ? `${p.id}-${i + 1}` : p.id) })))
    }
  }

  get (id: string | null | undefined): Party | undefined {
    return id === null || id === undefined ? undefined : this.byId.get(id)
  }

  has (id: string): boolean {
    return this.byId.has(id)
  }

  list (): Party[] {
    return [...this.byId.values()]
  }

  /** Where the party's incidents go. */
  targets (id: string | null | undefined): NotifyTarget[] {
    return id === null || id === undefined ? [] : this.targetsById.get(id) ?? []
  }

  /** The number staff call: the item's own, else its party's; null when there is no number. */
  contact (id: string | null | undefined, override?: SupportOverride | null): SupportContact | null {
    const party = this.get(id)
    const phone = override?.phone ?? party?.phone
    if (phone === undefined) return null
    return { party: party?.id ?? 'support', name: party?.name ?? GENERIC_SUPPORT, phone }
  }

  /** Parsed service hours (an unreadable spec counts as always: fail towards escalating). */
  serviceHours (spec: OpeningHoursSpec | undefined): WeekHours | 'always' | undefined {
    if (spec === undefined) return undefined
    const key = JSON.stringify(spec)
    if (!this.hours.has(key)) {
      let parsed: WeekHours | 'always' | undefined
      try { parsed = parseOpeningHours(spec) } catch { parsed = undefined }
      this.hours.set(key, parsed)
    }
    return this.hours.get(key)
  }
}

export const GENERIC_SUPPORT: LocalizedText = { nb: 'IT-support', en: 'IT support' }
