// Every sentence the HoloLens driver says to people, Norwegian bokmål first and English second, in
// one place: staff read the first half of the Norwegian on the light from across the room (what is
// wrong, what to do); IT reads the rest and the English (why, and how to fix it). The device is named
// as staff know it (its config `name`). Codes are stable: the readiness engine and the hub key on them.
import { reason } from '../contract.js'
import type { Reason } from '../../protocol/messages.js'
import type { DevicePortalError } from './device-portal-client.js'

const red = { level: 'red' } as const
const amber = { level: 'amber' } as const

export const hololensReasons = {
  unreachable: (name: string, detail: string): Reason => reason('hololens.unreachable',
    `${name} svarer ikke — sjekk at den er slått på og koblet til nettet`,
    `The ${name} does not answer — check that it is switched on and connected to the network (${clip(detail)})`, red),

  authRejected: (name: string, origin: string): Reason => reason('hololens.auth-rejected',
    `${name} godtar ikke innloggingen fra rommet — ring IT-support (IT: brukernavn/passord i romkonfigurasjonen stemmer ikke med Device Portal)`,
    `The ${name} Device Portal at ${origin} refused the user name or password (HTTP 401). IT: make this device's username/password in the room config match a Device Portal user on the HoloLens`, red),

  tlsUntrusted: (name: string, origin: string, why: string, pin: string | null, hex: string | null): Reason => reason('hololens.tls-untrusted',
    `${name} kan ikke kobles til sikkert — ring IT-support` +
      (pin !== null ? ` (IT: sertifikatet er ikke klarert; er det HoloLensens eget, legg inn certFingerprint: "${pin}" for enheten i romkonfigurasjonen)` : ' (IT: sertifikatet er ikke klarert)'),
    `The ${name} at ${origin} presented a certificate that is not trusted (${clip(why)}). ` +
      (pin !== null
        ? `A HoloLens serves its own self-signed certificate: if this is it, pin it in the room config with certFingerprint: "${pin}" (SHA-256 ${hex ?? '?'}). Compare it with the certificate downloaded from the device's Device Portal before pinning.`
        : 'It sent no certificate we could read.'), red),

  tlsPinMismatch: (name: string, origin: string, seenPin: string | null): Reason => reason('hololens.tls-pin-mismatch',
    `${name} viser et annet sertifikat enn det som er lagt inn — ring IT-support`,
    `The ${name} at ${origin} presented a certificate that is not the pinned one (seen certFingerprint "${seenPin ?? '?'}"). The HoloLens may have been reset and made a new certificate — or another device answers at this address. IT: check, then update certFingerprint in the room config`, red),

  tlsFailed: (name: string, origin: string, detail: string): Reason => reason('hololens.tls-failed',
    `${name} kan ikke kobles til sikkert — ring IT-support`,
    `Could not set up HTTPS with the ${name} at ${origin} (${clip(detail)}). IT: check that the url points at the HoloLens Device Portal over https (usually port 443)`, red),

  portalError: (name: string, path: string, detail: string): Reason => reason('hololens.portal-error',
    `${name} svarer ikke som den skal — start den på nytt, eller ring IT-support`,
    `The ${name} Device Portal answered ${path} with ${clip(detail)}`, red),

  badReply: (name: string, path: string, detail: string): Reason => reason('hololens.bad-reply',
    `${name} gir uventede svar — start den på nytt hvis det varer`,
    `The ${name} Device Portal sent a reply to ${path} we could not read (${clip(detail)})`, amber),

  batteryCritical: (name: string, pct: number): Reason => reason('hololens.battery-critical',
    `${name}-batteriet er på ${pct} % — sett den til lading nå`,
    `The ${name} battery is at ${pct} % — put it on the charger now`, red),

  batteryLow: (name: string, pct: number): Reason => reason('hololens.battery-low',
    `${name}-batteriet er på ${pct} % — sett den til lading`,
    `The ${name} battery is at ${pct} % — put it on the charger`, amber),

  thermalCritical: (name: string): Reason => reason('hololens.thermal-critical',
    `${name} er for varm og kan slå seg av — ta den av og la den kjøle seg ned`,
    `The ${name} is too hot (thermal stage 2, critical) and may shut apps down — take it off and let it cool down`, red),

  thermalWarm: (name: string, stage: number): Reason => reason('hololens.thermal-warm',
    `${name} er varm — la den hvile og kjøle seg ned før timen`,
    `The ${name} is running warm (thermal stage ${stage}) — let it rest and cool down before the consultation`, amber),

  streamSlow: (name: string, kbps: number, min: number): Reason => reason('hololens.stream-slow',
    `Videoen fra ${name} går for tregt — sjekk trådløsnettet, eller ring IT-support`,
    `The ${name} live video delivers ${kbps} kbit/s, below the ${min} kbit/s needed — check the Wi-Fi between the HoloLens and the gateway`, amber),

  streamNone: (name: string, path: string, detail: string): Reason => reason('hololens.stream-none',
    `${name} sender ikke video — start den på nytt, eller ring IT-support`,
    `The ${name} live video (${path}) delivers nothing: ${clip(detail)}`, amber),

  config: (name: string, problem: string): Reason => reason('hololens.config',
    `${name} er ikke satt opp riktig — ring IT-support`,
    `The room config entry of the ${name} is not usable: ${clip(problem)}`, red)
}

/** The reason for a request that failed before the device could say anything about itself. */
export function failureReason (name: string, origin: string, err: DevicePortalError): Reason {
  switch (err.kind) {
    case 'auth': return hololensReasons.authRejected(name, origin)
    case 'tls-untrusted': return hololensReasons.tlsUntrusted(name, origin, err.detail, err.certificate?.pin ?? null, err.certificate?.sha256Hex ?? null)
    case 'tls-pin-mismatch': return hololensReasons.tlsPinMismatch(name, origin, err.certificate?.pin ?? null)
    case 'tls-failed': return hololensReasons.tlsFailed(name, origin, err.detail)
    case 'http': return hololensReasons.portalError(name, err.path, err.detail)
    case 'bad-reply': return hololensReasons.badReply(name, err.path, err.detail)
    case 'timeout': return hololensReasons.unreachable(name, `${origin}: ${err.detail}`)
    case 'unreachable':
    case 'aborted':
      return hololensReasons.unreachable(name, `${origin}: ${err.detail}`)
  }
}

function clip (text: string, max = 240): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text
}
