// The physical status light over a socat pseudo-terminal: one line per colour on every change, the
// colour repeated (a light can tell the gateway is gone), OFF at stop; and GPIO value files.
import t from 'tap'
import { EventEmitter } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { SerialPort } from 'serialport'
import { join } from 'node:path'
import type { ReadinessMessage } from '../../protocol/messages.js'
import { GpioLightOutput, SerialLightOutput, StatusLight } from '../../gateway/status-light/index.js'
import { socatPtyPair } from '../helpers/servers.js'
import { tempDir, testLogger, waitFor } from '../helpers/index.js'

class FakeGateway extends EventEmitter {
  readiness: ReadinessMessage | null = null
  set (level: 'green' | 'amber' | 'red'): void {
    this.readiness = { level, profile: 'ortopedi', session: null, reasons: [], ts: Date.now() }
    this.emit('readiness', this.readiness)
  }
}

t.test('a serial light gets one line per colour', async (t) => {
  const pty = await socatPtyPair(t)
  const lines: string[] = []
  let buffer = ''
  const reader = new SerialPort({ path: pty.simulatorPath, baudRate: 9600 })
  reader.on('error', () => {})
  reader.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    let i
    while ((i = buffer.indexOf('\n')) >= 0) { lines.push(buffer.slice(0, i)); buffer = buffer.slice(i + 1) }
  })
  t.teardown(async () => await new Promise<void>((resolve) => { if (reader.isOpen) reader.close(() => resolve()); else resolve() }))
  const gateway = new FakeGateway()
  const light = new StatusLight(new SerialLightOutput({ path: pty.devicePath, baudRate: 9600 }), gateway, { repeatMs: 500, log: testLogger() })
  light.start()
  await waitFor('OFF before any readiness', () => lines.includes('OFF'))
  gateway.set('green')
  await waitFor('GREEN', () => lines.at(-1) === 'GREEN')
  gateway.set('red')
  await waitFor('RED', () => lines.at(-1) === 'RED')
  const count = lines.filter((l) => l === 'RED').length
  await waitFor('RED repeated', () => lines.filter((l) => l === 'RED').length > count, { timeoutMs: 3000 })
  await light.stop()
  await waitFor('OFF at stop', () => lines.at(-1) === 'OFF')
  t.pass('GREEN, RED, repeated, OFF')
})

t.test('a light that cannot be opened is retried, never thrown', async (t) => {
  const gateway = new FakeGateway()
  const light = new StatusLight(new SerialLightOutput({ path: '/dev/does-not-exist', baudRate: 9600 }), gateway, { repeatMs: 500, log: testLogger() })
  light.start()
  gateway.set('amber')
  await new Promise((resolve) => setTimeout(resolve, 600))
  await light.stop()
  t.pass('no crash')
})

t.test('GPIO pins through sysfs value files', async (t) => {
  const dir = tempDir(t)
  const pins = { green: join(dir, 'green'), amber: join(dir, 'amber'), red: join(dir, 'red') }
  for (const f of Object.values(pins)) writeFileSync(f, '0')
  const gateway = new FakeGateway()
  const light = new StatusLight(new GpioLightOutput({ pins, activeLow: false }), gateway, { repeatMs: 60_000, log: testLogger() })
  light.start()
  gateway.set('red')
  await waitFor('the red pin on', () => readFileSync(pins.red, 'utf8') === '1')
  t.equal(readFileSync(pins.green, 'utf8'), '0')
  await light.stop()
  t.equal(readFileSync(pins.red, 'utf8'), '0', 'all off at stop')
})
