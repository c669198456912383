// Every sentence the onvif-camera driver shows people, Norwegian bokmål first, English second, in
// one place (as Home Assistant keeps an integration's strings). Written for staff reading the light
// from across the room: what is wrong and what to do. The camera is named as staff know it.
import { reason } from '../contract.js'
import type { Reason } from '../../protocol/messages.js'

interface Noun { nb: string, nbLower: string, en: string, enLower: string }

/** "Kameraet" for a camera called Kamera, else "Kameraet «Romkamera»" — never a device id. */
function cameraNoun (name: string): Noun {
  const generic = /^(kamera|kameraet|camera)$/i.test(name.trim())
  const quoted = generic ? '' : ` «${name.trim()}»`
  return { nb: `Kameraet${quoted}`, nbLower: `kameraet${quoted}`, en: `The camera${quoted}`, enLower: `the camera${quoted}` }
}

/** Our preset names in Norwegian where we know them (config keys are usually English). */
const PRESET_NB: Record<string, string> = { patient: 'pasient', overview: 'oversikt', home: 'hjem', door: 'dør', whiteboard: 'tavle', bed: 'seng' }

const quoteList = (names: string[], and: string): string => {
  const quoted = names.map((n) => `«${n}»`)
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} ${and} ${quoted.at(-1) as string}`
}

/** 95 s → "1 min 35 s"; the clock drift as people say it. */
export function formatDuration (ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 !== 0 ? ` ${s % 60} s` : ''}`
  const h = Math.floor(s / 3600)
  return `${h} t ${Math.round((s % 3600) / 60)} min`
}

export interface CameraReasons {
  unreachable: () => Reason
  notResponding: () => Reason
  notOnvif: () => Reason
  badReply: () => Reason
  credentialsRejected: () => Reason
  cameraError: (detail: string) => Reason
  noProfile: () => Reason
  clockDrift: (driftMs: number) => Reason
  snapshotFailed: (detail: string) => Reason
  presetMissing: (names: string[], repairing: boolean) => Reason
  driverError: () => Reason
  notConnected: () => Reason
  noPtz: () => Reason
  presetUnknown: (name: string, known: string[]) => Reason
  commandFailed: (detail: string) => Reason
}

export function cameraReasons (name: string, device?: string): CameraReasons {
  const k = cameraNoun(name)
  const red = { level: 'red' as const, ...(device !== undefined ? { device } : {}) }
  const amber = { level: 'amber' as const, ...(device !== undefined ? { device } : {}) }
  const short = (detail: string): string => detail.replace(/\s+/g, ' ').trim().slice(0, 200) || 'unknown error'
  return {
    unreachable: () => reason('camera.unreachable',
      `${k.nb} svarer ikke — sjekk strøm og nettverkskabel`,
      `${k.en} does not answer — check its power and network cable`, red),
    notResponding: () => reason('camera.not-responding',
      `${k.nb} er på nettet, men svarer ikke på kommandoer — slå kameraet av og på igjen`,
      `${k.en} is on the network but does not answer commands — switch it off and on again`, red),
    notOnvif: () => reason('camera.not-onvif',
      `Noe annet enn et kamera svarer på adressen til ${k.nbLower} — be IT sjekke adresse og port i oppsettet`,
      `Something other than an ONVIF camera answers at the address of ${k.enLower} — ask IT to check the address and port in the configuration`, red),
    badReply: () => reason('camera.bad-reply',
      `${k.nb} svarer med ugyldige data — slå kameraet av og på igjen, og ring IT hvis det ikke hjelper`,
      `${k.en} answers with invalid data — switch it off and on again, and call IT if that does not help`, red),
    credentialsRejected: () => reason('camera.credentials-rejected',
      `${k.nb} godtar ikke brukernavnet eller passordet — IT må oppdatere innloggingen i oppsettet`,
      `${k.en} rejects the user name or password — IT must update the login in the configuration`, red),
    cameraError: (detail) => reason('camera.error',
      `${k.nb} svarer med en feilmelding — slå kameraet av og på igjen, og ring IT hvis det ikke hjelper`,
      `${k.en} answers with an error (${short(detail)}) — switch it off and on again, and call IT if that does not help`, red),
    noProfile: () => reason('camera.no-profile',
      `${k.nb} har ingen videoprofil — IT må sette opp kameraet`,
      `${k.en} has no media profile — IT must set up the camera`, red),
    clockDrift: (driftMs) => reason('camera.clock-drift',
      `Klokken i ${k.nbLower} går ${formatDuration(driftMs)} ${driftMs > 0 ? 'for fort' : 'for sakte'} — slå på NTP i kameraet eller still klokken`,
      `The clock of ${k.enLower} is ${formatDuration(driftMs)} ${driftMs > 0 ? 'ahead' : 'behind'} — turn on NTP on the camera or set its clock`, amber),
    snapshotFailed: (detail) => reason('camera.snapshot-failed',
      `${k.nb} gir ikke stillbilde — video kan likevel virke; ring IT hvis bildet mangler`,
      `${k.en} gives no still image (${short(detail)}) — video may still work; call IT if the picture is missing`, amber),
    presetMissing: (names, repairing) => {
      const nbNames = quoteList(names.map((n) => PRESET_NB[n] ?? n), 'og')
      const enNames = quoteList(names, 'and')
      const many = names.length > 1
      const nbWhat = k.nb === 'Kameraet'
        ? `Kameraets ${many ? 'forhåndsinnstillinger' : 'forhåndsinnstilling'} ${nbNames} mangler`
        : `${many ? 'Forhåndsinnstillingene' : 'Forhåndsinnstillingen'} ${nbNames} mangler i ${k.nbLower}`
      const enWhat = k.en === 'The camera'
        ? `The camera's ${many ? 'presets' : 'preset'} ${enNames} ${many ? 'are' : 'is'} missing`
        : `${many ? 'Presets' : 'Preset'} ${enNames} of ${k.enLower} ${many ? 'are' : 'is'} missing`
      return reason('camera.preset-missing',
        `${nbWhat} — ${repairing ? (many ? 'de gjenopprettes nå' : 'den gjenopprettes nå') : `lagre ${many ? 'dem' : 'den'} på nytt i kameraet, eller ring IT`}`,
        `${enWhat} — ${repairing ? `re-creating ${many ? 'them' : 'it'} now` : `save ${many ? 'them' : 'it'} again on the camera, or call IT`}`, amber)
    },
    driverError: () => reason('camera.driver-error',
      `Feil i styringen av ${k.nbLower} — ring IT`,
      `The control of ${k.enLower} failed — call IT`, red),
    notConnected: () => reason('camera.not-connected',
      `${k.nb} er ikke tilkoblet nå — prøv igjen om litt`,
      `${k.en} is not connected right now — try again in a moment`),
    noPtz: () => reason('camera.no-ptz',
      `${k.nb} kan ikke snus eller zoomes`,
      `${k.en} cannot pan, tilt or zoom`),
    presetUnknown: (name, known) => reason('camera.preset-unknown',
      `${k.nb} har ingen forhåndsinnstilling som heter «${name}»${known.length > 0 ? ` (kjente: ${known.join(', ')})` : ''}`,
      `${k.en} has no preset called «${name}»${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`),
    commandFailed: (detail) => reason('camera.command-failed',
      `${k.nb} utførte ikke kommandoen — prøv igjen, og ring IT hvis det ikke hjelper`,
      `${k.en} did not carry out the command (${short(detail)}) — try again, and call IT if that does not help`)
  }
}
