// The sentences the serial-sensor driver puts in its health: Norwegian for staff in the room (what
// is wrong and what to do, naming the device as they know it), English with the technical detail
// for IT. One function per situation, each with a stable code.
import type { Reason } from '../../protocol/messages.js'
import { reason } from '../contract.js'
import type { HealthConcern } from './sensor-conditions.js'
import type { LinkFailure } from './link-errors.js'

export interface DeviceNaming {
  id: string
  /** The name staff know the device by (config `name`), e.g. "Pulsoksymeter". */
  name: string
}

function about (device: DeviceNaming, code: string, nb: string, en: string): Reason {
  return reason(code, nb, en, { device: device.id })
}

export function connecting (device: DeviceNaming, target: string): Reason {
  return about(device, 'serial.connecting', `Kobler til ${device.name} …`, `${device.name}: opening ${target}`)
}

export function waitingForData (device: DeviceNaming, target: string): Reason {
  return about(device, 'serial.waiting', `Venter på data fra ${device.name}`, `${device.name}: ${target} is open, waiting for the first line`)
}

export function openFailed (device: DeviceNaming, failure: LinkFailure): Reason {
  // A missing device is for staff to fix (cable, power); a port the box may not use is for IT.
  if (failure.cause === 'permission' || failure.cause === 'busy' || failure.cause === 'not-serial') {
    return about(device, 'serial.port-unusable', `${device.name} kan ikke brukes av boksen — ring IT-support`, `${device.name}: ${failure.message}`)
  }
  return about(device, 'serial.unreachable', `Får ikke kontakt med ${device.name} — sjekk at kabelen sitter i og at det er slått på`, `${device.name}: ${failure.message}`)
}

export function disconnected (device: DeviceNaming, target: string, detail: string): Reason {
  return about(device, 'serial.disconnected', `Mistet kontakten med ${device.name} — sjekk at kabelen sitter i`,
    `${device.name}: lost ${target} (${detail}); reconnecting`)
}

export function silent (device: DeviceNaming, silentMs: number): Reason {
  const seconds = Math.round(silentMs / 1000)
  return about(device, 'serial.silent', `Ingen data fra ${device.name} — sjekk at det er slått på og at kabelen sitter i`,
    `No data from ${device.name} for ${seconds} s — check that it is switched on and that the cable is plugged in`)
}

export function unreadable (device: DeviceNaming, protocol: string, why: string | null): Reason {
  return about(device, 'serial.unreadable', `Uleselige data fra ${device.name} — ring IT-support`,
    `${device.name}: lines arrive but none reads as ${protocol}${why !== null ? ` (last: ${why})` : ''} — check the device's serial output mode (Masimo: ASCII 1) and the baud rate`)
}

const CONCERN_TEXT: Record<HealthConcern, (name: string) => [nb: string, en: string]> = {
  'no-sensor': (name) => [`Ingen sensor koblet til ${name} — koble til sensoren`, `${name}: no sensor or patient cable connected`],
  'sensor-fault': (name) => [`Feil på sensoren eller kabelen til ${name} — bytt sensor eller kabel`, `${name}: the sensor or patient cable is defective, unrecognised or expired`],
  'sensor-off-patient': (name) => [`Sensoren til ${name} sitter ikke på pasienten — fest den på fingeren`, `${name}: sensor off patient`],
  'no-signal': (name) => [`${name} får ikke målt ennå — hold hånden i ro og sjekk at sensoren sitter godt`, `${name}: no values (searching for a pulse)`],
  'weak-signal': (name) => [`Svakt signal til ${name} — sjekk at sensoren sitter godt, hold hånden i ro og varm`, `${name}: weak signal (low perfusion, low signal quality, interference or ambient light); values are less reliable`],
  'low-battery': (name) => [`Lavt batteri på ${name} — koble til strøm`, `${name}: low battery`]
}

export function concern (device: DeviceNaming, which: HealthConcern): Reason {
  const [nb, en] = CONCERN_TEXT[which](device.name)
  return about(device, `serial.${which}`, nb, en)
}

export function implausible (device: DeviceNaming, names: readonly string[]): Reason {
  return about(device, 'serial.implausible', `Urimelige måleverdier fra ${device.name} — sjekk sensoren`,
    `${device.name}: implausible values (${names.join(', ')}), flagged invalid`)
}
