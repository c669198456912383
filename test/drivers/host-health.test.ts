// The host driver against the simulated box, one room problem at a time, and against this machine's
// own /sys and /proc. Each scenario waits for the health the driver reports after the change.
import t from 'tap'
import type { Test } from 'tap'
import { hostDriver } from '../../drivers/host/index.js'
import { startHostSimulator, type HostSimulatorOptions } from '../../drivers/host/simulator.js'
import type { DriverHealth } from '../../drivers/contract.js'
import { tempDir, waitFor } from '../helpers/index.js'
import { runDriver, type RecordingSink } from './driver-contract.js'

async function box (t: Test, options: HostSimulatorOptions = {}): Promise<{ sim: Awaited<ReturnType<typeof startHostSimulator>>, sink: RecordingSink }> {
  const sim = await startHostSimulator({ ...options, driver: { pollIntervalMs: 200, ...options.driver } })
  t.teardown(sim.stop)
  const { sink } = await runDriver(t, hostDriver, { id: 'gateway', name: 'Boksen', kind: 'host', ...sim.deviceConfig })
  return { sim, sink }
}

async function healthWith (sink: RecordingSink, what: string, test: (h: DriverHealth) => boolean): Promise<DriverHealth> {
  return await waitFor(what, () => { const h = sink.lastHealth; return h !== undefined && test(h) ? h : undefined })
}

const coded = (code: string) => (h: DriverHealth): boolean => h.reason?.code === code

t.test('a healthy simulated Pi is ok, with its figures and board model', async (t) => {
  const { sink } = await box(t)
  const h = await healthWith(sink, 'ok', (h) => h.state === 'ok')
  t.equal(h.metrics?.cpuTempC, 52)
  t.equal(h.metrics?.cpuTempSource, 'cpu-thermal')
  t.equal(h.metrics?.throttled, '0x0')
  t.equal(h.metrics?.clockSynced, true)
  t.equal(h.metrics?.clockSource, 'timesyncd')
  t.equal(h.metrics?.cores, 4)
  t.equal(h.metrics?.memTotalMB, 3790)
  t.equal(h.metrics?.uptimeS, 86400)
  t.ok(typeof h.metrics?.diskFreeMB === 'number' && h.metrics.diskFreeMB > 0, 'disk free measured')
  t.equal(h.info?.model, 'Raspberry Pi 4 Model B Rev 1.5')
})

t.test('high temperature degrades, cooling down restores', async (t) => {
  const { sim, sink } = await box(t)
  await healthWith(sink, 'ok', (h) => h.state === 'ok')
  sim.setTemperature(83.4)
  const hot = await healthWith(sink, 'overheating', coded('host.overheating'))
  t.equal(hot.state, 'degraded')
  t.match(hot.reason?.message.nb, /Boksen er for varm \(83 °C\)/)
  t.equal(hot.metrics?.cpuTempC, 83.4)
  sim.setTemperature(61)
  await healthWith(sink, 'ok again', (h) => h.state === 'ok')
  t.pass('back to ok')
})

t.test('throttling bits are decoded; under-voltage asks for the original power supply', async (t) => {
  const { sim, sink } = await box(t)
  await healthWith(sink, 'ok', (h) => h.state === 'ok')

  sim.setThrottled(0x50005) // under-voltage + throttled now, and both since boot
  const now = await healthWith(sink, 'under-voltage now', (h) => h.metrics?.throttled === '0x50005')
  t.equal(now.reason?.code, 'host.under-voltage')
  t.equal(now.reason?.message.nb, 'Strømforsyningen til boksen er for svak — bytt til originalladeren')
  t.match(now.metrics, { underVoltage: true, throttledNow: true, frequencyCapped: false, softTempLimit: false, underVoltageSinceBoot: true, throttledSinceBoot: true })

  sim.setThrottled(0x50000) // it happened since boot, not now: still a supply to replace
  const earlier = await healthWith(sink, 'under-voltage since boot', (h) => h.metrics?.throttled === '0x50000')
  t.equal(earlier.reason?.code, 'host.under-voltage')
  t.match(earlier.metrics, { underVoltage: false, throttledNow: false, underVoltageSinceBoot: true })
  t.match(earlier.reason?.message.en, /since start/)

  sim.setThrottled(0xa) // frequency capped + soft temperature limit, no under-voltage: heat
  const heat = await healthWith(sink, 'throttled by heat', (h) => h.metrics?.throttled === '0xa')
  t.equal(heat.reason?.code, 'host.throttled')
  t.match(heat.metrics, { frequencyCapped: true, softTempLimit: true, underVoltage: false })

  sim.setThrottled(0)
  await healthWith(sink, 'ok again', (h) => h.state === 'ok')
  t.pass('back to ok')
})

t.test('low disk degrades; a full disk is down', async (t) => {
  // The disk is this machine's real one, so the thresholds move instead of the free space.
  const low = await box(t, { driver: { minDiskFreeMB: 1e12 } })
  const h1 = await healthWith(low.sink, 'disk low', coded('host.disk-low'))
  t.equal(h1.state, 'degraded')
  t.match(h1.reason?.message.nb, /Lagringsplassen i boksen er nesten full \(\d+ MB ledig\)/)

  const full = await box(t, { driver: { diskFullMB: 1e12 } })
  const h2 = await healthWith(full.sink, 'disk full', coded('host.disk-full'))
  t.equal(h2.state, 'down')
  t.equal(h2.reason?.level, 'red')
})

t.test('an unsynchronised clock degrades; no time service at all is unknown, not a failure', async (t) => {
  const { sim, sink } = await box(t)
  await healthWith(sink, 'ok', (h) => h.state === 'ok')
  sim.setClockSynced(false)
  const h = await healthWith(sink, 'clock unsynced', coded('host.clock-unsynced'))
  t.equal(h.reason?.message.nb, 'Klokken i boksen er ikke synkronisert — kontakt IT')
  t.equal(h.metrics?.clockSynced, false)
  t.equal(h.metrics?.clockSource, 'timedatectl')
  sim.setClockSynced(null)
  const unknown = await healthWith(sink, 'clock unknown', (h) => h.metrics?.clockSource === 'none')
  t.equal(unknown.state, 'ok')
  t.equal(unknown.metrics?.clockSynced, null)
})

t.test('low memory and overload degrade', async (t) => {
  const { sim, sink } = await box(t)
  await healthWith(sink, 'ok', (h) => h.state === 'ok')
  sim.setMemAvailable(80)
  const mem = await healthWith(sink, 'memory low', coded('host.memory-low'))
  t.equal(mem.metrics?.memAvailableMB, 80)
  sim.setMemAvailable(2000)
  sim.setLoad(22, 20, 18)
  const load = await healthWith(sink, 'overloaded', coded('host.overloaded'))
  t.equal(load.metrics?.loadPerCore, 5)
})

t.test('several problems at once: the most urgent is the reason, all are listed', async (t) => {
  const { sink } = await box(t, { temperatureC: 85, throttled: 0x1, clockSynced: false })
  const h = await healthWith(sink, 'degraded', (h) => h.state === 'degraded')
  t.equal(h.reason?.code, 'host.under-voltage')
  t.equal(h.metrics?.issues, 'host.under-voltage,host.overheating,host.clock-unsynced')
})

t.test('a simulated NUC: the package sensor wins over the board sensor, no vcgencmd', async (t) => {
  const { sink } = await box(t, { platform: 'nuc', temperatureC: 64 })
  const h = await healthWith(sink, 'ok', (h) => h.state === 'ok')
  t.equal(h.metrics?.cpuTempC, 64)
  t.equal(h.metrics?.cpuTempSource, 'x86_pkg_temp')
  t.equal(h.metrics?.throttled, null)
  t.match(h.info, { vendor: 'Intel Corporation', model: 'NUC11TNHi5' })
})

t.test('a spool folder that does not exist yet is measured at its nearest parent', async (t) => {
  const { sink } = await box(t, { driver: { diskPath: '/nonexistent-helserom/spool/deeper' } })
  const h = await healthWith(sink, 'ok', (h) => h.state === 'ok')
  t.ok(typeof h.metrics?.diskFreeMB === 'number')
})

t.test('a broken entry is reported as health, not thrown', async (t) => {
  const { sink } = await runDriver(t, hostDriver, { id: 'gateway', name: 'Boksen', kind: 'host', pollIntervalMs: 'often', maxCpuTempC: -5 })
  const h = await healthWith(sink, 'config reason', coded('host.config'))
  t.equal(h.state, 'down')
  t.same(sink.failures, [])
})

t.test('runs against this machine\'s real /sys and /proc without error', async (t) => {
  const { sink } = await runDriver(t, hostDriver, { id: 'gateway', name: 'Boksen', kind: 'host', diskPath: tempDir(t), pollIntervalMs: 500 })
  const h = await waitFor('a health', () => sink.lastHealth)
  t.not(h.reason?.code, 'host.unreadable', 'every figure the kernel always offers was read')
  t.not(h.reason?.code, 'host.config')
  t.ok(typeof h.metrics?.memTotalMB === 'number' && h.metrics.memTotalMB > 0, 'memory read')
  t.ok(typeof h.metrics?.load1 === 'number', 'load read')
  t.ok(typeof h.metrics?.uptimeS === 'number' && h.metrics.uptimeS > 0, 'uptime read')
  t.ok(typeof h.metrics?.cores === 'number' && h.metrics.cores >= 1, 'cores counted')
  t.ok(['timesyncd', 'timedatectl', 'chrony', 'none'].includes(String(h.metrics?.clockSource)), `clock source ${String(h.metrics?.clockSource)}`)
  t.same(sink.failures, [])
  t.comment(`this machine: ${JSON.stringify(h.metrics)}`)
})
