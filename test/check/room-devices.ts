// Scripted stand-ins for a room's device families, for pre-session check tests that need a device
// to fail in one exact way: a camera with the onvif-camera commands (ptz.gotoPreset, snapshot) that
// reports the preset it is at, a sensor that sends the readings it is told, a HoloLens with a given
// battery, a stream with a given bitrate, a gateway box with a given clock state. They register under
// the real kinds so the check treats them as it treats real devices. The camera step is also run
// against the real ONVIF simulator (onvif-camera.test.ts).
import { Type } from '@sinclair/typebox'
import { DeviceCommandError, reason, type Driver, type DriverContext, type DriverFactory, type DriverHealth, type DriverReading } from '../../drivers/contract.js'

export interface DeviceScript {
  health: DriverHealth
  /** Sent every 100 ms while set (sensors). */
  reading: DriverReading | null
  /** Camera: presets it knows, where it is, what it was told, whether snapshots work. */
  presets: string[]
  at: string | null
  calls: string[]
  snapshotFails: boolean
  gotoFails: boolean
}

export const deviceScripts = new Map<string, DeviceScript>()

export function script (id: string): DeviceScript {
  let s = deviceScripts.get(id)
  if (s === undefined) {
    s = { health: { state: 'ok', metrics: {} }, reading: null, presets: ['patient', 'overview'], at: 'overview', calls: [], snapshotFails: false, gotoFails: false }
    deviceScripts.set(id, s)
  }
  return s
}

class ScriptedRoomDevice implements Driver {
  private timer: NodeJS.Timeout | null = null

  constructor (private readonly id: string, private readonly camera: boolean) {}

  async start (ctx: DriverContext): Promise<void> {
    const s = script(this.id)
    this.timer = setInterval(() => {
      const metrics = { ...(s.health.metrics ?? {}), ...(this.camera ? { preset: s.at } : {}) }
      ctx.emit.health({ ...s.health, metrics })
      if (s.reading !== null) ctx.emit.reading(s.reading)
    }, 100)
  }

  async stop (): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  async command (name: string, args: Record<string, unknown>): Promise<unknown> {
    const s = script(this.id)
    s.calls.push(name === 'ptz.gotoPreset' ? `${name} ${String(args.preset)}` : name)
    if (name === 'ptz.gotoPreset') {
      const preset = String(args.preset)
      if (s.gotoFails || !s.presets.includes(preset)) throw new DeviceCommandError(reason('camera.preset-missing', `Kameraet mangler posisjonen «${preset}»`, `The camera has no "${preset}" preset`))
      s.at = preset
      return { preset }
    }
    if (name === 'snapshot') {
      if (s.snapshotFails) throw new DeviceCommandError(reason('camera.snapshot-failed', 'Kameraet ga ikke noe bilde', 'The camera gave no picture'))
      return { contentType: 'image/jpeg', bytes: 48_213 }
    }
    throw new Error(`unexpected command ${name}`)
  }
}

const Any = Type.Object({}, { additionalProperties: true })

function family (kind: string, camera: boolean): DriverFactory {
  return {
    kind,
    label: { nb: kind, en: kind },
    configSchema: Any,
    defaultStaleAfterMs: 3_600_000,
    ...(camera
      ? {
          commands: [
            { name: 'ptz.gotoPreset', args: Type.Object({ preset: Type.String() }), label: { nb: 'Gå til', en: 'Go to' } },
            { name: 'snapshot', args: Type.Object({}, { additionalProperties: true }), label: { nb: 'Bilde', en: 'Snapshot' } }
          ]
        }
      : {}),
    create: (config) => new ScriptedRoomDevice(config.id, camera)
  }
}

/** The room's device families, scripted, under their real kinds. */
export const roomFactories: Record<string, DriverFactory> = {
  'onvif-camera': family('onvif-camera', true),
  'serial-sensor': family('serial-sensor', false),
  hololens: family('hololens', false),
  'video-stream': family('video-stream', false),
  host: family('host', false)
}

export const plausibleReading: DriverReading = { values: { spo2: 98, pulse: 72 }, units: { spo2: '%', pulse: '/min' } }
export const offPatientReading: DriverReading = { values: { spo2: null, pulse: null }, units: { spo2: '%', pulse: '/min' }, invalid: ['spo2', 'pulse'], conditions: ['sensor-off-patient'] }
export const noSensorReading: DriverReading = { values: { spo2: null, pulse: null }, units: { spo2: '%', pulse: '/min' }, invalid: ['spo2', 'pulse'], conditions: ['no-sensor'] }
