// Turns a byte stream (a serial port or a TCP socket) into lines with @serialport/parser-readline,
// behind a guard that bounds memory: the readline parser buffers until it sees a newline, so a
// device (or noise) that never sends one would grow it without end. The guard passes at most
// `maxLineBytes` bytes of any line and swallows the rest up to the newline; a line that reaches that
// length was cut, and the caller drops and counts it.
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { ReadlineParser } from '@serialport/parser-readline'

const NEWLINE = 0x0a

export class LineLengthGuard extends Transform {
  /** Bytes of the current line seen so far (passed or swallowed). */
  private run = 0

  constructor (private readonly maxLineBytes: number) {
    super()
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = []
    let start = 0
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start)
      const end = newline === -1 ? chunk.length : newline + 1
      const room = Math.max(0, this.maxLineBytes - this.run)
      const body = (newline === -1 ? end : newline) - start
      if (body > 0 && room > 0) out.push(chunk.subarray(start, start + Math.min(body, room)))
      if (newline === -1) {
        this.run += body
      } else {
        out.push(chunk.subarray(newline, newline + 1))
        this.run = 0
      }
      start = end
    }
    callback(null, out.length === 1 ? out[0] : Buffer.concat(out))
  }
}

/**
 * Feeds `onLine` with each line of `source` (without the newline; a CR is left for the parser to
 * trim). Lines are decoded as latin1 so that one byte is one character: a line's length is its
 * byte count, and noise stays visible as the bytes it was. Returns a function that detaches.
 */
export function splitLines (source: Readable, maxLineBytes: number, onLine: (line: string) => void): () => void {
  const guard = new LineLengthGuard(maxLineBytes)
  const readline = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' })
  readline.on('data', onLine)
  source.pipe(guard).pipe(readline)
  return () => {
    source.unpipe(guard)
    guard.unpipe(readline)
    readline.off('data', onLine)
    guard.destroy()
    readline.destroy()
  }
}
