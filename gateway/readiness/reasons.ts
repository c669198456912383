// Every sentence the readiness engine itself writes, Norwegian bokmål first, English second.
// Written for staff reading the light from across the room: what is wrong and what to do,
// naming devices as staff know them (the config `name`), never by id.
import type { LocalizedText, Reason, ReadinessLevel } from '../../protocol/messages.js'

type Level = Exclude<ReadinessLevel, 'green'>

function r (code: string, level: Level, nb: string, en: string, device?: string): Reason {
  return { code, level, message: { nb, en }, ...(device !== undefined ? { device } : {}) }
}

/** Numbers as staff read them: a decimal comma in Norwegian, few decimals. */
function num (value: number, lang: 'nb' | 'en'): string {
  const digits = Math.abs(value) >= 10 ? 0 : 1
  return value.toLocaleString(lang === 'nb' ? 'nb-NO' : 'en-GB', { maximumFractionDigits: digits })
}

/**
 * A driver's reason, with the device's name in front when the driver did not say which device.
 * Decided on the Norwegian text (the one staff read) and applied to both, so the two agree.
 */
function namedReason (code: string, level: Level, id: string, name: string, driverReason: Reason): Reason {
  const { nb, en } = driverReason.message
  const prefix = nb.toLowerCase().includes(name.toLowerCase()) ? '' : `${name}: `
  return r(code, level, prefix + nb, prefix + en, id)
}

export const reasons = {
  deviceDown: (id: string, name: string, driverReason: Reason | null): Reason => driverReason !== null
    ? namedReason(driverReason.code, 'red', id, name, driverReason)
    : r('device.down', 'red', `${name} svarer ikke — sjekk strøm og kabel`, `${name} is not responding — check power and cable`, id),

  deviceDegraded: (id: string, name: string, driverReason: Reason | null): Reason => driverReason !== null
    ? namedReason(driverReason.code, 'amber', id, name, driverReason)
    : r('device.degraded', 'amber', `${name} fungerer ikke helt som det skal`, `${name} is not working quite right`, id),

  deviceUnknown: (id: string, name: string): Reason =>
    r('device.unknown', 'amber', `Venter på svar fra ${name}`, `Waiting for ${name} to respond`, id),

  deviceNotConfigured: (id: string): Reason =>
    r('device.not-configured', 'red', `Utstyret «${id}» mangler i oppsettet — ring IT`, `Device "${id}" is missing from the configuration — call IT`, id),

  deviceDisabled: (id: string, name: string): Reason =>
    r('device.disabled', 'red', `${name} er slått av i oppsettet — ring IT`, `${name} is disabled in the configuration — call IT`, id),

  batteryShort: (id: string, name: string, minutesLeft: number, sessionMinutes: number): Reason =>
    r('device.battery-short', 'amber',
      `${name}-batteriet varer ca. ${Math.round(minutesLeft)} min, konsultasjonen tar ${sessionMinutes} min — sett den til lading`,
      `The ${name} battery lasts about ${Math.round(minutesLeft)} min, the consultation takes ${sessionMinutes} min — put it on charge`, id),

  networkNotMeasured: (): Reason =>
    r('network.unmeasured', 'amber', 'Nettverket er ikke målt ennå', 'The network has not been measured yet'),

  networkStale: (minutes: number): Reason =>
    r('network.stale', 'amber', `Nettverket er ikke målt på ${Math.round(minutes)} min`, `The network has not been measured for ${Math.round(minutes)} min`),

  rtt: (level: Level, value: number, max: number): Reason => level === 'red'
    ? r('network.rtt', level, `Nettverket er for tregt (svartid ${num(value, 'nb')} ms, skal være under ${num(max, 'nb')} ms) — video vil hakke`,
      `The network is too slow (round trip ${num(value, 'en')} ms, must be below ${num(max, 'en')} ms) — video will stutter`)
    : r('network.rtt', level, `Nettverket nærmer seg grensen (svartid ${num(value, 'nb')} ms, grense ${num(max, 'nb')} ms)`,
      `The network is close to its limit (round trip ${num(value, 'en')} ms, limit ${num(max, 'en')} ms)`),

  jitter: (level: Level, value: number, max: number): Reason => level === 'red'
    ? r('network.jitter', level, `Nettverket er ustabilt (variasjon ${num(value, 'nb')} ms, skal være under ${num(max, 'nb')} ms) — video vil hakke`,
      `The network is unstable (jitter ${num(value, 'en')} ms, must be below ${num(max, 'en')} ms) — video will stutter`)
    : r('network.jitter', level, `Nettverket er litt ustabilt (variasjon ${num(value, 'nb')} ms, grense ${num(max, 'nb')} ms)`,
      `The network is somewhat unstable (jitter ${num(value, 'en')} ms, limit ${num(max, 'en')} ms)`),

  loss: (level: Level, value: number, max: number): Reason => level === 'red'
    ? r('network.loss', level, `Nettverket mister data (${num(value, 'nb')} % tap, skal være under ${num(max, 'nb')} %) — video vil falle ut`,
      `The network is losing data (${num(value, 'en')} % loss, must be below ${num(max, 'en')} %) — video will drop out`)
    : r('network.loss', level, `Nettverket mister litt data (${num(value, 'nb')} % tap, grense ${num(max, 'nb')} %)`,
      `The network is losing some data (${num(value, 'en')} % loss, limit ${num(max, 'en')} %)`),

  bandwidth: (level: Level, direction: 'up' | 'down', value: number, min: number): Reason => {
    const nbDir = direction === 'up' ? 'ut' : 'inn'
    const enDir = direction === 'up' ? 'upload' : 'download'
    return level === 'red'
      ? r(`network.bandwidth-${direction}`, level, `For lite båndbredde ${nbDir} (${num(value, 'nb')} Mbit/s, trenger ${num(min, 'nb')} Mbit/s) — video vil bli dårlig`,
        `Not enough ${enDir} bandwidth (${num(value, 'en')} Mbit/s, needs ${num(min, 'en')} Mbit/s) — video will suffer`)
      : r(`network.bandwidth-${direction}`, level, `Båndbredden ${nbDir} er nær grensen (${num(value, 'nb')} Mbit/s, trenger ${num(min, 'nb')} Mbit/s)`,
        `${enDir === 'upload' ? 'Upload' : 'Download'} bandwidth is close to the limit (${num(value, 'en')} Mbit/s, needs ${num(min, 'en')} Mbit/s)`)
  },

  uplinkDown: (): Reason =>
    r('uplink.down', 'amber', 'Ingen forbindelse til sykehusets server — rommet kan brukes, men IT ser ikke status',
      'No connection to the hospital\'s server — the room can be used, but IT cannot see its status'),

  unknownProfile: (profile: string): Reason =>
    r('profile.unknown', 'amber', `Ukjent konsultasjonstype «${profile}» — sjekker standardutstyret`,
      `Unknown consultation type "${profile}" — checking the default equipment`),

  settling: (): Reason =>
    r('readiness.settling', 'amber', 'Feilen er rettet — sjekker at alt holder seg stabilt', 'The fault is fixed — checking that everything stays stable')
}

export interface SummaryContext {
  level: ReadinessLevel
  first: Reason | undefined
  /** "09:30", when a consultation is coming. */
  sessionTime: string | null
  supportPhone?: string
  supportName?: LocalizedText
  /** Names that keep their capital letter mid-sentence (device names). */
  names: readonly string[]
  /** The specialist of the consultation (role only, never a name). */
  specialist?: 'ready' | 'absent'
}

const specialistWords: Record<'ready' | 'absent', LocalizedText> = {
  ready: { nb: 'Spesialisten er klar', en: 'The specialist is ready' },
  absent: { nb: 'Spesialisten har ikke koblet seg på ennå', en: 'The specialist has not joined yet' }
}

/**
 * The sentence the light shows under its colour word, and after it, when the hub knows, whether the
 * specialist is there: that is information for staff, not a fault, so it never changes the colour.
 */
export function summarize (ctx: SummaryContext): LocalizedText {
  const sentence = roomSentence(ctx)
  if (ctx.specialist === undefined) return sentence
  const s = specialistWords[ctx.specialist]
  const end = (text: string): string => /[.!?]$/.test(text) ? text : `${text}.`
  return { nb: `${end(sentence.nb)} ${s.nb}`, en: `${end(sentence.en)} ${s.en}` }
}

function roomSentence (ctx: SummaryContext): LocalizedText {
  if (ctx.level === 'green' || ctx.first === undefined) {
    return ctx.sessionTime !== null
      ? { nb: `Rommet er klart for konsultasjonen kl. ${ctx.sessionTime}`, en: `The room is ready for the ${ctx.sessionTime} consultation` }
      : { nb: 'Rommet er klart', en: 'The room is ready' }
  }
  if (ctx.level === 'amber') {
    return {
      nb: `Fungerer, men ${midSentence(ctx.first.message.nb, ctx.names)}`,
      en: `Works, but ${midSentence(ctx.first.message.en, ctx.names)}`
    }
  }
  if (ctx.supportPhone === undefined) return ctx.first.message
  const who = ctx.supportName ?? { nb: 'IT-support', en: 'IT support' }
  return {
    nb: `${ctx.first.message.nb}, ring ${who.nb} på ${ctx.supportPhone}`,
    en: `${ctx.first.message.en}, call ${who.en} on ${ctx.supportPhone}`
  }
}

/** Lower-cases a sentence's first letter to continue a sentence, unless it starts a name. */
function midSentence (text: string, names: readonly string[]): string {
  if (names.some((n) => n !== '' && text.startsWith(n))) return text
  const first = text.split(/[\s-]/, 1)[0] ?? ''
  if (/[A-ZÆØÅ]/.test(first.slice(1))) return text // an acronym or a brand such as HoloLens, IT
  return text.charAt(0).toLocaleLowerCase('nb-NO') + text.slice(1)
}
