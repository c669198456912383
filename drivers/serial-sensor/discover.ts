// Lists the serial ports a sensor could be on. SerialPort.list() asks udevadm, which a minimal
// image (a container, a stripped-down Pi) may lack; then the ports are found by scanning /dev
// instead: /dev/serial/by-id/* first (stable names that survive replugging), then ttyUSB*/ttyACM*.
// Nothing is opened: probing a port could reset the device behind it.
import { readdirSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { SerialPort } from 'serialport'
import type { DiscoveredDevice } from '../contract.js'

export interface FoundPort {
  /** The path to put in the config: the by-id name when there is one. */
  path: string
  /** The device node it resolves to, e.g. /dev/ttyUSB0. */
  device: string
  description: string
}

/** Lists by-id links and ttyUSB/ttyACM nodes under `devDir` (a parameter so tests can point it elsewhere). */
export function scanSerialDevices (devDir = '/dev'): FoundPort[] {
  const found = new Map<string, FoundPort>()
  const byIdDir = join(devDir, 'serial', 'by-id')
  for (const name of safeReaddir(byIdDir).sort()) {
    const path = join(byIdDir, name)
    const device = safeRealpath(path)
    if (device !== null && !found.has(device)) found.set(device, { path, device, description: `${name} (${device})` })
  }
  for (const name of safeReaddir(devDir).filter((n) => /^tty(USB|ACM)\d+$/.test(n)).sort()) {
    const device = join(devDir, name)
    if (!found.has(device)) found.set(device, { path: device, device, description: device })
  }
  return [...found.values()]
}

function safeReaddir (dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function safeRealpath (path: string): string | null {
  try {
    return realpathSync(path)
  } catch {
    return null
  }
}

/** SerialPort.list(), or null when it fails or takes longer than `timeoutMs`. */
async function listWithUdev (timeoutMs: number, log: Logger): Promise<FoundPort[] | null> {
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs) })
    const ports = await Promise.race([SerialPort.list(), timeout])
    if (ports === null) {
      log.debug('SerialPort.list() timed out; scanning /dev instead')
      return null
    }
    // ttyS0–ttyS31 exist on most PCs whether or not a UART is behind them; keep only those with a maker.
    return ports
      .filter((p) => !/\/ttyS\d+$/.test(p.path) || p.manufacturer !== undefined)
      .map((p) => {
        const path = p.pnpId !== undefined ? `/dev/serial/by-id/${p.pnpId}` : p.path
        const maker = [p.manufacturer, p.serialNumber !== undefined ? `serial ${p.serialNumber}` : undefined].filter(Boolean).join(', ')
        return { path, device: p.path, description: maker !== '' ? `${p.path} (${maker})` : p.path }
      })
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'SerialPort.list() failed (no udevadm?); scanning /dev instead')
    return null
  } finally {
    clearTimeout(timer)
  }
}

export async function discoverSerialSensors (options: { timeoutMs: number, log: Logger }): Promise<DiscoveredDevice[]> {
  const listed = await listWithUdev(options.timeoutMs, options.log)
  const scanned = scanSerialDevices()
  const byDevice = new Map<string, FoundPort>()
  for (const port of [...(listed ?? []), ...scanned]) if (!byDevice.has(port.device)) byDevice.set(port.device, port)
  return [...byDevice.values()].map((port) => ({
    kind: 'serial-sensor',
    // The protocol cannot be seen without listening; Masimo ASCII 1 at 9600 8N1 is the common case.
    config: { path: port.path, baudRate: 9600, protocol: 'masimo-ascii' },
    description: `serial port ${port.description} — check that protocol and baud rate match the device's serial output`
  }))
}
