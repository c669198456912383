// The camera part of the pre-session check: the camera goes to the profile's preset, a snapshot
// comes back, and the camera goes back where it was (the preset it reports in its health metrics,
// else `check.restorePreset`, else it stays at the profile's preset, where the consultation wants
// it anyway). While a consultation runs the camera is not moved: someone is looking through it.
import type { CheckStep, Reason } from '../../protocol/messages.js'
import { DeviceCommandError } from '../../drivers/contract.js'
import type { DeviceView } from '../readiness/evaluate.js'
import { checkReasons, labels } from './check-reasons.js'

type Step = Omit<CheckStep, 'ts'>

export interface CameraDeps {
  command: (device: string, name: string, args: Record<string, unknown>) => Promise<unknown>
  sleep: (ms: number) => Promise<void>
}

export interface CameraCheck {
  camera: DeviceView
  /** The profile's preset, if it names one. */
  preset: string | undefined
  moveAllowed: boolean
  settleMs: number
  restorePreset: string | undefined
}

/** The preset a camera says it is at (metric `preset` or `currentPreset`), if it says. */
export function currentPreset (camera: DeviceView): string | null {
  for (const key of ['preset', 'currentPreset']) {
    const v = camera.metrics[key]
    if (typeof v === 'string' && v !== '') return v
  }
  return null
}

function reasonOf (err: unknown): Reason | null {
  return err instanceof DeviceCommandError ? err.reason : null
}

export async function checkCamera (deps: CameraDeps, c: CameraCheck): Promise<Step[]> {
  const { id, name } = c.camera
  const steps: Step[] = []
  let moved = false
  const before = currentPreset(c.camera)

  if (c.preset !== undefined) {
    const label = labels.cameraPreset(name, c.preset)
    if (!c.moveAllowed) {
      steps.push({ name: 'camera.preset', device: id, passed: true, skipped: true, label, value: c.preset })
    } else {
      try {
        await deps.command(id, 'ptz.gotoPreset', { preset: c.preset })
        moved = true
        steps.push({ name: 'camera.preset', device: id, passed: true, label, value: c.preset })
        if (c.settleMs > 0) await deps.sleep(c.settleMs)
      } catch (err) {
        steps.push({ name: 'camera.preset', device: id, passed: false, label, value: c.preset, reason: checkReasons.presetFailed(id, name, c.preset, reasonOf(err)) })
      }
    }
  }

  const snapshotLabel = labels.cameraSnapshot(name)
  try {
    const result = await deps.command(id, 'snapshot', {}) as { bytes?: unknown, size?: unknown, contentType?: unknown } | undefined
    const bytes = typeof result?.bytes === 'number' ? result.bytes : typeof result?.size === 'number' ? result.size : null
    const image = typeof result?.contentType !== 'string' || result.contentType.startsWith('image/')
    if (bytes !== null && bytes > 0 && image) steps.push({ name: 'camera.snapshot', device: id, passed: true, label: snapshotLabel, value: bytes, unit: 'B' })
    else steps.push({ name: 'camera.snapshot', device: id, passed: false, label: snapshotLabel, value: bytes, unit: 'B', reason: checkReasons.snapshotFailed(id, name, null) })
  } catch (err) {
    steps.push({ name: 'camera.snapshot', device: id, passed: false, label: snapshotLabel, value: null, reason: checkReasons.snapshotFailed(id, name, reasonOf(err)) })
  }

  if (moved) {
    const target = before ?? c.restorePreset ?? null
    const label = labels.cameraRestore(name)
    if (target === null || target === c.preset) {
      steps.push({ name: 'camera.restore', device: id, passed: true, label, value: c.preset ?? null })
    } else {
      try {
        await deps.command(id, 'ptz.gotoPreset', { preset: target })
        steps.push({ name: 'camera.restore', device: id, passed: true, label, value: target })
      } catch (err) {
        steps.push({ name: 'camera.restore', device: id, passed: false, label, value: target, reason: checkReasons.restoreFailed(id, name, target, reasonOf(err)) })
      }
    }
  }
  return steps
}
