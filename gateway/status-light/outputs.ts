// The two kinds of light output: a serial port written one line per colour, and sysfs GPIO value
// files. Each only writes; the StatusLight decides what and when, and reopens after errors.
import { writeFile } from 'node:fs/promises'
import { SerialPort } from 'serialport'
import { lineFor, type LightColour } from './colour.js'
import type { GpioLightConfig, SerialLightConfig } from './config.js'

export interface LightOutput {
  show: (colour: LightColour) => Promise<void>
  close: () => Promise<void>
}

export class SerialLightOutput implements LightOutput {
  private port: SerialPort | null = null

  constructor (private readonly config: Pick<SerialLightConfig, 'path' | 'baudRate' | 'words'>) {}

  private async open (): Promise<SerialPort> {
    if (this.port?.isOpen === true) return this.port
    const port = new SerialPort({ path: this.config.path, baudRate: this.config.baudRate, autoOpen: false })
    await new Promise<void>((resolve, reject) => port.open((err) => err !== null && err !== undefined
      ? reject(new Error(`failed to open the status light at ${this.config.path}: ${err.message}${/permission/i.test(err.message) ? ' (add the user to dialout)' : ''}`))
      : resolve()))
    port.on('error', () => { this.port = null })
    port.on('close', () => { this.port = null })
    this.port = port
    return port
  }

  async show (colour: LightColour): Promise<void> {
    const port = await this.open()
    await new Promise<void>((resolve, reject) => {
      port.write(lineFor(colour, this.config.words ?? {}), (err) => err !== null && err !== undefined ? reject(err) : port.drain((e) => e !== null && e !== undefined ? reject(e) : resolve()))
    })
  }

  async close (): Promise<void> {
    const port = this.port
    this.port = null
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()))
  }
}

export class GpioLightOutput implements LightOutput {
  constructor (private readonly config: Pick<GpioLightConfig, 'pins' | 'activeLow'>) {}

  async show (colour: LightColour): Promise<void> {
    const on = this.config.activeLow ? '0' : '1'
    const off = this.config.activeLow ? '1' : '0'
    for (const pin of ['green', 'amber', 'red'] as const) {
      const file = this.config.pins[pin]
      if (file !== undefined) await writeFile(file, pin === colour ? on : off)
    }
  }

  async close (): Promise<void> {
    await this.show('off')
  }
}
