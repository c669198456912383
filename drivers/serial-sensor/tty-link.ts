// A serial port (a USB adapter's /dev/ttyUSB0, or one end of a socat pty pair in tests) as a line
// link, through serialport. Bytes that queued while nobody listened are flushed at open, so the
// first line the driver sees is a current one.
import { SerialPort } from 'serialport'
import { describeTtyFailure, LinkOpenError } from './link-errors.js'
import type { LineLink, LineLinkHandlers } from './line-link.js'
import { splitLines } from './line-splitter.js'
import type { Parity } from './config.js'

export interface TtyLinkOptions {
  path: string
  baudRate: number
  dataBits: 5 | 6 | 7 | 8
  parity: Parity
  stopBits: 1 | 1.5 | 2
  maxLineBytes: number
}

export class TtyLineLink implements LineLink {
  private port: SerialPort | null = null
  private detach: (() => void) | null = null
  private opening: Promise<void> | null = null
  private closing = false

  constructor (private readonly options: TtyLinkOptions, private readonly handlers: LineLinkHandlers) {}

  get target (): string {
    return this.options.path
  }

  async open (): Promise<void> {
    this.opening = this.openPort()
    await this.opening
  }

  private async openPort (): Promise<void> {
    const { path, baudRate, dataBits, parity, stopBits } = this.options
    const port = new SerialPort({ path, baudRate, dataBits, parity, stopBits, autoOpen: false })
    // serialport emits 'error' for failures without a callback; a listener keeps them from throwing.
    port.on('error', () => {})
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => err === null ? resolve() : reject(err)))
    } catch (err) {
      throw new LinkOpenError(describeTtyFailure(path, err), { cause: err })
    }
    this.port = port
    if (this.closing) return
    await new Promise<void>((resolve) => port.flush(() => resolve()))
    this.detach = splitLines(port, this.options.maxLineBytes, (line) => this.handlers.line(line))
    port.once('close', (err: Error | null) => {
      this.detach?.()
      this.detach = null
      if (!this.closing) this.handlers.lost(err?.message.replace(/^Error:?\s*/, '') ?? 'the port closed')
    })
  }

  async close (): Promise<void> {
    this.closing = true
    await this.opening?.catch(() => {})
    this.detach?.()
    this.detach = null
    const port = this.port
    this.port = null
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()))
  }
}
