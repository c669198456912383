// A serial device server (a Moxa NPort or similar in "TCP server" mode, which passes the device's
// bytes through a TCP port) as a line link, with node:net and the same line splitter as a tty.
import { connect, type Socket } from 'node:net'
import { describeTcpFailure, LinkOpenError } from './link-errors.js'
import type { LineLink, LineLinkHandlers } from './line-link.js'
import { splitLines } from './line-splitter.js'

export interface TcpLinkOptions {
  /** tcp://host:port */
  url: string
  maxLineBytes: number
  connectTimeoutMs?: number
}

/** Host and port of a tcp://host:port address; IPv6 hosts come in brackets. */
export function parseTcpUrl (url: string): { host: string, port: number } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`"${url}" is not a tcp://host:port address`)
  }
  const port = Number(parsed.port)
  if (parsed.protocol !== 'tcp:' || parsed.hostname === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`"${url}" is not a tcp://host:port address`)
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port }
}

export class TcpLineLink implements LineLink {
  private socket: Socket | null = null
  private detach: (() => void) | null = null
  private closing = false

  constructor (private readonly options: TcpLinkOptions, private readonly handlers: LineLinkHandlers) {}

  get target (): string {
    return this.options.url
  }

  async open (): Promise<void> {
    const { host, port } = parseTcpUrl(this.options.url)
    const socket = connect({ host, port })
    this.socket = socket
    socket.setTimeout(this.options.connectTimeoutMs ?? 5000, () => socket.destroy(new Error('timed out')))
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve)
        socket.once('error', reject)
        socket.once('close', () => reject(new Error(this.closing ? 'closed while connecting' : 'ECONNRESET')))
      })
    } catch (err) {
      socket.destroy()
      throw new LinkOpenError(describeTcpFailure(this.options.url, err), { cause: err })
    }
    socket.setTimeout(0)
    // Keepalive finds a dead peer eventually; the driver's silence check finds it sooner.
    socket.setKeepAlive(true, 5000)
    let lastError: Error | null = null
    socket.on('error', (err) => { lastError = err })
    this.detach = splitLines(socket, this.options.maxLineBytes, (line) => this.handlers.line(line))
    socket.once('close', () => {
      this.detach?.()
      this.detach = null
      if (!this.closing) this.handlers.lost(lastError?.message ?? 'the device server closed the connection')
    })
  }

  async close (): Promise<void> {
    this.closing = true
    this.detach?.()
    this.detach = null
    const socket = this.socket
    this.socket = null
    if (socket === null || socket.destroyed) return
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.destroy()
    await closed
  }
}
