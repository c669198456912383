// serial-sensor's config schema and factory, and port discovery (which must work without udevadm).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { deviceConfigSchema } from '../../drivers/contract.js'
import { serialSensorDriver } from '../../drivers/serial-sensor/index.js'
import { scanSerialDevices } from '../../drivers/serial-sensor/discover.js'
import { tempDir, testLogger } from '../helpers/index.js'

const schema = deviceConfigSchema(serialSensorDriver)
const errorsOf = (entry: Record<string, unknown>): string[] => [...Value.Errors(schema, Value.Default(schema, structuredClone(entry)))].map((e) => `${e.path}: ${e.message}`)
const base = { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor' }

t.test('the room config entry of DESIGN.md is valid, and defaults fill in 9600 8N1', async (t) => {
  const entry = { ...base, path: '/dev/ttyUSB0', baudRate: 9600, protocol: 'masimo-ascii' }
  t.same(errorsOf(entry), [])
  t.match(Value.Default(schema, { ...base, path: '/dev/ttyUSB0', protocol: 'masimo-ascii' }), { ...entry, dataBits: 8, parity: 'none', stopBits: 1 })
  t.same(errorsOf({ ...base, path: 'tcp://192.168.1.50:4001', protocol: 'nonin-ascii', expectedIntervalMs: 2000 }), [])
  t.same(errorsOf({ ...base, path: 'tcp://[fe80::1]:4001', protocol: 'nonin-ascii' }), [])
  t.same(errorsOf({ ...base, path: '/dev/ttyACM0', protocol: 'kv-line', fieldMap: { TEMP: { name: 'temperature', unit: '°C', min: 30, max: 43 } } }), [])
})

t.test('the schema refuses what would not work', async (t) => {
  const ok = { ...base, path: '/dev/ttyUSB0', protocol: 'masimo-ascii' }
  t.not(errorsOf({ ...ok, protocol: 'binary' }).length, 0, 'unknown protocol')
  t.not(errorsOf({ ...ok, path: 'ttyUSB0' }).length, 0, 'relative path')
  t.not(errorsOf({ ...ok, path: 'tcp://host' }).length, 0, 'tcp without port')
  t.not(errorsOf({ ...ok, baud: 9600 }).length, 0, 'unknown field (additionalProperties: false)')
  t.not(errorsOf({ ...ok, parity: 'sometimes' }).length, 0, 'parity')
  t.not(errorsOf({ ...ok, dataBits: 9 }).length, 0, 'data bits')
  t.not(errorsOf({ ...ok, protocol: 'kv-line', fieldMap: { 'A B': { name: 'x', unit: '%' } } }).length, 0, 'field map key')
  t.not(errorsOf({ ...ok, protocol: 'kv-line', fieldMap: { A: { name: 'x', unit: '%', scale: 2 } } }).length, 0, 'field spec')
})

t.test('kv-line without a field map is refused when the driver is created, naming the device', async (t) => {
  t.throws(() => serialSensorDriver.create({ ...base, path: '/dev/ttyUSB0', protocol: 'kv-line' }), /device spo2-1: protocol kv-line needs a fieldMap/)
  t.throws(() => serialSensorDriver.create({ ...base, path: 'tcp://nport:99999', protocol: 'masimo-ascii' }), /device spo2-1: "tcp:\/\/nport:99999" is not a tcp:\/\/host:port address/)
})

t.test('discover() lists ports without udevadm, and never opens one', async (t) => {
  const found = await serialSensorDriver.discover({ timeoutMs: 2000, log: testLogger() })
  t.ok(Array.isArray(found), 'an array, whether or not udevadm exists')
  for (const d of found) {
    t.equal(d.kind, 'serial-sensor')
    t.match(d.config.path, /^\/dev\//)
  }
  t.comment(`found ${found.length} port(s) on this machine`)
})

t.test('scanning /dev: by-id names first (stable across replugging), then ttyUSB*/ttyACM*', async (t) => {
  const dev = tempDir(t)
  mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true })
  for (const name of ['ttyUSB0', 'ttyUSB1', 'ttyACM0', 'ttyS0', 'tty1']) writeFileSync(join(dev, name), '')
  symlinkSync('../../ttyUSB1', join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'))
  symlinkSync('../../ttyGONE', join(dev, 'serial', 'by-id', 'usb-dangling-if00'))
  t.same(scanSerialDevices(dev).map((p) => p.path), [
    join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0'),
    join(dev, 'ttyACM0'),
    join(dev, 'ttyUSB0')
  ])
  t.same(scanSerialDevices(join(dev, 'nowhere')), [], 'no /dev at all: nothing, no error')
})
