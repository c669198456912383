// Where the simulated sensor's bytes go: a tty (the simulator's end of a socat pty pair, or a real
// serial port wired to the gateway's), or a TCP port where every connected client gets the stream,
// as a serial device server gives it. Both can be unplugged and plugged back at run time.
import { once, type EventEmitter } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { SerialPort } from 'serialport'
import { SimulatorPort } from '../simulator-port.js'

export interface LineSink {
  /** Hands bytes to the line; false when nobody can receive them now (unplugged, no client). */
  write: (bytes: Buffer) => boolean
  /** Resolves when what was written has left our buffers. */
  drained: () => Promise<void>
  unplug: () => Promise<void>
  plug: () => Promise<void>
  close: () => Promise<void>
}

const REOPEN_MS = 250

/** Waits for a stream to drain or close, leaving no listener behind for the event that lost. */
async function drainOrClose (stream: EventEmitter): Promise<void> {
  const ac = new AbortController()
  const wait = async (event: string): Promise<unknown> => await once(stream, event, { signal: ac.signal }).catch(() => {})
  try {
    await Promise.race([wait('drain'), wait('close')])
  } finally {
    ac.abort()
  }
}

/**
 * Keeps the tty open while plugged in: if the tty goes away underneath (the pty pair is torn down,
 * as when a USB adapter is pulled), it is reopened as soon as the path works again.
 */
export class TtySink implements LineSink {
  private port: SerialPort | null = null
  private plugged = false
  private retry: NodeJS.Timeout | null = null

  constructor (private readonly path: string, private readonly baudRate: number) {}

  write (bytes: Buffer): boolean {
    const port = this.port
    if (port === null || !port.isOpen) return false
    port.write(bytes)
    return true
  }

  async drained (): Promise<void> {
    const port = this.port
    if (port === null || !port.writableNeedDrain) return
    await drainOrClose(port)
  }

  /** Opens the tty; throws when it cannot, so a caller learns about a wrong path at once. */
  async plug (): Promise<void> {
    this.plugged = true
    if (this.port !== null) return
    await this.open()
  }

  async unplug (): Promise<void> {
    this.plugged = false
    if (this.retry !== null) clearTimeout(this.retry)
    this.retry = null
    const port = this.port
    this.port = null
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()))
  }

  async close (): Promise<void> {
    await this.unplug()
  }

  private async open (): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false })
    port.on('error', () => {})
    await new Promise<void>((resolve, reject) => port.open((err) => err === null ? resolve() : reject(new Error(`simulator: cannot open ${this.path}: ${err.message}`))))
    if (!this.plugged) {
      await new Promise<void>((resolve) => port.close(() => resolve()))
      return
    }
    this.port = port
    port.once('close', () => {
      if (this.port !== port) return
      this.port = null
      this.reopenLater()
    })
  }

  private reopenLater (): void {
    if (!this.plugged || this.retry !== null) return
    this.retry = setTimeout(() => {
      this.retry = null
      if (!this.plugged || this.port !== null) return
      this.open().catch(() => this.reopenLater())
    }, REOPEN_MS)
  }
}

export class TcpSink implements LineSink {
  private readonly port: SimulatorPort
  /** The connected drivers; every line goes to each. */
  private readonly clients: Set<Socket>

  constructor (host: string, port: number) {
    this.port = new SimulatorPort(host, port)
    this.clients = this.port.sockets
  }

  get boundPort (): number {
    return this.port.number
  }

  get clientCount (): number {
    return this.clients.size
  }

  write (bytes: Buffer): boolean {
    for (const socket of this.clients) socket.write(bytes)
    return this.clients.size > 0
  }

  async drained (): Promise<void> {
    await Promise.all([...this.clients].filter((s) => s.writableNeedDrain).map(async (s) => await drainOrClose(s)))
  }

  async plug (): Promise<void> {
    if (this.port.isOpen) return
    await this.port.open(createServer((socket) => { socket.on('error', () => {}) }))
  }

  async unplug (): Promise<void> {
    await this.port.close()
  }

  async close (): Promise<void> {
    await this.unplug()
  }
}
