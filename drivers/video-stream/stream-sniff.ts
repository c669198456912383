// What an HTTP byte stream carries, told from its Content-Type and first bytes: an MJPEG multipart
// stream (counting its JPEG frames as they pass), MP4, MPEG-TS, Matroska/WebM, FLV. Pure.

export type Container = 'mjpeg' | 'jpeg' | 'mp4' | 'mpegts' | 'matroska' | 'flv' | 'unknown'

/** The multipart boundary of an MJPEG stream (`multipart/x-mixed-replace; boundary=frame`), or null. */
export function mjpegBoundary (contentType: string | undefined): string | null {
  if (contentType === undefined || !/^multipart\/x-mixed-replace/i.test(contentType)) return null
  const m = /boundary\s*=\s*"?([^";]+)"?/i.exec(contentType)
  // Many cameras already put the leading dashes in the parameter; RFC 2046 adds them on the wire.
  return m?.[1] !== undefined ? m[1].trim().replace(/^--/, '') : null
}

/** Recognises a container from its first bytes. */
export function sniffContainer (head: Uint8Array): Container {
  const at = (i: number): number => head[i] ?? -1
  const ascii = (from: number, to: number): string => Buffer.from(head.subarray(from, to)).toString('latin1')
  if (at(0) === 0xff && at(1) === 0xd8) return 'jpeg'
  if (['ftyp', 'styp', 'moof', 'moov'].includes(ascii(4, 8))) return 'mp4'
  if (at(0) === 0x47 && (head.length < 189 || at(188) === 0x47)) return 'mpegts'
  if (at(0) === 0x1a && at(1) === 0x45 && at(2) === 0xdf && at(3) === 0xa3) return 'matroska'
  if (ascii(0, 3) === 'FLV') return 'flv'
  return 'unknown'
}

/**
 * Counts the parts of a multipart stream and how many of them are JPEG images, fed chunk by chunk.
 * A boundary split across two chunks is still found: the tail of each chunk is kept.
 */
export class MultipartFrameCounter {
  parts = 0
  jpegParts = 0
  private readonly delimiter: Buffer
  private carry: Buffer = Buffer.alloc(0)
  /** After a delimiter: waiting for the end of the part headers, then for the first body bytes. */
  private state: 'body' | 'headers' | 'first-bytes' = 'body'

  constructor (boundary: string) {
    this.delimiter = Buffer.from(`--${boundary}`, 'latin1')
  }

  push (chunk: Uint8Array): void {
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk)
    for (;;) {
      if (this.state === 'body') {
        const i = buf.indexOf(this.delimiter)
        if (i < 0) {
          this.carry = buf.subarray(Math.max(0, buf.length - this.delimiter.length + 1))
          return
        }
        this.parts++
        this.state = 'headers'
        buf = buf.subarray(i + this.delimiter.length)
      } else if (this.state === 'headers') {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) {
          this.carry = buf.length > 4096 ? Buffer.alloc(0) : buf // headers never that long: resynchronise
          if (buf.length > 4096) this.state = 'body'
          return
        }
        this.state = 'first-bytes'
        buf = buf.subarray(end + 4)
      } else {
        if (buf.length < 2) { this.carry = buf; return }
        if (buf[0] === 0xff && buf[1] === 0xd8) this.jpegParts++
        this.state = 'body'
      }
    }
  }
}
