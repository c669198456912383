// The listening port of a simulated device (an RTSP responder, an HTTP stream source, a serial line
// over TCP): opened on the given port, or on a free one that is then kept, so that the device comes
// back where the driver expects it; closed abruptly with every connection dropped, as a device that
// loses power or network does.
import type { Server, Socket } from 'node:net'

export class SimulatorPort {
  private server: Server | null = null
  /** The open connections. */
  readonly sockets = new Set<Socket>()

  /** `port` 0 picks a free port on the first open. */
  constructor (private readonly host: string, private port: number) {}

  /** The port given, or the one picked once open. */
  get number (): number {
    return this.port
  }

  get isOpen (): boolean {
    return this.server !== null
  }

  /** Listens with `server` (an http.Server is a net.Server too); rejects when the port is taken. */
  async open (server: Server): Promise<void> {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, this.host, () => { server.off('error', reject); resolve() })
    })
    const address = server.address()
    if (address !== null && typeof address === 'object') this.port = address.port
    this.server = server
  }

  /** Stops listening and destroys every connection; resolves once the server is closed. */
  async close (): Promise<void> {
    const server = this.server
    this.server = null
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
