// Reading an append-only file of newline-terminated records (the embedded store's history log) in
// chunks. A process killed mid-append leaves a last line without its newline; it is reported as a
// torn tail so the caller can cut the file back to the last whole record.
import { open } from 'node:fs/promises'

const CHUNK = 1 << 20

export interface LineScan {
  /** Bytes of whole lines (each ending in `\n`) from the start of the file. */
  goodBytes: number
  /** Bytes after the last newline: a record cut short by a crash. */
  tornBytes: number
}

/**
 * Calls `onLine` for every whole line (without its `\n`) with its byte offset and length (including
 * the `\n`). Reads in chunks, so a file larger than memory is fine as long as each line is not.
 */
export async function scanLines (path: string, onLine: (line: string, offset: number, length: number) => void): Promise<LineScan> {
  const fh = await open(path, 'r')
  try {
    let carry: Buffer = Buffer.alloc(0)
    let carryOffset = 0
    let position = 0
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK)
      const { bytesRead } = await fh.read(buf, 0, CHUNK, position)
      if (bytesRead === 0) break
      position += bytesRead
      const data: Buffer = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead)
      let start = 0
      for (;;) {
        const nl = data.indexOf(10, start)
        if (nl === -1) break
        onLine(data.toString('utf8', start, nl), carryOffset + start, nl - start + 1)
        start = nl + 1
      }
      carry = Buffer.from(data.subarray(start))
      carryOffset += start
    }
    return { goodBytes: carryOffset, tornBytes: carry.length }
  } finally {
    await fh.close()
  }
}
