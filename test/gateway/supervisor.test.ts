// The driver supervisor: restarts a failed driver with growing backoff, marks a silent device
// down, keeps one device's trouble away from the others, validates commands.
import t, { type Test } from 'tap'
import { DriverSupervisor, type DeviceStatus } from '../../gateway/supervisor.js'
import { DeviceCommandError } from '../../drivers/contract.js'
import { scriptedDriver, scriptFor, scripts, downReason } from './scripted-driver.js'
import { sleep, tempDir, testLogger, waitFor } from '../helpers/index.js'

function supervise (t: Test, ids: string[], options: { backoffInitialMs?: number, startTimeoutMs?: number, fields?: Record<string, unknown> } = {}): { supervisor: DriverSupervisor, healths: DeviceStatus[] } {
  const supervisor = new DriverSupervisor({
    devices: ids.map((id) => ({ id, name: `Utstyr ${id}`, kind: 'scripted', ...options.fields })),
    factories: { scripted: scriptedDriver },
    log: testLogger(),
    dataDir: tempDir(t),
    backoffInitialMs: options.backoffInitialMs ?? 100,
    backoffMaxMs: 800,
    staleCheckMs: 50,
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {})
  })
  const healths: DeviceStatus[] = []
  supervisor.on('health', (h) => healths.push(h))
  t.teardown(async () => await supervisor.stop())
  return { supervisor, healths }
}

t.beforeEach(() => scripts.clear())

t.test('starts every driver and publishes health changes', async (t) => {
  const { supervisor, healths } = supervise(t, ['a', 'b'])
  await supervisor.start()
  await waitFor('both ok', () => supervisor.statuses().every((s) => s.state === 'ok'))
  scriptFor('a').health = { state: 'down', reason: downReason }
  const down = await waitFor('a down', () => healths.find((h) => h.id === 'a' && h.state === 'down'))
  t.equal(down.reason?.code, 'scripted.down')
  t.equal(supervisor.status('b')?.state, 'ok', 'the other device is unaffected')
  const changesOfB = healths.filter((h) => h.id === 'b').length
  t.equal(changesOfB, 1, 'unchanged health is not re-published every probe')
})

t.test('a driver failing at start is retried with growing backoff until it starts', async (t) => {
  scriptFor('a').failStartTimes = 3
  const { supervisor } = supervise(t, ['a', 'b'])
  const started = Date.now()
  await supervisor.start()
  t.equal(supervisor.status('a')?.state, 'down')
  t.equal(supervisor.status('a')?.reason?.code, 'driver.failed')
  t.match(supervisor.status('a')?.reason?.message.nb, /^Utstyr a: programfeil/)
  await waitFor('a ok after retries', () => supervisor.status('a')?.state === 'ok', { timeoutMs: 5000 })
  t.equal(scriptFor('a').starts, 4)
  t.equal(supervisor.status('a')?.restarts, 3)
  t.comment(`recovered after 3 failed starts in ${Date.now() - started} ms (backoff 100, 200, 400 ms)`)
  t.equal(scriptFor('b').starts, 1, 'the healthy device was started once')
})

t.test('a driver reporting a fatal error is stopped and restarted', async (t) => {
  const { supervisor } = supervise(t, ['a'])
  await supervisor.start()
  await waitFor('ok', () => supervisor.status('a')?.state === 'ok')
  scriptFor('a').crash()
  await waitFor('down after the crash', () => supervisor.status('a')?.reason?.code === 'driver.failed')
  await waitFor('ok again', () => supervisor.status('a')?.state === 'ok')
  t.equal(scriptFor('a').stops, 1, 'the failed instance was stopped')
  t.equal(scriptFor('a').running, 1, 'exactly one instance runs')
})

t.test('a silent device is marked down after its staleness window, and comes back', async (t) => {
  const { supervisor } = supervise(t, ['a'])
  await supervisor.start()
  await waitFor('ok', () => supervisor.status('a')?.state === 'ok')
  scriptFor('a').silent = true
  const silent = await waitFor('down from silence', () => supervisor.status('a')?.reason?.code === 'device.silent' ? supervisor.status('a') : undefined, { timeoutMs: 5000 })
  t.equal(silent.state, 'down')
  t.match(silent.reason?.message.nb, /Utstyr a har ikke gitt lyd fra seg/)
  scriptFor('a').silent = false
  await waitFor('ok again', () => supervisor.status('a')?.state === 'ok')
})

t.test('an exception in a health listener never reaches the driver', async (t) => {
  const { supervisor } = supervise(t, ['a'])
  supervisor.on('health', () => { throw new Error('listener bug') })
  await supervisor.start()
  await waitFor('ok', () => supervisor.status('a')?.state === 'ok')
  scriptFor('a').health = { state: 'degraded', metrics: {} }
  await waitFor('degraded', () => supervisor.status('a')?.state === 'degraded')
  t.equal(scriptFor('a').running, 1, 'the driver kept running')
})

t.test('commands are checked: device, name, arguments', async (t) => {
  const { supervisor } = supervise(t, ['a'])
  await supervisor.start()
  await waitFor('ok', () => supervisor.status('a')?.state === 'ok')
  t.same(await supervisor.command('a', 'echo', { text: 'hei' }), { echoed: 'hei' })
  const codeOf = async (p: Promise<unknown>): Promise<string> => await p.then(() => 'resolved', (e: unknown) => e instanceof DeviceCommandError ? e.reason.code : 'other')
  t.equal(await codeOf(supervisor.command('nope', 'echo', {})), 'command.unknown-device')
  t.equal(await codeOf(supervisor.command('a', 'explode', {})), 'command.unknown')
  t.equal(await codeOf(supervisor.command('a', 'echo', { text: 42 })), 'command.invalid-args')
  t.equal(await codeOf(supervisor.command('a', 'echo', { text: 'x', extra: true })), 'command.invalid-args')
})

t.test('stop stops every driver and nothing restarts afterwards', async (t) => {
  scriptFor('b').failStartTimes = 100
  const { supervisor } = supervise(t, ['a', 'b'])
  await supervisor.start()
  await waitFor('a ok', () => supervisor.status('a')?.state === 'ok')
  await supervisor.stop()
  const startsOfB = scriptFor('b').starts
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(scriptFor('a').running, 0)
  t.equal(scriptFor('b').starts, startsOfB, 'no restart after stop')
})

t.test('a driver whose start never finishes counts as a failed start: down with a reason, retried with backoff, the others run', async (t) => {
  scriptFor('a').hangStart = true
  const { supervisor } = supervise(t, ['a', 'b'], { startTimeoutMs: 300 })
  await supervisor.start()
  t.pass('start settled although a driver\'s start hangs')
  t.equal(supervisor.status('b')?.state, 'ok', 'the other device runs')
  const down = await waitFor('a down: start timed out', () => supervisor.status('a')?.reason?.code === 'driver.start-timeout' ? supervisor.status('a') : undefined)
  t.equal(down.state, 'down')
  t.match(down.reason?.message.nb, /^Utstyr a kom ikke i gang/)
  t.match(down.reason?.message.en, /^Utstyr a did not start within/)
  await waitFor('a retried', () => scriptFor('a').starts >= 3, { timeoutMs: 5000 })
  t.ok(supervisor.status('a')!.restarts >= 2, 'each timed-out start counts as a restart')

  // The device answers again: the next start finishes; the starts that hung and finish late are
  // stopped at once, so exactly one instance runs.
  scriptFor('a').hangStart = false
  scriptFor('a').releaseStarts()
  await waitFor('a ok', () => supervisor.status('a')?.state === 'ok', { timeoutMs: 5000 })
  await waitFor('late starts stopped', () => scriptFor('a').running === 1)
  t.equal(scriptFor('a').running, 1, 'one instance runs')
})

t.test('the staleness window follows the device\'s settings: a slow reporter is not marked down between reports', async (t) => {
  // Reports every 1.2 s: longer than the kind's default window (1 s), well within three reports.
  const { supervisor, healths } = supervise(t, ['a'], { fields: { everyMs: 1200 } })
  await supervisor.start()
  await waitFor('ok', () => supervisor.status('a')?.state === 'ok')
  await sleep(4000)
  t.same(healths.filter((h) => h.id === 'a' && h.reason?.code === 'device.silent'), [], 'never silent while it reports on its schedule')
  scriptFor('a').silent = true
  const silent = await waitFor('down once it really goes quiet', () => supervisor.status('a')?.reason?.code === 'device.silent' ? supervisor.status('a') : undefined, { timeoutMs: 8000 })
  t.equal(silent.state, 'down')
})
