// A guard between a client's socket and aedes that reads the MQTT fixed header of every packet
// (MQTT 3.1.1 §2.2: one byte of type and flags, then the Remaining Length as 1–4 bytes of 7 bits)
// and closes the connection as soon as a packet announces more than `maxBytes` — before aedes
// buffers it. aedes itself has no packet size limit. Bytes pass through untouched.
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

/** Scans a byte stream for MQTT fixed headers; `push` returns false when a packet is too large. */
export class MqttFrameScanner {
  private state: 'type' | 'length' | 'body' = 'type'
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private remaining = 0

  constructor (private readonly maxBytes: number) {}

  /** The size of the packet that broke the limit, when `push` returned false. */
  tooLarge = 0

  push (chunk: Buffer): boolean {
    let i = 0
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i)
        this.remaining -= take
        i += take
        if (this.remaining === 0) this.state = 'type'
        continue
      }
      const byte = chunk[i++] as number
      if (this.state === 'type') {
        this.state = 'length'
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
        continue
      }
      // state 'length'
      this.length += (byte & 0x7f) * this.multiplier
      this.multiplier *= 128
      this.lengthBytes++
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes >= 4) { this.tooLarge = Infinity; return false } // malformed (§2.2.3)
        continue
      }
      const total = 1 + this.lengthBytes + this.length
      if (total > this.maxBytes) { this.tooLarge = total; return false }
      this.remaining = this.length
      this.state = this.remaining === 0 ? 'type' : 'body'
    }
    return true
  }
}

/** Wraps a socket: what aedes reads passes the scanner; what it writes goes straight to the socket. */
export class PacketSizeLimitedStream extends Duplex {
  private readonly scanner: MqttFrameScanner
  readonly remoteAddress: string | undefined

  constructor (private readonly socket: Socket, maxBytes: number, onTooLarge: (size: number) => void) {
    super({ allowHalfOpen: false })
    this.scanner = new MqttFrameScanner(maxBytes)
    this.remoteAddress = socket.remoteAddress
    socket.on('data', (chunk: Buffer) => {
      if (!this.scanner.push(chunk)) {
        onTooLarge(this.scanner.tooLarge)
        socket.destroy()
        this.destroy()
        return
      }
      if (!this.push(chunk)) socket.pause()
    })
    socket.on('end', () => this.push(null))
    socket.on('error', (err) => this.destroy(err))
    socket.on('close', () => this.destroy())
  }

  override _read (): void {
    this.socket.resume()
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.destroyed) return callback(new Error('socket closed'))
    if (this.socket.write(chunk)) callback()
    else this.socket.once('drain', () => callback())
  }

  override _final (callback: (error?: Error | null) => void): void {
    this.socket.end()
    callback()
  }

  override _destroy (error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy()
    callback(error)
  }
}
