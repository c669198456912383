// Makes the simulator's snapshot: a small, valid baseline JPEG (greyscale, one flat tone per 8×8
// block) generated in code, so the simulator ships no binary file and its picture can follow the
// simulated pan/tilt/zoom. Only the DC coefficient of each block is coded, which keeps the encoder to
// a Huffman table and a bit writer (ITU-T T.81, Annex K tables).

/** The standard luminance DC table (T.81 table K.3): code counts per length 1–16, then symbols. */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
/** An AC table with one symbol, EOB (0x00), coded as the single bit 0: every block is flat. */
const AC_COUNTS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
const AC_SYMBOLS = [0]

interface Code { bits: number, length: number }

/** Canonical Huffman codes from the counts per length (T.81 Annex C). */
function huffmanCodes (counts: number[], symbols: number[]): Map<number, Code> {
  const codes = new Map<number, Code>()
  let code = 0
  let k = 0
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < (counts[length - 1] as number); i++) {
      codes.set(symbols[k++] as number, { bits: code++, length })
    }
    code <<= 1
  }
  return codes
}

const DC_CODES = huffmanCodes(DC_COUNTS, DC_SYMBOLS)
const EOB = huffmanCodes(AC_COUNTS, AC_SYMBOLS).get(0) as Code

class BitWriter {
  private readonly bytes: number[] = []
  private acc = 0
  private count = 0

  write (bits: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((bits >> i) & 1)
      if (++this.count === 8) this.flushByte()
    }
  }

  private flushByte (): void {
    this.bytes.push(this.acc)
    if (this.acc === 0xff) this.bytes.push(0x00) // byte stuffing (T.81 F.1.2.3)
    this.acc = 0
    this.count = 0
  }

  finish (): number[] {
    while (this.count !== 0) this.write(1, 1) // pad with 1-bits
    return this.bytes
  }
}

function segment (marker: number, body: number[]): number[] {
  const length = body.length + 2
  return [0xff, marker, length >> 8, length & 0xff, ...body]
}

/**
 * Encodes a greyscale picture given as one tone (0–255) per 8×8 block, row by row.
 * `blocksWide × blocksHigh` blocks make a picture of 8× that many pixels.
 */
export function encodeBlockJpeg (tones: number[], blocksWide: number, blocksHigh: number): Buffer {
  const width = blocksWide * 8
  const height = blocksHigh * 8
  // DC quantizer 8: the DC coefficient of a flat block is 8 × (tone − 128), so the quantized value
  // is the tone offset itself (−128…127, category ≤ 8).
  const quant = [8, ...new Array<number>(63).fill(1)]
  const header = [
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    ...segment(0xdb, [0x00, ...quant]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_COUNTS, ...DC_SYMBOLS]),
    ...segment(0xc4, [0x10, ...AC_COUNTS, ...AC_SYMBOLS]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0])
  ]
  const out = new BitWriter()
  let previous = 0
  for (let b = 0; b < blocksWide * blocksHigh; b++) {
    const tone = Math.max(0, Math.min(255, Math.round(tones[b] ?? 128)))
    const value = tone - 128
    const diff = value - previous
    previous = value
    const magnitude = Math.abs(diff)
    const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1
    const code = DC_CODES.get(category) as Code
    out.write(code.bits, code.length)
    if (category > 0) out.write(diff < 0 ? diff + (1 << category) - 1 : diff, category)
    out.write(EOB.bits, EOB.length)
  }
  return Buffer.from([...header, ...out.finish(), 0xff, 0xd9])
}

/**
 * A 160×120 picture of a simple "room" seen through the camera: a bright window and a dark bed
 * whose place on the picture follows pan and tilt, scaled by zoom.
 */
export function roomSnapshot (position: { x: number, y: number, zoom: number }): Buffer {
  const wide = 20
  const high = 15
  const scale = 1 + 2 * Math.max(0, Math.min(1, position.zoom))
  const tones: number[] = []
  for (let by = 0; by < high; by++) {
    for (let bx = 0; bx < wide; bx++) {
      // Scene coordinates in "room units": the view is centred on (pan, tilt).
      const u = position.x * 2 + (bx - wide / 2) / (wide / 2) / scale
      const v = -position.y * 2 + (by - high / 2) / (high / 2) / scale
      let tone = 110 + 30 * Math.sin(u * 3) * Math.cos(v * 2)
      if (u > -0.4 && u < 0.4 && v > -0.9 && v < -0.3) tone = 235 // window
      if (u > -0.8 && u < 0.6 && v > 0.4 && v < 0.8) tone = 40 // bed
      tones.push(tone)
    }
  }
  return encodeBlockJpeg(tones, wide, high)
}
