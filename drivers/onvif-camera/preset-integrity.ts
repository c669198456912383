// Which of the presets named in config the camera still has. Pure. A config value is a preset
// token or a preset name on the camera ({ patient: "1" } or { patient: "Pasient" }); after the
// driver has re-created a lost preset the camera may have given it a new token, which the learnt
// preset remembers, so the name keeps working.
import type { CameraPreset, PtzVector } from './onvif-client.js'

/** What the driver has learnt about one of our presets, kept across restarts. */
export interface LearntPreset {
  /** The camera's token for it, when last seen. */
  token: string
  /** The camera's name for it, when last seen. */
  name: string
  /** Where it points; null until learnt (GetPresets positions, or GetStatus after going there). */
  position: PtzVector | null
  learntAt: number
}

export interface PresetCheck {
  /** Our name (config key), e.g. patient. */
  name: string
  /** The config value: a camera token or name. */
  wanted: string
  /** The camera's preset, or null when it is missing. */
  found: CameraPreset | null
  learnt: LearntPreset | null
}

export function findCameraPreset (wanted: string, camera: CameraPreset[], learnt: LearntPreset | null): CameraPreset | null {
  return camera.find((p) => p.token === wanted) ??
    camera.find((p) => p.name === wanted) ??
    (learnt === null ? undefined : camera.find((p) => p.token === learnt.token && p.name === learnt.name)) ??
    null
}

export function checkPresets (configured: Record<string, string>, camera: CameraPreset[], learnt: Record<string, LearntPreset>): PresetCheck[] {
  return Object.entries(configured).map(([name, wanted]) => {
    const known = learnt[name] ?? null
    return { name, wanted, found: findCameraPreset(wanted, camera, known), learnt: known }
  })
}

const samePosition = (a: PtzVector | null, b: PtzVector | null): boolean =>
  a === b || (a !== null && b !== null && Math.abs(a.x - b.x) < 1e-4 && Math.abs(a.y - b.y) < 1e-4 && Math.abs(a.zoom - b.zoom) < 1e-4)

/**
 * What to remember after a check: each present preset's token, name and position (the camera's
 * position when it gives one, else what we learnt before). Returns only the entries that changed.
 */
export function learnFromChecks (checks: PresetCheck[], now: number): Record<string, LearntPreset> {
  const changed: Record<string, LearntPreset> = {}
  for (const check of checks) {
    if (check.found === null) continue
    const position = check.found.position ?? (check.learnt?.token === check.found.token ? check.learnt.position : null)
    const previous = check.learnt
    if (previous !== null && previous.token === check.found.token && previous.name === check.found.name && samePosition(previous.position, position)) continue
    changed[check.name] = { token: check.found.token, name: check.found.name, position, learntAt: now }
  }
  return changed
}

/** Missing presets split into those the driver can put back (it knows where) and those it cannot. */
export function planRepair (checks: PresetCheck[]): { recreate: PresetCheck[], unknown: PresetCheck[] } {
  const missing = checks.filter((c) => c.found === null)
  return {
    recreate: missing.filter((c) => c.learnt?.position != null),
    unknown: missing.filter((c) => c.learnt?.position == null)
  }
}
