// How long a device may stay silent before the supervisor marks it down follows the device's own
// settings: a camera polled every ten minutes is not "down" between two polls. Each real device
// family is checked on entries that went through the room config loader, as the gateway gets them.
import t from 'tap'
import { roomConfigFromObject, type DeviceConfig } from '../../gateway/config.js'
import { staleWindow } from '../../gateway/supervisor.js'
import { driverFactories } from '../../drivers/registry.js'

const base = {
  room: 'rodoy-1', name: 'Helserom Rødøy', site: 'Rødøy kommune',
  hub: { url: 'mqtt://127.0.0.1:1883' },
  profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' } } }
}

const entries = {
  'onvif-camera': { host: '192.168.1.20' },
  hololens: { url: 'https://192.168.1.30', username: 'helserom', password: 'x' },
  'video-stream': { url: 'rtsp://192.168.1.40:554/live' },
  host: {}
} as const

/** The validated entry, as the supervisor receives it. */
function device (kind: keyof typeof entries, fields: Record<string, unknown> = {}): DeviceConfig {
  const room = roomConfigFromObject('test.yaml', { ...base, devices: [{ id: 'd-1', name: 'Utstyr', kind, ...entries[kind], ...fields }] })
  return room.devices[0] as DeviceConfig
}

const windowOf = (config: DeviceConfig): number => staleWindow(config, driverFactories[config.kind])

t.test('at default settings each family keeps its default window', async (t) => {
  for (const kind of Object.keys(entries) as Array<keyof typeof entries>) {
    t.equal(windowOf(device(kind)), driverFactories[kind]!.defaultStaleAfterMs, kind)
  }
})

t.test('the slowest poll a config allows still fits in the window, with its timeouts', async (t) => {
  const slow: Array<[keyof typeof entries, Record<string, unknown>, number]> = [
    ['onvif-camera', { pollIntervalMs: 600_000, timeoutMs: 60_000 }, 600_000 + 2 * 60_000],
    ['hololens', { pollIntervalMs: 3_600_000, timeoutMs: 120_000 }, 3_600_000 + 3 * 120_000],
    ['video-stream', { pollIntervalMs: 3_600_000, timeoutMs: 120_000, measureWindowMs: 60_000 }, 3_600_000 + 2 * 120_000 + 60_000],
    ['host', { pollIntervalMs: 3_600_000, toolTimeoutMs: 60_000 }, 3_600_000 + 2 * 60_000]
  ]
  for (const [kind, fields, longestGap] of slow) {
    const window = windowOf(device(kind, fields))
    t.ok(window >= 2 * longestGap, `${kind}: ${window} ms covers two of its longest gaps between reports (${longestGap} ms)`)
  }
})

t.test('a poll slower than the default window, from ${VAR}, widens it too', async (t) => {
  const room = roomConfigFromObject('test.yaml', {
    ...base, devices: [{ id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', host: '192.168.1.20', pollIntervalMs: '${CAM_POLL_MS}' }]
  }, { env: { CAM_POLL_MS: '60000' } })
  t.equal(windowOf(room.devices[0] as DeviceConfig), 3 * (60_000 + 2 * 3000) + 2000)
})

t.test('an entry\'s own staleAfterMs wins', async (t) => {
  t.equal(windowOf(device('onvif-camera', { pollIntervalMs: 600_000, staleAfterMs: 5000 })), 5000)
})
