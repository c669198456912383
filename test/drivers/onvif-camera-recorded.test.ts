// The onvif-camera driver against replies recorded from a real camera (test/fixtures/recorded/
// onvif-recorded, replayed by operation name): it connects, reads the device information,
// profiles, stream and snapshot URIs and presets from what a real device sends, not only from
// what our simulator sends.
import t from 'tap'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { OnvifClient } from '../../drivers/onvif-camera/onvif-client.js'
import { checkMessage } from '../../protocol/validate.js'
import { runDriver } from './driver-contract.js'
import { waitFor } from '../helpers/index.js'
import { startRecordedCameraServer } from './onvif-recorded-server.js'

// The fixtures live beside the repository (shared/); say so clearly where they are absent.
t.test('the client reads a real camera\'s replies exactly as sent', async (t) => {
  const server = await startRecordedCameraServer()
  t.teardown(() => server.stop())
  const client = new OnvifClient({ host: '127.0.0.1', port: server.port, path: '/onvif/device_service', username: 'admin', password: 'qwe1010', timeoutMs: 3000 })
  t.teardown(() => client.close())
  client.setCameraClock(Date.now())

  const endpoints = await client.endpoints()
  t.equal(endpoints.via, 'GetServices')
  t.same(endpoints.services.ptz, '/onvif/services', 'the PTZ service path comes from GetServices (its host, 192.168.68.111, is not ours)')

  t.same(await client.deviceInformation(), { vendor: 'Mockup Manufacturer', model: 'Mockup Model', serial: '00000000', firmware: 'Mockup_15_14_13', hardware: 'MOCKUP' },
    'the device information as the camera wrote it')

  const profiles = await client.profiles()
  t.equal(profiles.length, 1)
  t.match(profiles[0], { token: 'main', name: 'main', ptz: true, encoding: 'H264', width: 1920, height: 1080 })

  t.equal(await client.streamUri('main'), 'rtsp://192.168.68.111/h264main')
  t.equal(await client.snapshotUri('main'), 'http://192.168.68.111/onvif-cgi/jpg/image.cgi?resolution=800x600&compression=20&camera=1', 'entities in the URI are decoded')

  const presets = await client.presets('main')
  t.equal(presets.length, 46, 'every preset of the recorded list')
  t.same(presets[0], { token: 'P001', name: 'P001', position: null })
  t.same(presets.filter((p) => p.name === 'Home').map((p) => p.token), ['Home', 'Home2'], 'two presets may share a name')

  const status = await client.status('main')
  t.same(status.position, { x: -0.864665985, y: 0.267444015, zoom: 0.211861998 })
  t.equal(status.moving, false)

  t.equal(await client.setPreset('main', 'door'), '20', 'the new preset token 20 stays the string "20" (the library makes it a number)')
  t.same(server.requests.slice(0, 2), ['device.GetServices', 'device.GetDeviceInformation'])
})

t.test('the driver connects to the recorded camera and reports what it read', async (t) => {
  const server = await startRecordedCameraServer()
  t.teardown(() => server.stop())
  const config = {
    id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', host: '127.0.0.1', port: server.port,
    username: 'admin', password: 'qwe1010', presets: { patient: 'P001', overview: 'Home' }, pollIntervalMs: 300, timeoutMs: 2000
  }
  const { driver, sink } = await runDriver(t, onvifCameraDriver, config)
  const health = await waitFor('a health report from the connected driver', () => sink.healths.find((h) => h.metrics?.reachability === 'up'))
  t.same(health.info, { vendor: 'Mockup Manufacturer', model: 'Mockup Model', serial: '00000000', firmware: 'Mockup_15_14_13', hardware: 'MOCKUP' })
  t.match(health.metrics, {
    profile: 'main',
    ptz: true,
    streamUri: 'rtsp://192.168.68.111/h264main',
    snapshotUri: 'http://192.168.68.111/onvif-cgi/jpg/image.cgi?resolution=800x600&compression=20&camera=1',
    presetsMissing: '',
    pan: -0.8647,
    tilt: 0.2674
  })
  // The recorded clock says 24 December 2014: far behind ours, and reported as such.
  t.ok(typeof health.metrics?.clockDriftMs === 'number' && health.metrics.clockDriftMs < -300 * 86_400_000, 'the camera clock is years behind')
  // The snapshot URI names the recorded camera's own address; the driver asks our host for it.
  t.ok(server.requests.includes('GET /onvif-cgi/jpg/image.cgi?resolution=800x600&compression=20&camera=1'), 'the snapshot was fetched from the URI the camera gave')
  t.equal(health.state, 'degraded', 'no picture behind the recorded snapshot URI')
  t.equal(health.reason?.code, 'camera.snapshot-failed')
  const wire = checkMessage('health', { kind: 'onvif-camera', state: health.state, reason: health.reason ?? null, metrics: health.metrics ?? {}, info: health.info, ts: Date.now() })
  t.ok(wire.ok, 'the health fits the wire contract')

  const moved = await driver.command?.('ptz.gotoPreset', { preset: 'patient' })
  t.same(moved, { preset: 'patient', token: 'P001', name: 'P001' })
  t.ok(server.requests.includes('ptz.GotoPreset'))
  t.same(sink.failures, [])
})

t.test('a camera that answers everything with the recorded SOAP fault is reported, not crashed on', async (t) => {
  const server = await startRecordedCameraServer({ answerWith: 'Error.xml' })
  t.teardown(() => server.stop())
  const client = new OnvifClient({ host: '127.0.0.1', port: server.port, path: '/onvif/device_service', username: 'admin', password: 'x', timeoutMs: 2000 })
  t.teardown(() => client.close())
  client.setCameraClock(Date.now())
  const err = await client.endpoints().then(() => null, (e: unknown) => e)
  t.match(err, { name: 'OnvifCallError', operation: 'GetCapabilities', kind: 'fault' }, 'GetServices faulted, so did the GetCapabilities fallback')
  t.match((err as Error).message, /fault reason/, 'the camera\'s own words are kept for IT')
  t.same(server.requests, ['device.GetServices', 'device.GetCapabilities'])

  const config = { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', host: '127.0.0.1', port: server.port, username: 'admin', password: 'x', pollIntervalMs: 300, timeoutMs: 2000 }
  const { sink } = await runDriver(t, onvifCameraDriver, config)
  const health = await waitFor('a health report', () => sink.healths[0])
  t.equal(health.state, 'down')
  t.equal(health.reason?.code, 'camera.error')
  t.match(health.reason?.message.en, /fault reason/)
  t.match(health.metrics, { reachability: 'up-without-auth', stage: 'authenticated' })
})
