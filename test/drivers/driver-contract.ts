// The abstract driver-contract suite (as aedes-persistence's abstract.js is for its backends):
// every device family runs it against its own simulator in a three-line test file:
//
//   import t from 'tap'
//   import { driverContractSuite } from './driver-contract.js'
//   driverContractSuite(t, { factory: myDriverFactory, setup: async (t) => ({ ... }) })
//
// It checks what the supervisor and the readiness engine rely on: the driver starts, reports health
// (with a reason people can read when not ok), emits readings or health metrics, answers its
// commands, notices the device vanishing and coming back, and stops without leaving a timer or
// socket behind — after a healthy session and after the device vanished under it.
import type { Test } from 'tap'
import { AsyncLocalStorage, createHook } from 'node:async_hooks'
import { Value } from '@sinclair/typebox/value'
import { checkMessage } from '../../protocol/validate.js'
import {
  deviceConfigSchema, systemClock,
  type BaseDeviceConfig, type Driver, type DriverFactory, type DriverHealth, type DriverReading
} from '../../drivers/contract.js'
import { sleep, tempDir, testLogger, waitFor } from '../helpers/index.js'

export interface SimulatedDevice {
  /** The full device config entry (id, name, kind and the kind's fields) pointing at the simulator. */
  config: BaseDeviceConfig & Record<string, unknown>
  /** Makes the device disappear as it would in a room: unplugged, powered off, off the network. */
  vanish: () => Promise<void>
  /** Brings it back. */
  reappear: () => Promise<void>
}

export interface DriverContractFixture {
  factory: DriverFactory
  /** Starts a simulated device for one subtest; stop it with t.teardown. */
  setup: (t: Test) => Promise<SimulatedDevice>
  /** Whether the device gives readings (sensors) or only health with metrics (cameras). */
  givesReadings: boolean
  /** How long to wait for each expected event. */
  timeoutMs?: number
  /**
   * Arguments for declared commands that cannot run with none (e.g. `ptz.gotoPreset`); every
   * command that can run (with these, or with its defaults) is run against the simulator.
   */
  commandArgs?: Record<string, Record<string, unknown>>
}

export class RecordingSink {
  readonly healths: Array<DriverHealth & { at: number }> = []
  readonly readings: Array<DriverReading & { at: number }> = []
  readonly failures: Error[] = []
  stopped = false
  lateEmits = 0

  health = (h: DriverHealth): void => {
    if (this.stopped) this.lateEmits++
    this.healths.push({ ...h, at: Date.now() })
  }

  reading = (r: DriverReading): void => {
    if (this.stopped) this.lateEmits++
    this.readings.push({ ...r, at: Date.now() })
  }

  get lastHealth (): DriverHealth | undefined {
    return this.healths.at(-1)
  }
}

/**
 * What a driver opened and has not closed: every timer, socket, server and child process created
 * while driver code ran (its start, and every callback that descends from it), followed through
 * async_hooks. Unlike process.getActiveResourcesInfo() this sees unref()ed timers too, which is how
 * drivers keep their timers; and it does not count what the simulator opens in the same process.
 */
const driverScope = new AsyncLocalStorage<string>()
const opened = new Map<number, { type: string, owner: string }>()
// Not TLSWRAP: it is only reported destroyed when garbage-collected; the TCPWRAP under it says
// whether the connection was closed.
const LEAKABLE_TYPES = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'UDPWRAP', 'TTYWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'PROCESSWRAP', 'FILEHANDLE', 'SIGNALWRAP', 'FSEVENTWRAP', 'STATWATCHER'])
createHook({
  init (asyncId, type) {
    const owner = driverScope.getStore()
    if (owner !== undefined && LEAKABLE_TYPES.has(type)) opened.set(asyncId, { type, owner })
  },
  destroy (asyncId) {
    opened.delete(asyncId)
  }
}).enable()
let runs = 0

/** The resources a driver run opened that are still open, by type (e.g. `Timeout: 1`). */
function stillOpen (owner: string): string[] {
  const counts = new Map<string, number>()
  for (const r of opened.values()) if (r.owner === owner) counts.set(r.type, (counts.get(r.type) ?? 0) + 1)
  return [...counts].map(([type, n]) => `${type}: ${n}`)
}

export interface DriverRun {
  driver: Driver
  sink: RecordingSink
  /** Stops the driver (in its own scope, so what its stop opens is followed too). */
  stop: () => Promise<void>
  /** What the driver opened and has not closed. */
  stillOpen: () => string[]
}

/** Runs a driver as the supervisor would, recording what it emits. */
export async function runDriver (t: Test, factory: DriverFactory, config: Record<string, unknown>): Promise<DriverRun> {
  const sink = new RecordingSink()
  const owner = `${factory.kind}#${++runs}`
  const driver = factory.create(config as never)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await driverScope.run(owner, async () => await driver.stop())
    sink.stopped = true
  }
  t.teardown(stop)
  await driverScope.run(owner, async () => await driver.start({
    device: config as BaseDeviceConfig,
    log: testLogger(),
    clock: systemClock,
    emit: { health: sink.health, reading: sink.reading },
    fail: (err) => { sink.failures.push(err) },
    dataDir: tempDir(t, 'helserom-driver-')
  }))
  return { driver, sink, stop, stillOpen: () => stillOpen(owner) }
}

/** The handles of the kinds that leak: timers, sockets, servers, files, child processes. */
function leakableResources (): Map<string, number> {
  const counts = new Map<string, number>()
  for (const name of process.getActiveResourcesInfo()) {
    if (['Timeout', 'TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'FSReqCallback', 'TTYWrap', 'PipeWrap', 'ProcessWrap'].includes(name)) {
      counts.set(name, (counts.get(name) ?? 0) + 1)
    }
  }
  return counts
}

function grew (before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = []
  for (const [name, n] of after) {
    const was = before.get(name) ?? 0
    if (n > was) out.push(`${name}: ${was} → ${n}`)
  }
  return out
}

export function driverContractSuite (t: Test, fixture: DriverContractFixture): void {
  const { factory } = fixture
  const timeoutMs = fixture.timeoutMs ?? 15_000

  t.test(`${factory.kind}: the simulator's config is a valid room-config device entry`, async (t) => {
    const device = await fixture.setup(t)
    const schema = deviceConfigSchema(factory)
    const errors = [...Value.Errors(schema, Value.Default(schema, structuredClone(device.config)))]
    t.same(errors.map((e) => `${e.path}: ${e.message}`), [], 'no schema errors')
    t.equal(device.config.kind, factory.kind)
  })

  t.test(`${factory.kind}: starts and reports ok health with metrics`, async (t) => {
    const device = await fixture.setup(t)
    const { sink } = await runDriver(t, factory, device.config)
    const ok = await waitFor('health ok', () => sink.healths.find((h) => h.state === 'ok'), { timeoutMs })
    t.equal(ok.state, 'ok')
    t.ok(ok.metrics !== undefined && Object.keys(ok.metrics).length > 0, 'health carries metrics')
    // What the driver reports must fit the wire contract once the supervisor wraps it.
    const wire = { kind: factory.kind, state: ok.state, reason: ok.reason ?? null, metrics: ok.metrics ?? {}, ts: Date.now(), ...(ok.info !== undefined ? { info: ok.info } : {}) }
    const checked = checkMessage('health', wire)
    t.ok(checked.ok, checked.ok ? 'health fits the wire contract' : checked.reason)
    t.same(sink.failures, [], 'no failure reported')
  })

  if (fixture.givesReadings) {
    t.test(`${factory.kind}: emits readings with units that fit the wire contract`, async (t) => {
      const device = await fixture.setup(t)
      const { sink } = await runDriver(t, factory, device.config)
      const reading = await waitFor('a reading', () => sink.readings[0], { timeoutMs })
      t.ok(Object.keys(reading.values).length > 0, 'reading has values')
      const wire = { ts: reading.ts ?? Date.now(), boot: 'b1', seq: 1, values: reading.values, units: reading.units ?? {}, ...(reading.invalid !== undefined ? { invalid: reading.invalid } : {}), ...(reading.conditions !== undefined ? { conditions: reading.conditions } : {}) }
      const checked = checkMessage('readings', wire)
      t.ok(checked.ok, checked.ok ? 'reading fits the wire contract' : checked.reason)
      for (const name of Object.keys(reading.values)) {
        t.ok(reading.units?.[name] !== undefined, `value ${name} has a unit`)
      }
    })
  }

  t.test(`${factory.kind}: notices the device vanishing and coming back`, async (t) => {
    const device = await fixture.setup(t)
    const { sink } = await runDriver(t, factory, device.config)
    await waitFor('health ok', () => sink.lastHealth?.state === 'ok', { timeoutMs })
    await device.vanish()
    const lost = await waitFor('health not ok after the device vanished', () => {
      const h = sink.lastHealth
      return h !== undefined && (h.state === 'down' || h.state === 'degraded') ? h : undefined
    }, { timeoutMs })
    t.ok(lost.reason !== undefined && lost.reason !== null, 'a vanished device comes with a reason')
    t.match(lost.reason?.message.nb, /\S/, 'the reason has Norwegian text')
    t.match(lost.reason?.message.en, /\S/, 'the reason has English text')
    t.match(lost.reason?.code, /^[a-z0-9_.-]+$/, 'the reason has a stable code')
    await device.reappear()
    await waitFor('health ok after the device came back', () => sink.lastHealth?.state === 'ok', { timeoutMs: timeoutMs * 2 })
    t.pass('back to ok')
  })

  /** A simulated device with a healthy driver on it, and the process's handles from before the driver. */
  async function healthyRun (t: Test): Promise<{ device: SimulatedDevice, run: DriverRun, before: Map<string, number> }> {
    const device = await fixture.setup(t)
    await sleep(100)
    const before = leakableResources()
    const run = await runDriver(t, factory, device.config)
    await waitFor('health ok', () => run.sink.lastHealth?.state === 'ok', { timeoutMs })
    return { device, run, before }
  }

  t.test(`${factory.kind}: stops cleanly, leaving no timer or socket behind`, async (t) => {
    const { run, before } = await healthyRun(t)
    const { sink } = run
    await run.stop()
    await sleep(500) // let closed sockets finish closing
    const leaked = grew(before, leakableResources())
    t.same(leaked, [], 'no handle left open by the driver')
    t.same(run.stillOpen(), [], 'nothing the driver opened is still open (unref()ed timers included)')
    await sleep(1000)
    t.equal(sink.lateEmits, 0, 'nothing emitted after stop')
  })

  // The harder case: stopped while the device is gone, with its retries, backoff timers and
  // half-open connections in flight.
  t.test(`${factory.kind}: stopped while the device is gone, it leaves no timer or socket behind`, async (t) => {
    const { device, run, before } = await healthyRun(t)
    const { sink } = run
    await device.vanish()
    await waitFor('health not ok after the device vanished', () => sink.lastHealth?.state === 'down' || sink.lastHealth?.state === 'degraded', { timeoutMs })
    await sleep(300) // into its retries
    await run.stop()
    await sleep(500)
    t.same(run.stillOpen(), [], 'nothing the driver opened is still open (retry and backoff timers included)')
    // The device back as it was when `before` was taken, so only what the driver left counts.
    await device.reappear()
    await sleep(1000)
    const leaked = grew(before, leakableResources())
    t.same(leaked, [], 'no handle left open by the driver')
    t.equal(sink.lateEmits, 0, 'nothing emitted after stop')
  })

  const commands = factory.commands ?? []
  if (commands.length > 0) {
    t.test(`${factory.kind}: runs its commands against the simulator and answers each in a form the wire contract carries`, async (t) => {
      const device = await fixture.setup(t)
      const { driver, sink } = await runDriver(t, factory, device.config)
      await waitFor('health ok', () => sink.lastHealth?.state === 'ok', { timeoutMs })
      let ran = 0
      for (const spec of commands) {
        // As the supervisor does: the schema's defaults, then the check.
        const args = Value.Default(spec.args, structuredClone(fixture.commandArgs?.[spec.name] ?? {})) as Record<string, unknown>
        if (!Value.Check(spec.args, args)) {
          t.comment(`${spec.name}: not run, it needs arguments (give them in the fixture's commandArgs): ${[...Value.Errors(spec.args, args)].map((e) => `${e.path} ${e.message}`).join('; ')}`)
          continue
        }
        t.ok(driver.command !== undefined, 'a driver that declares commands has command()')
        const result = await driver.command!(spec.name, args)
        ran++
        const wire = { id: `contract-${spec.name}`, ok: true, ...(result !== undefined ? { result } : {}), ts: Date.now() }
        const checked = checkMessage('commandResult', wire)
        t.ok(checked.ok, checked.ok ? `${spec.name}: the answer fits the wire contract` : checked.reason)
        t.same(JSON.parse(JSON.stringify(wire)), wire, `${spec.name}: the answer survives JSON (as it travels)`)
        const passed = (result as { passed?: unknown } | null)?.passed
        if (typeof passed === 'boolean') t.equal(passed, true, `${spec.name}: a healthy simulator passes`)
      }
      t.ok(ran > 0, `at least one declared command ran (${ran} of ${commands.length})`)
      t.same(sink.failures, [], 'no command made the driver fail')
      const heard = sink.healths.length
      await waitFor('health still reported after the commands', () => sink.healths.length > heard, { timeoutMs })
      t.equal(sink.lastHealth?.state, 'ok', 'and still ok')
    })
  }

  for (const command of factory.commands ?? []) {
    t.test(`${factory.kind}: command ${command.name} rejects arguments that break its schema`, async (t) => {
      const bad = { __notAnArgument: { deeply: ['wrong'] } }
      const errors = [...Value.Errors(command.args, bad)]
      const strict = command.args.additionalProperties === false || (command.args.required ?? []).length > 0
      t.ok(!strict || errors.length > 0, 'the schema refuses an unknown or incomplete argument set')
      t.ok(command.label.nb.length > 0 && command.label.en.length > 0, 'the command has a label in both languages')
    })
  }
}
