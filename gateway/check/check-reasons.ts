// Every sentence the pre-session check writes, Norwegian bokmål first, English second: what each
// step checks (its label) and, when it fails, what is wrong and what to do — naming the device as
// staff know it (its config `name`), never by id. A red reason ends with what staff can do in the
// room; the light adds "ring IT-support på …" itself (readiness/reasons.ts), so it is not said twice.
import type { LocalizedText, Reason } from '../../protocol/messages.js'
import { reasons as readinessReasons } from '../readiness/reasons.js'
import { networkReasons } from '../network/reasons.js'

type Level = 'amber' | 'red'

function r (code: string, level: Level, nb: string, en: string, device?: string): Reason {
  return { code, level, message: { nb, en }, ...(device !== undefined ? { device } : {}) }
}

/** Numbers as staff read them: a decimal comma in Norwegian, few decimals. */
export function num (value: number, lang: 'nb' | 'en'): string {
  const digits = Math.abs(value) >= 10 ? 0 : 1
  return value.toLocaleString(lang === 'nb' ? 'nb-NO' : 'en-GB', { maximumFractionDigits: digits })
}

/** A driver's own sentence, shortened to fit inside ours. */
function detail (why: Reason | null | undefined, lang: 'nb' | 'en'): string {
  if (why === null || why === undefined) return ''
  const text = why.message[lang].replace(/[.\s]+$/, '')
  return ` (${text.length > 160 ? text.slice(0, 157) + '…' : text})`
}

export const labels = {
  cameraPreset: (name: string, preset: string): LocalizedText => ({ nb: `${name}: gå til «${preset}»`, en: `${name}: go to "${preset}"` }),
  cameraSnapshot: (name: string): LocalizedText => ({ nb: `${name}: ta et bilde`, en: `${name}: take a picture` }),
  cameraRestore: (name: string): LocalizedText => ({ nb: `${name}: tilbake dit det sto`, en: `${name}: back to where it was` }),
  sensorReading: (name: string): LocalizedText => ({ nb: `${name}: gir målinger`, en: `${name}: gives readings` }),
  battery: (name: string): LocalizedText => ({ nb: `${name}: batteriet varer konsultasjonen`, en: `${name}: the battery lasts the consultation` }),
  streamBitrate: (name: string): LocalizedText => ({ nb: `${name}: videokvalitet`, en: `${name}: video bitrate` }),
  deviceHealth: (name: string): LocalizedText => ({ nb: `${name}: virker`, en: `${name}: works` }),
  networkQuality: (): LocalizedText => ({ nb: 'Nettverket: svartid, stabilitet og tap', en: 'Network: round trip, jitter and loss' }),
  throughput: (): LocalizedText => ({ nb: 'Nettverket: båndbredde', en: 'Network: bandwidth' }),
  clock: (): LocalizedText => ({ nb: 'Klokken i gatewayboksen', en: 'The gateway box\'s clock' })
}

export const checkReasons = {
  presetFailed: (id: string, name: string, preset: string, why: Reason | null): Reason => r('check.camera-preset', 'red',
    `${name} gikk ikke til posisjonen «${preset}»${detail(why, 'nb')} — sjekk strøm og nettverkskabel til kameraet`,
    `${name} did not go to the "${preset}" position${detail(why, 'en')} — check the camera's power and network cable`, id),

  snapshotFailed: (id: string, name: string, why: Reason | null): Reason => r('check.camera-snapshot', 'red',
    `${name} gir ikke bilde${detail(why, 'nb')} — sjekk at kameraet har strøm og at linsen ikke er tildekket`,
    `${name} gives no picture${detail(why, 'en')} — check that the camera has power and that the lens is not covered`, id),

  restoreFailed: (id: string, name: string, preset: string, why: Reason | null): Reason => r('check.camera-restore', 'amber',
    `${name} gikk ikke tilbake til «${preset}»${detail(why, 'nb')} — still kameraet selv eller ring IT`,
    `${name} did not go back to "${preset}"${detail(why, 'en')} — move the camera by hand or call IT`, id),

  noReading: (id: string, name: string, seconds: number): Reason => r('check.sensor-silent', 'red',
    `${name} sendte ingen målinger på ${Math.round(seconds)} sekunder — sjekk at den er slått på og at kabelen sitter i boksen`,
    `${name} sent no readings in ${Math.round(seconds)} seconds — check that it is switched on and that its cable is plugged into the box`, id),

  sensorFault: (id: string, name: string, conditions: string[]): Reason => r('check.sensor-fault', 'red',
    `${name} melder feil på sensoren (${conditions.join(', ')}) — sjekk at sensoren er koblet til, bytt sensor om det ikke hjelper`,
    `${name} reports a sensor fault (${conditions.join(', ')}) — check that the sensor is connected, replace it if that does not help`, id),

  implausible: (id: string, name: string, values: string[]): Reason => r('check.sensor-implausible', 'amber',
    `${name} gir urimelige verdier (${values.join(', ')}) — sjekk at sensoren sitter som den skal`,
    `${name} gives implausible values (${values.join(', ')}) — check that the sensor is placed properly`, id),

  batteryShort: (id: string, name: string, minutesLeft: number, needMinutes: number): Reason => r('check.battery-short', 'amber',
    `${name}-batteriet varer ca. ${Math.round(minutesLeft)} min, konsultasjonen trenger ${Math.round(needMinutes)} min — sett den til lading nå`,
    `The ${name} battery lasts about ${Math.round(minutesLeft)} min, the consultation needs ${Math.round(needMinutes)} min — put it on charge now`, id),

  batteryUnknown: (id: string, name: string): Reason => r('check.battery-unknown', 'amber',
    `Får ikke lest batteriet på ${name} — sjekk at den er slått på`,
    `Cannot read the ${name} battery — check that it is switched on`, id),

  // A device with a sentence of its own (its driver's: "Kameraet svarer ikke — sjekk strøm og
  // nettverkskabel") is said once, in its words, as readiness says it; ours only when it has none.
  deviceDown: (id: string, name: string, why: Reason | null): Reason => why !== null
    ? { ...readinessReasons.deviceDown(id, name, why), code: 'check.device-down' }
    : r('check.device-down', 'red',
      `${name} svarer ikke — sjekk at den er slått på og koblet til`,
      `${name} is not responding — check that it is switched on and connected`, id),

  deviceDegraded: (id: string, name: string, why: Reason | null): Reason => why !== null
    ? { ...readinessReasons.deviceDegraded(id, name, why), code: 'check.device-degraded' }
    : r('check.device-degraded', 'amber',
      `${name} virker ikke helt som det skal`,
      `${name} is not working quite right`, id),

  streamUnverified: (id: string, name: string): Reason => r('check.stream-unverified', 'amber',
    `Fikk ikke målt videokvaliteten fra ${name} — kontakt IT om det varer`,
    `Could not measure ${name}'s video bitrate (the source offers no stream the gateway can time) — contact IT if this lasts`, id),

  streamLow: (id: string, name: string, kbps: number, minKbps: number): Reason => r('check.stream-bitrate', 'amber',
    `${name} sender for lav videokvalitet (${num(kbps, 'nb')} kbit/s, trenger ${num(minKbps, 'nb')}) — sjekk nettverkskabelen eller kontakt IT`,
    `${name} sends ${num(kbps, 'en')} kbit/s, below the ${num(minKbps, 'en')} kbit/s needed — check the network cable or contact IT`, id),

  networkUnmeasured: (): Reason => r('check.network-unmeasured', 'amber',
    'Nettverket er ikke målt — kontakt IT om det varer',
    'The network has not been measured — contact IT if this lasts'),

  networkPoor: (what: { nb: string, en: string }): Reason => r('check.network-quality', 'red',
    `Nettverket er for dårlig til video (${what.nb}) — video vil hakke`,
    `The network is not good enough for video (${what.en}) — video will stutter`),

  bandwidthShort: (direction: 'up' | 'down', mbps: number, need: number): Reason => r(`check.bandwidth-${direction}`, 'red',
    `For lite båndbredde ${direction === 'up' ? 'ut' : 'inn'} (${num(mbps, 'nb')} Mbit/s, trenger ${num(need, 'nb')} Mbit/s) — video vil bli dårlig`,
    `Not enough ${direction === 'up' ? 'upload' : 'download'} bandwidth (${num(mbps, 'en')} Mbit/s, needs ${num(need, 'en')} Mbit/s) — video will suffer`),

  throughputFailed: (why: Reason | null): Reason => r('check.bandwidth-unmeasured', 'amber',
    `Kunne ikke måle båndbredden${detail(why, 'nb')} — kontakt IT om det varer`,
    `Could not measure the bandwidth${detail(why, 'en')} — contact IT if this lasts`),

  clockOff: (offsetMs: number, device?: string): Reason => r('check.clock-offset', 'amber',
    `Klokken i gatewayboksen går feil (${num(Math.abs(offsetMs) / 1000, 'nb')} s fra sykehusets klokke) — kontakt IT`,
    `The gateway box's clock is ${num(Math.abs(offsetMs) / 1000, 'en')} s off the hospital's clock — contact IT (check NTP)`, device),

  clockNotSynced: (device?: string): Reason => r('check.clock-unsynced', 'amber',
    'Klokken i gatewayboksen er ikke synkronisert — kontakt IT',
    'The gateway box\'s clock is not synchronised — contact IT (check NTP)', device),

  hubRefused: (): Reason => ({ ...networkReasons.hubRefused(), code: 'check.hub-refused' }),

  clockUnverified: (device?: string): Reason => r('check.clock-unverified', 'amber',
    'Fikk ikke sjekket klokken i gatewayboksen — kontakt IT om det varer',
    'Could not check the gateway box\'s clock: nothing on the box says whether it is synchronised, and the hub\'s clock could not be asked — contact IT if this lasts (check NTP and hub.http)', device),

  /** A failed step as readiness shows it: said to come from the check. */
  inReadiness: (step: Reason): Reason => ({
    ...step,
    message: { nb: `Sjekk før timen: ${step.message.nb}`, en: `Pre-session check: ${step.message.en}` }
  })
}
