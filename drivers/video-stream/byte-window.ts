// Reads an HTTP body for a measuring window: waits (bounded) for the first byte, then counts bytes
// for `windowMs`, handing each chunk to an observer. The first chunk is left out of the rate: cameras
// and proxies often send a buffered burst on connect, which would flatter the bitrate.
import type { IncomingMessage } from 'node:http'
import { abortReason } from './deadline.js'
import { ProbeError } from './probe.js'

export interface WindowReading {
  firstByteAt: number
  /** When the last counted byte arrived, or the window closed. */
  endedAt: number
  bytes: number
  /** Bytes after the first chunk, for the rate. */
  bytesAfterFirst: number
  /** The body ended (a finite answer), rather than the window closing on a live stream. */
  complete: boolean
  /** The first bytes, for recognising the container. */
  head: Buffer
}

export interface WindowOptions {
  windowMs: number
  /** Aborts the wait for the first byte (e.g. the probe's timeout); the window then runs on `stop`. */
  firstByte: AbortSignal
  stop: AbortSignal
  onChunk?: (chunk: Buffer) => void
  headBytes?: number
}

export async function readWindow (response: IncomingMessage, options: WindowOptions): Promise<WindowReading> {
  const headBytes = options.headBytes ?? 1024
  return await new Promise<WindowReading>((resolve, reject) => {
    let firstByteAt = 0
    let bytes = 0
    let bytesAfterFirst = 0
    let lastAt = 0
    let head = Buffer.alloc(0)
    let window: NodeJS.Timeout | null = null
    let done = false

    const finish = (err: unknown, complete = false): void => {
      if (done) return
      done = true
      if (window !== null) clearTimeout(window)
      options.firstByte.removeEventListener('abort', onFirstByteAbort)
      options.stop.removeEventListener('abort', onStop)
      response.removeAllListeners('data')
      response.destroy()
      if (err !== null) { reject(err); return }
      resolve({ firstByteAt, endedAt: complete ? lastAt : Date.now(), bytes, bytesAfterFirst, complete, head })
    }
    const onFirstByteAbort = (): void => { if (firstByteAt === 0) finish(abortReason(options.firstByte)) }
    const onStop = (): void => { finish(abortReason(options.stop)) }

    response.on('data', (chunk: Buffer) => {
      const now = Date.now()
      if (firstByteAt === 0) {
        firstByteAt = now
        window = setTimeout(() => { finish(null) }, options.windowMs)
      } else {
        bytesAfterFirst += chunk.length
      }
      bytes += chunk.length
      lastAt = now
      if (head.length < headBytes) head = Buffer.concat([head, chunk.subarray(0, headBytes - head.length)])
      options.onChunk?.(chunk)
    })
    response.once('end', () => {
      if (firstByteAt === 0) finish(new ProbeError({ kind: 'no-data', detail: 'the answer ended without a byte of media' }))
      else finish(null, true)
    })
    response.once('error', (err) => { finish(err) })
    response.once('close', () => {
      if (!response.complete) finish(new ProbeError({ kind: 'reset', detail: 'the stream was cut mid-window' }))
    })
    if (options.firstByte.aborted) onFirstByteAbort()
    else options.firstByte.addEventListener('abort', onFirstByteAbort, { once: true })
    if (options.stop.aborted) onStop()
    else options.stop.addEventListener('abort', onStop, { once: true })
  })
}

/** kbit/s from a window reading, or null when it lasted too short to mean anything. */
export function windowKbps (reading: WindowReading): number | null {
  const ms = reading.endedAt - reading.firstByteAt
  if (ms < 100) return null
  return (reading.bytesAfterFirst * 8) / ms
}
