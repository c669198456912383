// What the light shows, as a pure function of what it last heard (from the gateway's /ws, or from
// the hub for the remote view) and the time: the colour, icon, word, the one sentence saying why
// and what to do, the next consultation, and the notices. No DOM here, so it is easy to reason about.
import { clock, until } from '../shared/format.js'
import type { Lang, Localized } from '../shared/i18n.js'
import { LEVELS, type Level } from '../shared/words.js'
import type { ReadinessMessage } from '../shared/types.js'

/** The gateway pings every 10 s (the hub answers our ping every 10 s): silence this long is a lost link. */
export const STALE_AFTER_MS = 25_000

export interface LightInput {
  source: 'gateway' | 'hub'
  readiness: ReadinessMessage | null
  roomName: string | null
  timezone: string
  supportPhone: string | null
  supportName: Localized | null
  /** Gateway: its uplink to the hub. Hub view: whether the room's gateway is connected. */
  linkUp: boolean | null
  /** Hub view: when the hub last heard from the room. */
  lastSeen: number | null
  lastMessageAt: number
  /** When the page was opened. */
  openedAt: number
}

export interface LightView {
  /** The colour field: a level, or grey for "no contact" / "unknown". */
  tone: Level | 'stale'
  icon: string
  word: Localized
  why: Localized
  next: Localized | null
  /** A notice band (hub unreachable, room offline), or null. */
  notice: Localized | null
  updated: Localized | null
}

const NO_CONTACT_GATEWAY: Localized = {
  nb: 'Lyset får ikke kontakt med boksen i rommet. Sjekk at boksen har strøm og nettverk, og ring IT om det ikke ordner seg.',
  en: 'The light cannot reach the box in the room. Check that the box has power and network; call IT if this does not clear.'
}
const NO_CONTACT_HUB: Localized = {
  nb: 'Denne visningen får ikke kontakt med huben. Sjekk nettverket; lyset i rommet virker likevel.',
  en: 'This view cannot reach the hub. Check the network; the light in the room still works.'
}

/** Adds the room's support number to a red sentence that does not yet say whom to call. */
function withSupport (text: Localized, phone: string | null, name: Localized | null): Localized {
  // the gateway names the failing thing's maintainer ("ring medisinsk-teknisk avdeling på …") when the hub told it
  if (phone === null || text.nb.includes(phone) || /\bring .+ på [+0-9]/.test(text.nb)) return text
  const who = name ?? { nb: 'IT-support', en: 'IT support' }
  const strip = (s: string): string => s.replace(/[.\s]+$/, '')
  return { nb: `${strip(text.nb)} — ring ${who.nb} på ${phone}.`, en: `${strip(text.en)} — call ${who.en} on ${phone}.` }
}

function fallbackWhy (r: ReadinessMessage): Localized {
  const first = r.reasons[0]
  if (r.level === 'green' || first === undefined) return { nb: 'Rommet er klart', en: 'The room is ready' }
  return first.message
}

function nextLine (r: ReadinessMessage, timezone: string, now: number): Localized | null {
  const label = r.profileLabel ?? (r.profile !== null ? { nb: r.profile, en: r.profile } : null)
  const s = r.session
  if (s === null) {
    return label !== null ? { nb: `Ingen konsultasjon satt opp · sjekker for ${label.nb}`, en: `No consultation booked · checking for ${label.en}` } : null
  }
  const at = (lang: Lang): string => clock(s.start, lang, timezone, now)
  const end = s.start + s.minutes * 60_000
  if (now >= s.start && now < end) {
    return { nb: `Konsultasjon pågår til kl. ${clock(end, 'nb', timezone, now)} · ${label?.nb ?? ''}`, en: `Consultation until ${clock(end, 'en', timezone, now)} · ${label?.en ?? ''}` }
  }
  return {
    nb: `Neste konsultasjon kl. ${at('nb')} (${until(s.start, 'nb', now)}) · ${label?.nb ?? ''}`,
    en: `Next consultation at ${at('en')} (${until(s.start, 'en', now)}) · ${label?.en ?? ''}`
  }
}

export function lightView (input: LightInput, now: number): LightView {
  const stale = now - input.lastMessageAt > STALE_AFTER_MS
  const updated: Localized | null = input.lastMessageAt > 0
    ? { nb: `Oppdatert ${clock(input.lastMessageAt, 'nb', input.timezone, now)}`, en: `Updated ${clock(input.lastMessageAt, 'en', input.timezone, now)}` }
    : null
  const r = input.readiness
  if (stale) {
    // just opened: "connecting" for as long as a link may take to come up, then "no contact"
    const never = input.lastMessageAt === 0 && now - input.openedAt < STALE_AFTER_MS
    return {
      tone: 'stale',
      icon: never ? '…' : '?',
      word: never ? { nb: 'Kobler til …', en: 'Connecting …' } : { nb: 'Ingen kontakt', en: 'No contact' },
      why: never ? { nb: 'Henter status for rommet.', en: 'Fetching the room\'s status.' } : input.source === 'gateway' ? NO_CONTACT_GATEWAY : NO_CONTACT_HUB,
      next: null,
      notice: null,
      updated
    }
  }
  if (r === null) {
    return { tone: 'stale', icon: '…', word: { nb: 'Kobler til …', en: 'Connecting …' }, why: { nb: 'Venter på status fra rommet.', en: 'Waiting for the room\'s status.' }, next: null, notice: null, updated }
  }
  // The hub's remote view of a room whose gateway is gone: the level it shows may be old.
  if (input.source === 'hub' && input.linkUp === false) {
    const since = input.lastSeen !== null ? { nb: ` siden kl. ${clock(input.lastSeen, 'nb', input.timezone, now)}`, en: ` since ${clock(input.lastSeen, 'en', input.timezone, now)}` } : { nb: '', en: '' }
    const last = LEVELS[r.level].word
    return {
      tone: 'stale',
      icon: '?',
      word: { nb: 'Ukjent', en: 'Unknown' },
      why: { nb: `Rommet har ikke kontakt med huben${since.nb}. Siste kjente status var «${last.nb}».`, en: `The room has not reached the hub${since.en}. Its last known status was "${last.en}".` },
      next: null,
      notice: { nb: 'Rommet er frakoblet — lyset i rommet viser sin egen sjekk', en: 'The room is offline — the light in the room shows its own check' },
      updated
    }
  }
  const look = LEVELS[r.level]
  let why = r.summary ?? fallbackWhy(r)
  if (r.level === 'red') why = withSupport(why, input.supportPhone, input.supportName)
  return {
    tone: r.level,
    icon: look.icon,
    word: look.word,
    why,
    next: nextLine(r, input.timezone, now),
    notice: input.source === 'gateway' && input.linkUp === false
      ? { nb: 'Ingen kontakt med sykehuset — lyset viser rommets egen sjekk', en: 'No contact with the hospital — the light shows the room\'s own check' }
      : null,
    updated
  }
}
