// PTZ commands and preset integrity against the simulator: going to a preset moves the camera,
// moves and stops are carried out, a reboot that loses presets is noticed and repaired from the
// positions the driver learnt (kept in its data folder, across driver restarts too), and a preset
// it cannot repair is a reason people can read.
import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { onvifCameraDriver } from '../../drivers/onvif-camera/index.js'
import { startOnvifCameraSimulator, type OnvifCameraSimulator, type OnvifCameraSimulatorOptions } from '../../drivers/onvif-camera/simulator.js'
import { DeviceCommandError, systemClock, type BaseDeviceConfig, type Driver, type DriverHealth } from '../../drivers/contract.js'
import { RecordingSink, runDriver } from './driver-contract.js'
import { tempDir, testLogger, waitFor } from '../helpers/index.js'

interface Running { sim: OnvifCameraSimulator, driver: Driver, sink: RecordingSink, config: Record<string, unknown> }

async function startSim (t: Test, options: OnvifCameraSimulatorOptions = {}): Promise<OnvifCameraSimulator> {
  const sim = await startOnvifCameraSimulator(options)
  t.teardown(() => sim.stop())
  return sim
}

function configFor (sim: OnvifCameraSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...sim.deviceConfig, pollIntervalMs: 200, timeoutMs: 1000, ...extra }
}

async function start (t: Test, options: OnvifCameraSimulatorOptions = {}, extra: Record<string, unknown> = {}): Promise<Running> {
  const sim = await startSim(t, options)
  const config = configFor(sim, extra)
  const { driver, sink } = await runDriver(t, onvifCameraDriver, config)
  return { sim, driver, sink, config }
}

/** Runs a driver on a given data folder (runDriver makes a new one each time). */
async function runWithDataDir (config: Record<string, unknown>, dataDir: string): Promise<{ driver: Driver, sink: RecordingSink }> {
  const sink = new RecordingSink()
  const driver = onvifCameraDriver.create(config as never)
  await driver.start({ device: config as BaseDeviceConfig, log: testLogger(), clock: systemClock, emit: { health: sink.health, reading: sink.reading }, fail: (err) => { sink.failures.push(err) }, dataDir })
  return { driver, sink }
}

const near = (a: { x: number, y: number, zoom: number }, b: { x: number, y: number, zoom: number }): boolean =>
  Math.abs(a.x - b.x) < 0.01 && Math.abs(a.y - b.y) < 0.01 && Math.abs(a.zoom - b.zoom) < 0.01

const isOk = (sink: RecordingSink) => (): DriverHealth | undefined => sink.lastHealth?.state === 'ok' ? sink.lastHealth : undefined

async function commandError (promise: Promise<unknown> | undefined): Promise<DeviceCommandError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof DeviceCommandError) return err
    throw err
  }
  throw new Error('the command did not fail')
}

t.test('ptz.gotoPreset moves the camera to the preset named in config', async (t) => {
  const { sim, driver, sink } = await start(t)
  await waitFor('health ok', isOk(sink))
  const result = await driver.command?.('ptz.gotoPreset', { preset: 'patient' })
  t.same(result, { preset: 'patient', token: '1', name: 'Pasient' })
  const state = await waitFor('the camera at the patient preset', () => {
    const s = sim.state
    return !s.moving && near(s.position, { x: 0.25, y: -0.2, zoom: 0.4 }) ? s : undefined
  })
  t.equal(state.currentPreset, '1')

  t.same(await driver.command?.('ptz.gotoPreset', { preset: 'Oversikt' }), { preset: 'Oversikt', token: '2', name: 'Oversikt' }, 'a camera preset name works too')
  await waitFor('the camera at the overview preset', () => sim.state.currentPreset === '2' && !sim.state.moving)
  t.ok(near(sim.state.position, { x: 0, y: 0, zoom: 0 }))
})

t.test('ptz.move, ptz.stop and ptz.home', async (t) => {
  const { sim, driver, sink } = await start(t, { ptzUnitsPerSecond: 0.5 })
  await waitFor('health ok', isOk(sink))
  t.same(await driver.command?.('ptz.move', { pan: 0.5, tilt: 0, zoom: 0.2, timeoutMs: 10_000 }), { moving: true, timeoutMs: 10_000 })
  await waitFor('the camera moving', () => sim.state.moving && sim.state.position.x > 0)
  t.same(await driver.command?.('ptz.stop', {}), { stopped: true })
  const stopped = await waitFor('the camera still', () => sim.state.moving ? undefined : sim.state.position)
  t.ok(stopped.x > 0 && stopped.zoom > 0, 'it turned right and zoomed in before stopping')
  t.same(await driver.command?.('ptz.home', {}), { home: true })
  await waitFor('the camera home', () => !sim.state.moving && near(sim.state.position, { x: 0, y: 0, zoom: 0 }))
  const health = await waitFor('status with the new position', () => sink.lastHealth?.metrics?.pan === 0 ? sink.lastHealth : undefined)
  t.equal(health.metrics?.moving, false)
})

t.test('bad command input is refused with a reason, never a crash', async (t) => {
  const { driver, sink } = await start(t)
  await waitFor('health ok', isOk(sink))
  const unknown = await commandError(driver.command?.('ptz.gotoPreset', { preset: 'kitchen' }))
  t.equal(unknown.reason.code, 'camera.preset-unknown')
  t.match(unknown.reason.message.nb, /ingen forhåndsinnstilling som heter «kitchen»/)
  const bad = await commandError(driver.command?.('ptz.move', { pan: 7, tilt: 'left' }))
  t.equal(bad.reason.code, 'camera.bad-arguments')
  const junk = await commandError(driver.command?.('ptz.gotoPreset', { __notAnArgument: { deeply: ['wrong'] } }))
  t.equal(junk.reason.code, 'camera.bad-arguments')
  const nothing = await commandError(driver.command?.('coffee.make', {}))
  t.equal(nothing.reason.code, 'camera.unknown-command')
  await waitFor('still ok', isOk(sink))
})

t.test('snapshot returns a JPEG, with the picture when asked', async (t) => {
  const { driver, sink } = await start(t)
  await waitFor('health ok', isOk(sink))
  const plain = await driver.command?.('snapshot', {}) as { contentType: string, bytes: number, image?: string }
  t.equal(plain.contentType, 'image/jpeg')
  t.ok(plain.bytes > 100)
  t.equal(plain.image, undefined, 'no picture unless asked')
  const withImage = await driver.command?.('snapshot', { includeImage: true }) as { image: string, bytes: number }
  const jpeg = Buffer.from(withImage.image, 'base64')
  t.equal(jpeg.length, withImage.bytes)
  t.same([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG start of image')
  t.same([...jpeg.subarray(-2)], [0xff, 0xd9], 'JPEG end of image')
})

t.test('selfTest reports each check', async (t) => {
  const { driver, sink } = await start(t)
  await waitFor('health ok', isOk(sink))
  const report = await driver.command?.('selfTest', {}) as { passed: boolean, steps: Array<{ name: string, passed: boolean }> }
  t.equal(report.passed, true)
  t.same(report.steps.map((s) => [s.name, s.passed]), [['reachable', true], ['authenticated', true], ['snapshot', true], ['presets', true], ['clock', true]])
})

t.test('a reboot that loses the presets: reported as a reason, re-created where they were', async (t) => {
  const { sim, sink } = await start(t)
  await waitFor('health ok', isOk(sink))
  const before = sim.state.presets
  await sim.reboot({ downMs: 800 })
  t.same(sim.state.presets, [], 'the camera came back without presets')
  const missing = await waitFor('the missing presets reported', () => sink.healths.find((h) => h.reason?.code === 'camera.preset-missing'))
  t.equal(missing.state, 'degraded')
  t.equal(missing.reason?.level, 'amber')
  t.equal(missing.reason?.message.nb, 'Kameraets forhåndsinnstillinger «pasient» og «oversikt» mangler — de gjenopprettes nå')
  t.equal(missing.reason?.message.en, 'The camera\'s presets «patient» and «overview» are missing — re-creating them now')
  await waitFor('health ok after the repair', () => {
    const last = sink.lastHealth
    return last !== undefined && last.state === 'ok' && last.metrics?.presetsRecreated === 2 ? last : undefined
  })
  const after = sim.state.presets
  t.same(after.map((p) => p.name).sort(), ['Oversikt', 'Pasient'])
  for (const preset of before) {
    const again = after.find((p) => p.name === preset.name)
    t.ok(again !== undefined && near(again.position, preset.position), `${preset.name} points where it did before the reboot`)
  }
  await waitFor('the camera back where it was before the repair', () => !sim.state.moving && near(sim.state.position, { x: 0, y: 0, zoom: 0 }))
  t.ok(sink.healths.some((h) => h.reason?.code === 'camera.unreachable'), 'the reboot itself was seen as the camera going away')
})

t.test('a preset deleted at the camera is put back, and goto still works by our name', async (t) => {
  const { sim, driver, sink } = await start(t)
  await waitFor('health ok', isOk(sink))
  sim.removePreset('1')
  await waitFor('the preset back on the camera', () => sim.state.presets.some((p) => p.name === 'Pasient'))
  await waitFor('health ok', isOk(sink))
  const result = await driver.command?.('ptz.gotoPreset', { preset: 'patient' }) as { token: string }
  await waitFor('the camera at the patient preset', () => !sim.state.moving && sim.state.currentPreset === result.token)
  t.ok(near(sim.state.position, { x: 0.25, y: -0.2, zoom: 0.4 }))
})

t.test('a preset the driver never saw is a reason, not a silent failure', async (t) => {
  const { sink, driver } = await start(t, {}, { presets: { patient: '1', door: '9' } })
  const h = await waitFor('the missing preset reported', () => sink.healths.find((h) => h.reason?.code === 'camera.preset-missing'))
  t.equal(h.state, 'degraded')
  t.equal(h.reason?.message.nb, 'Kameraets forhåndsinnstilling «dør» mangler — lagre den på nytt i kameraet, eller ring IT')
  t.equal(h.metrics?.presetsMissing, 'door')
  const err = await commandError(driver.command?.('ptz.gotoPreset', { preset: 'door' }))
  t.equal(err.reason.code, 'camera.preset-missing')
})

t.test('positions learnt by going to a preset survive a driver restart and repair a reboot', async (t) => {
  // This camera does not say where its presets point: the driver learns it from GetStatus after
  // going there, and keeps it in its data folder.
  // A slow head (a move to patient takes 1.6 s) so the second order surely comes before it rests.
  const sim = await startSim(t, { presetsWithoutPositions: true, ptzUnitsPerSecond: 0.25 })
  const dataDir = tempDir(t, 'helserom-onvif-learnt-')
  const config = configFor(sim)
  const first = await runWithDataDir(config, dataDir)
  t.teardown(() => first.driver.stop())
  await waitFor('health ok', isOk(first.sink))
  const file = join(dataDir, 'onvif-camera-presets.json')
  const learnt = (name: string) => () => {
    if (!existsSync(file)) return undefined
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { presets: Record<string, { token: string, name: string, position: unknown }> }
    return stored.presets[name]?.position != null ? stored.presets[name] : undefined
  }
  // A move ordered before the last one came to rest is not learnt from: patient first, at rest.
  await first.driver.command?.('ptz.gotoPreset', { preset: 'patient' })
  await first.driver.command?.('ptz.gotoPreset', { preset: 'overview' })
  await waitFor('overview learnt', learnt('overview'))
  t.equal(learnt('patient')(), undefined, 'patient was left before the camera came to rest there: nothing learnt')
  await first.driver.command?.('ptz.gotoPreset', { preset: 'patient' })
  t.match(await waitFor('patient learnt', learnt('patient')), { token: '1', name: 'Pasient', position: { x: 0.25, y: -0.2, zoom: 0.4 } })
  await first.driver.stop()

  await sim.reboot({ downMs: 300 })
  t.same(sim.state.presets, [])
  const second = await runWithDataDir(config, dataDir)
  t.teardown(() => second.driver.stop())
  await waitFor('the presets re-created by a fresh driver', () => sim.state.presets.length === 2 && second.sink.lastHealth?.state === 'ok', { timeoutMs: 20_000 })
  const patient = sim.state.presets.find((p) => p.name === 'Pasient')
  t.ok(patient !== undefined && near(patient.position, { x: 0.25, y: -0.2, zoom: 0.4 }), 'patient points where it did')
  t.equal(first.sink.lateEmits + second.sink.lateEmits, 0)
})
