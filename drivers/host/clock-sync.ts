// Is the box's clock synchronised? It matters more than it seems: TLS to the hub and Digest auth to
// cameras fail with a wrong clock, and readings get the wrong time. Asked of whatever keeps time on
// this box, in order: systemd-timesyncd's flag file, timedatectl, chronyc. When none is there the
// answer is "unknown", which is not a failure (a NUC may use ntpd, a container has no say).
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { runTool, type ToolFinder } from './tools.js'

export interface ClockSync {
  synced: boolean | null
  /** Which source answered: `timesyncd`, `timedatectl`, `chrony` or `none`. */
  source: 'timesyncd' | 'timedatectl' | 'chrony' | 'none'
  /** chrony only: how far the clock is from NTP time (ms; positive = fast). */
  offsetMs: number | null
}

/** `timedatectl show -p NTPSynchronized --value` prints `yes` or `no`. */
export function parseTimedatectl (output: string): boolean | null {
  const v = output.trim().toLowerCase()
  return v === 'yes' ? true : v === 'no' ? false : null
}

/**
 * `chronyc tracking`: `Leap status : Normal` when synchronised, `Not synchronised` when not;
 * `System time : 0.000123 seconds fast of NTP time` gives the offset.
 */
export function parseChronycTracking (output: string): { synced: boolean, offsetMs: number | null } | null {
  const leap = /^Leap status\s*:\s*(.+)$/mi.exec(output)?.[1]?.trim()
  if (leap === undefined) return null
  const m = /^System time\s*:\s*([\d.]+)\s+seconds\s+(fast|slow)/mi.exec(output)
  const offsetMs = m === null ? null : Math.round(Number(m[1]) * 1000 * (m[2] === 'slow' ? -1 : 1) * 10) / 10
  return { synced: !/not synchroni[sz]ed/i.test(leap), offsetMs }
}

export async function readClockSync (runRoot: string, tools: ToolFinder, timeoutMs: number): Promise<ClockSync> {
  // timesyncd creates this file at its first successful synchronisation (systemd ≥ 239).
  try {
    await access(join(runRoot, 'systemd', 'timesync', 'synchronized'))
    return { synced: true, source: 'timesyncd', offsetMs: null }
  } catch {}

  const timedatectl = tools.find('timedatectl')
  if (timedatectl !== null) {
    const out = await runTool(timedatectl, ['show', '-p', 'NTPSynchronized', '--value'], timeoutMs)
    const synced = out === null ? null : parseTimedatectl(out)
    if (synced !== null) return { synced, source: 'timedatectl', offsetMs: null }
  }

  const chronyc = tools.find('chronyc')
  if (chronyc !== null) {
    const out = await runTool(chronyc, ['-n', 'tracking'], timeoutMs)
    const tracking = out === null ? null : parseChronycTracking(out)
    if (tracking !== null) return { synced: tracking.synced, source: 'chrony', offsetMs: tracking.offsetMs }
  }
  return { synced: null, source: 'none', offsetMs: null }
}
