// Every sentence an incident carries, for IT: Norwegian bokmål first, English second, naming rooms
// and devices by the names people know (config and health `name`), never by id. Times are clock
// times in the hub's time zone ("kl. 09:30"), never "in 25 minutes": a text that changed every minute
// would make every re-evaluation an update. Pure.
import type { LocalizedText, Reason } from '../../protocol/messages.js'
import { dateTimeFormat } from '../date-format.js'
import type { ConsultationRef, Severity } from './incident.js'

type Lang = 'nb' | 'en'

/** Numbers as people read them: a decimal comma in Norwegian, few decimals. */
export function num (value: number, lang: Lang): string {
  const digits = Math.abs(value) >= 10 ? 0 : 1
  return value.toLocaleString(lang === 'nb' ? 'nb-NO' : 'en-GB', { maximumFractionDigits: digits })
}

/** "09:30" when `at` is today in `timeZone`, else "24.11. 09:30" / "24 Nov 09:30". */
export function clock (at: number, now: number, timeZone: string, lang: Lang): string {
  const time = dateTimeFormat('nb-NO', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at)
  const day = (t: number): string => dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t)
  if (day(at) === day(now)) return time
  const date = lang === 'nb'
    ? dateTimeFormat('nb-NO', { timeZone, day: 'numeric', month: 'numeric' }).format(at)
    : dateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(at)
  return `${date} ${time}`
}

export const severityWord: Record<Severity, LocalizedText> = {
  info: { nb: 'Info', en: 'Info' },
  warning: { nb: 'Advarsel', en: 'Warning' },
  critical: { nb: 'Kritisk', en: 'Critical' }
}

export interface TextContext {
  roomName: string
  now: number
  timeZone: string
  consultation: ConsultationRef | null
  /** The consultation type as people call it ("Ortopedi"), when the room has told it; else its id. */
  profileLabel?: LocalizedText
}

const both = (f: (lang: Lang) => string): LocalizedText => ({ nb: f('nb'), en: f('en') })

/** " Neste konsultasjon kl. 09:30 (ortopedi)." — or nothing when none is coming. */
function nextConsultation (ctx: TextContext, lang: Lang): string {
  const c = ctx.consultation
  if (c === null) return ''
  const at = clock(c.start, ctx.now, ctx.timeZone, lang)
  const kind = ctx.profileLabel?.[lang] ?? c.profile
  if (c.start <= ctx.now) return lang === 'nb' ? ` En konsultasjon pågår (startet kl. ${at}, ${kind}).` : ` A consultation is running (started ${at}, ${kind}).`
  return lang === 'nb' ? ` Neste konsultasjon kl. ${at} (${kind}).` : ` Next consultation at ${at} (${kind}).`
}

function sentence (text: string): string {
  const t = text.trim()
  return /[.!?]$/.test(t) ? t : `${t}.`
}

/** At most five reasons, each shortened: an incident is read, not scrolled (and stays small on disk). */
function reasonList (reasons: readonly Reason[], lang: Lang): string {
  const more = reasons.length > 5 ? (lang === 'nb' ? ` (og ${reasons.length - 5} til)` : ` (and ${reasons.length - 5} more)`) : ''
  return reasons.slice(0, 5).map((r) => sentence(clip(r.message[lang], 300))).join(' ') + more
}

export function clip (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export const texts = {
  spoolDropped: (ctx: TextContext, dropped: number, lastDroppedAt: number): { title: LocalizedText, detail: LocalizedText } => ({
    title: both((l) => l === 'nb' ? `${ctx.roomName}: gatewayboksen har mistet data` : `${ctx.roomName}: the gateway box has lost data`),
    detail: both((l) => {
      const at = clock(lastDroppedAt, ctx.now, ctx.timeZone, l)
      return l === 'nb'
        ? `Lageret i boksen ble fullt mens huben ikke kunne nås, og de eldste målingene ble kastet (${dropped} i alt, sist kl. ${at}). Sjekk hvorfor forbindelsen var borte så lenge, eller gi lageret mer plass (spool.maxBytes).`
        : `The box's store filled up while the hub could not be reached, and the oldest readings were dropped (${dropped} in all, last at ${at}). Find out why the link was down so long, or give the store more room (spool.maxBytes).`
    })
  }),

  offline: (ctx: TextContext, lastSeen: number | null): { title: LocalizedText, detail: LocalizedText } => ({
    title: both((l) => l === 'nb' ? `${ctx.roomName}: gatewayboksen er frakoblet` : `${ctx.roomName}: the gateway box is offline`),
    detail: both((l) => {
      const since = lastSeen === null
        ? (l === 'nb' ? 'Gatewayboksen har ikke meldt seg siden huben startet.' : 'The gateway box has not reported since the hub started.')
        : (l === 'nb' ? `Ingen kontakt med gatewayboksen siden kl. ${clock(lastSeen, ctx.now, ctx.timeZone, l)}.` : `No contact with the gateway box since ${clock(lastSeen, ctx.now, ctx.timeZone, l)}.`)
      const what = l === 'nb' ? ' Sjekk strøm og nettverk i rommet; statusen rommet viser IT kan være utdatert.' : ' Check power and network in the room; what IT sees of the room may be out of date.'
      return since + what + nextConsultation(ctx, l)
    })
  }),

  deviceDown: (ctx: TextContext, deviceName: string, reason: Reason): { title: LocalizedText, detail: LocalizedText } => ({
    title: both((l) => l === 'nb' ? `${ctx.roomName}: ${deviceName} virker ikke` : `${ctx.roomName}: ${deviceName} is not working`),
    detail: both((l) => sentence(clip(reason.message[l], 300)) + nextConsultation(ctx, l))
  }),

  readiness: (ctx: TextContext, level: 'red' | 'amber', reasons: readonly Reason[]): { title: LocalizedText, detail: LocalizedText } => {
    const at = (l: Lang): string => ctx.consultation !== null ? clock(ctx.consultation.start, ctx.now, ctx.timeZone, l) : ''
    return {
      title: both((l) => level === 'red'
        ? (l === 'nb' ? `${ctx.roomName}: ikke klar for konsultasjonen kl. ${at(l)}` : `${ctx.roomName}: not ready for the ${at(l)} consultation`)
        : (l === 'nb' ? `${ctx.roomName}: obs før konsultasjonen kl. ${at(l)}` : `${ctx.roomName}: a problem before the ${at(l)} consultation`)),
      detail: both((l) => reasonList(reasons, l) + nextConsultation(ctx, l))
    }
  },

  checkFailed: (ctx: TextContext, failed: ReadonlyArray<{ label?: LocalizedText, reason?: Reason, name: string }>, checkTs: number, onlyUnverified = false): { title: LocalizedText, detail: LocalizedText } => ({
    title: both((l) => onlyUnverified
      ? (l === 'nb' ? `${ctx.roomName}: sjekken før timen kunne ikke bekrefte alt` : `${ctx.roomName}: the pre-session check could not verify everything`)
      : (l === 'nb' ? `${ctx.roomName}: sjekken før timen feilet` : `${ctx.roomName}: the pre-session check failed`)),
    detail: both((l) => {
      const at = clock(checkTs, ctx.now, ctx.timeZone, l)
      const head = onlyUnverified
        ? (l === 'nb' ? `Sjekken kl. ${at} kunne ikke bekrefte: ` : `The check at ${at} could not verify: `)
        : (l === 'nb' ? `Sjekken kl. ${at} feilet: ` : `The check at ${at} failed: `)
      const steps = failed.slice(0, 5).map((s) => sentence(clip(s.reason?.message[l] ?? s.label?.[l] ?? s.name, 300))).join(' ')
      const more = failed.length > 5 ? (l === 'nb' ? ` (og ${failed.length - 5} til)` : ` (and ${failed.length - 5} more)`) : ''
      return head + steps + more + nextConsultation(ctx, l)
    })
  }),

  bandwidth: (ctx: TextContext, direction: 'up' | 'down', finding: BandwidthFinding): { title: LocalizedText, detail: LocalizedText } => {
    const dir = (l: Lang): string => direction === 'up' ? (l === 'nb' ? 'ut' : 'upload') : (l === 'nb' ? 'inn' : 'download')
    return {
      title: both((l) => l === 'nb'
        ? `${ctx.roomName}: båndbredden ${dir(l)} er eller blir for lav til video`
        : `${ctx.roomName}: ${dir(l)} bandwidth is or will be too low for video`),
      detail: both((l) => {
        let text: string
        if (finding.kind === 'gateway') text = sentence(clip(finding.reason.message[l], 300))
        else if (finding.kind === 'below') {
          text = l === 'nb'
            ? `Målt ${num(finding.mbps, l)} Mbit/s ${dir(l)}, en konsultasjon trenger ${num(finding.needMbps, l)} Mbit/s.`
            : `Measured ${num(finding.mbps, l)} Mbit/s ${dir(l)}; a consultation needs ${num(finding.needMbps, l)} Mbit/s.`
        } else {
          const when = clock(finding.crossesAt, ctx.now, ctx.timeZone, l)
          text = l === 'nb'
            ? `Båndbredden ${dir(l)} synker (nå ${num(finding.mbps, l)} Mbit/s, ${num(-finding.slopePerHour, l)} Mbit/s mindre i timen) og er under ${num(finding.needMbps, l)} Mbit/s rundt kl. ${when} om trenden holder.`
            : `${direction === 'up' ? 'Upload' : 'Download'} bandwidth is falling (now ${num(finding.mbps, l)} Mbit/s, ${num(-finding.slopePerHour, l)} Mbit/s less per hour) and will be below ${num(finding.needMbps, l)} Mbit/s around ${when} if the trend holds.`
        }
        return text + nextConsultation(ctx, l)
      })
    }
  },

  battery: (ctx: TextContext, deviceName: string, minutesLeft: number | null, neededMinutes: number | null, reason: Reason | null): { title: LocalizedText, detail: LocalizedText } => ({
    title: both((l) => l === 'nb' ? `${ctx.roomName}: batteriet i ${deviceName} varer ikke konsultasjonen` : `${ctx.roomName}: the ${deviceName} battery will not last the consultation`),
    detail: both((l) => {
      const text = minutesLeft !== null && neededMinutes !== null
        ? (l === 'nb'
            ? `Batteriet varer ca. ${Math.round(minutesLeft)} min, men må vare ${Math.round(neededMinutes)} min (til konsultasjonen er over, med litt margin) — sett ${deviceName} til lading.`
            : `The battery lasts about ${Math.round(minutesLeft)} min but must last ${Math.round(neededMinutes)} min (until the consultation is over, with a margin) — put the ${deviceName} on charge.`)
        : sentence(clip(reason?.message[l] ?? '', 300))
      return text + nextConsultation(ctx, l)
    })
  })
}

export type BandwidthFinding =
  | { kind: 'gateway', reason: Reason }
  | { kind: 'below', mbps: number, needMbps: number }
  | { kind: 'trend', mbps: number, needMbps: number, slopePerHour: number, crossesAt: number }

/** One line for a notification: "[Kritisk] Helserom Rødøy: Kamera virker ikke". */
export function headline (severity: Severity, title: LocalizedText): LocalizedText {
  return { nb: `[${severityWord[severity].nb}] ${title.nb}`, en: `[${severityWord[severity].en}] ${title.en}` }
}
