// The camera's clock: reading GetSystemDateAndTime and working out how far the camera is off.
// WS-Security tokens carry a timestamp that cameras check against their own clock, so a camera
// whose clock has drifted rejects correct passwords; the driver measures the drift on every probe,
// tells the library (its "time shift") and reports it.
import { child, textOf, type XmlElement } from './xml.js'

/**
 * The camera's UTC time from a GetSystemDateAndTimeResponse, in ms since the epoch, or null when it
 * gives none we can trust (no UTCDateTime: LocalDateTime alone needs the camera's POSIX TZ rules).
 */
export function cameraUtcMs (response: XmlElement): number | null {
  const utc = child(child(response, 'SystemDateAndTime'), 'UTCDateTime')
  if (utc === undefined) return null
  const part = (...names: string[]): number => Number(textOf(utc, ...names))
  const [year, month, day] = [part('Date', 'Year'), part('Date', 'Month'), part('Date', 'Day')]
  const [hour, minute, second] = [part('Time', 'Hour'), part('Time', 'Minute'), part('Time', 'Second')]
  const all = [year, month, day, hour, minute, second]
  if (!all.every(Number.isInteger)) return null
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null
  const ms = Date.UTC(year, month - 1, day, hour, minute, second)
  return Number.isFinite(ms) ? ms : null
}

/**
 * Drift = camera clock − our clock, at the moment the camera answered. The camera gives whole
 * seconds, so its true time lies in [t, t + 1 s): take the middle. The request's own round trip
 * is split evenly (the answer left the camera halfway between send and receive).
 */
export function clockDriftMs (cameraMs: number, sentAt: number, receivedAt: number): number {
  return Math.round(cameraMs + 500 - (sentAt + receivedAt) / 2)
}
