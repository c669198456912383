// The three pilot rooms of the demo (DESIGN.md, "Command line"): which simulated devices each
// room has, its consultation profiles, and a day's schedule starting soon after the demo starts.
import { startHoloLensSimulator } from '../drivers/hololens/simulator.js'
import { startOnvifCameraSimulator } from '../drivers/onvif-camera/simulator.js'
import { startSerialSensorSimulator } from '../drivers/serial-sensor/simulator.js'
import { startVideoStreamSimulator } from '../drivers/video-stream/simulator.js'
import type { RunningSimulator } from '../drivers/contract.js'
import type { Consultation } from '../protocol/messages.js'

export interface DemoDevice {
  id: string
  name: string
  kind: string
  start: () => Promise<RunningSimulator>
  /** Fields added to the device entry beside the simulator's own. */
  extra?: Record<string, unknown>
}

export interface DemoRoom {
  room: string
  name: string
  site: string
  /** The municipality's IT: it answers for the room, its network and its box (issue 9's register). */
  municipalIt: { phone: string }
  devices: DemoDevice[]
  defaultProfile: string
  profiles: Record<string, unknown>
  /** Consultations relative to the demo's start. */
  schedule: (now: number) => Consultation[]
}

const minutes = (n: number): number => n * 60_000
/** Whole five minutes, as a real schedule would be. */
const roundUp = (ts: number): number => Math.ceil(ts / minutes(5)) * minutes(5)

const camera = (id: string, name: string): DemoDevice => ({ id, name, kind: 'onvif-camera', start: async () => await startOnvifCameraSimulator({}) })
const oximeter = (id: string): DemoDevice => ({ id, name: 'Pulsoksymeter', kind: 'serial-sensor', start: async () => await startSerialSensorSimulator({ tcpPort: 0, protocol: 'masimo-ascii', model: 'radical-7' }) })
const teamsNetwork = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1 }

export const demoRooms: DemoRoom[] = [
  {
    room: 'rodoy-1',
    name: 'Helserom Rødøy',
    site: 'Rødøy kommune',
    municipalIt: { phone: '75 09 50 00' },
    devices: [
      // `wide` is the course flow's preset (flows/examples/course-mode.json).
      { ...camera('cam-1', 'Kamera'), extra: { presets: { patient: '1', overview: '2', wide: '2' } } },
      { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', start: async () => await startVideoStreamSimulator({ stream: 'rtsp' }) },
      oximeter('spo2-1'),
      { id: 'box', name: 'Boksen', kind: 'host', start: async () => ({ address: 'this machine', deviceConfig: {}, stop: async () => {} }) }
    ],
    defaultProfile: 'ortopedi',
    profiles: {
      ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1', 'jodapro-1'], preset: 'patient', network: teamsNetwork },
      fysioterapi: { label: { nb: 'Fysioterapi', en: 'Physiotherapy' }, requires: ['cam-1'], preset: 'overview', network: teamsNetwork },
      // no `preset`: the course flow (course-mode.json) turns the camera to `wide` itself
      'lms-kurs': { label: { nb: 'Lærings- og mestringskurs', en: 'Learning and coping course' }, requires: ['cam-1'], network: teamsNetwork }
    },
    // A short course first, so that `demo --node-red` shows every example flow within half an hour:
    // course mode (camera wide, the oximeter's alerts muted) for ten minutes, then the orthopaedic
    // consultation turns the camera to the patient.
    schedule: (now) => [
      { id: 'rodoy-kurs', start: roundUp(now + minutes(5)), minutes: 10, profile: 'lms-kurs', title: 'Mestringskurs, kort økt' },
      { id: 'rodoy-c1', start: roundUp(now + minutes(20)), minutes: 30, profile: 'ortopedi' },
      { id: 'rodoy-c2', start: roundUp(now + minutes(90)), minutes: 45, profile: 'fysioterapi' }
    ]
  },
  {
    room: 'donna-1',
    name: 'Helserom Dønna',
    site: 'Dønna kommune',
    municipalIt: { phone: '75 05 60 00' },
    devices: [
      { id: 'derm-1', name: 'Dermatoskop', kind: 'video-stream', start: async () => await startVideoStreamSimulator({ stream: 'mjpeg', kbps: 4000 }) },
      { id: 'video-1', name: 'Videokamera', kind: 'video-stream', start: async () => await startVideoStreamSimulator({ stream: 'rtsp' }) },
      oximeter('spo2-1')
    ],
    defaultProfile: 'hud-og-sar',
    profiles: {
      'hud-og-sar': { label: { nb: 'Hud og sår', en: 'Skin and wounds' }, requires: ['derm-1', 'video-1'], network: { ...teamsNetwork, minUpMbps: 4.5 } }
    },
    schedule: (now) => [{ id: 'donna-c1', start: roundUp(now + minutes(45)), minutes: 20, profile: 'hud-og-sar' }]
  },
  {
    room: 'bronnoysund-1',
    name: 'Helserom Brønnøysund',
    site: 'Brønnøy kommune',
    municipalIt: { phone: '75 01 20 00' },
    devices: [
      camera('cam-1', 'Romkamera'),
      { id: 'hololens-1', name: 'HoloLens', kind: 'hololens', start: async () => await startHoloLensSimulator({ batteryPct: 84 }) }
    ],
    defaultProfile: 'lms-kurs',
    profiles: {
      'lms-kurs': { label: { nb: 'Lærings- og mestringskurs', en: 'Learning and coping course' }, requires: ['cam-1', 'hololens-1'], preset: 'overview', network: teamsNetwork }
    },
    schedule: (now) => [{ id: 'bronnoysund-c1', start: roundUp(now + minutes(60)), minutes: 90, profile: 'lms-kurs' }]
  }
]

/** The hospital's medical-technical department maintains the sensors; each municipality's IT the rest. */
export const demoParties = [
  { id: 'mtu', kind: 'medtech', name: { nb: 'medisinsk-teknisk avdeling', en: 'the medical-technical department' }, phone: '75 12 34 56', responseMinutes: 30 },
  ...demoRooms.map((r) => ({ id: `${r.room}-it`, kind: 'municipal-it', name: { nb: 'kommunens IT', en: 'the municipality\'s IT' }, phone: r.municipalIt.phone, serviceHours: { 'mon-fri': '08:00-15:30' }, responseMinutes: 120 }))
]

/** A room's register: who answers for what (cloud/register). Sensors are calibrated yearly. */
export function demoRegister (room: DemoRoom, now: number): Record<string, unknown> {
  const it = `${room.room}-it`
  const lastCalibration = new Date(now - 100 * 24 * 3_600_000).toISOString().slice(0, 10)
  return {
    support: it,
    network: { maintainer: it },
    box: { maintainer: it },
    // the box (kind host) reports into `box` above, not as a device of its own
    devices: Object.fromEntries(room.devices.filter((d) => d.kind !== 'host').map((d) => [d.id, d.kind === 'serial-sensor'
      ? { maintainer: 'mtu', calibration: { intervalDays: 365, last: lastCalibration } }
      : { maintainer: it }]))
  }
}
