// Reads picture size and profile from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1),
// as a camera puts it base64-encoded in the SDP's `sprop-parameter-sets` (RFC 6184 §8.1). Tells IT
// whether the camera really sends HD or has fallen back to a small picture. Pure; null on bad input.

export interface H264Sps {
  profileIdc: number
  profile: string
  levelIdc: number
  width: number
  height: number
}

const profileNames: Record<number, string> = {
  66: 'Baseline', 77: 'Main', 88: 'Extended', 100: 'High', 110: 'High 10', 122: 'High 4:2:2', 244: 'High 4:4:4'
}
/** Profiles whose SPS carries chroma format, bit depth and scaling lists (§7.3.2.1.1). */
const highProfiles = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135])

/** The first SPS in a `sprop-parameter-sets` value (`SPS,PPS` in base64), parsed. */
export function spsFromSpropParameterSets (value: string | undefined): H264Sps | null {
  if (value === undefined) return null
  for (const part of value.split(',')) {
    const nal = Buffer.from(part.trim(), 'base64')
    if (nal.length > 0 && ((nal[0] ?? 0) & 0x1f) === 7) return parseSps(nal)
  }
  return null
}

/** Parses an SPS NAL unit (with its one-byte NAL header). */
export function parseSps (nal: Uint8Array): H264Sps | null {
  try {
    return readSps(new BitReader(removeEmulationPrevention(nal.subarray(1))))
  } catch {
    return null
  }
}

function readSps (r: BitReader): H264Sps | null {
  const profileIdc = r.bits(8)
  r.bits(8) // constraint_set flags
  const levelIdc = r.bits(8)
  r.ue() // seq_parameter_set_id
  let chromaFormatIdc = 1
  if (highProfiles.has(profileIdc)) {
    chromaFormatIdc = r.ue()
    if (chromaFormatIdc === 3) r.bits(1) // separate_colour_plane_flag
    r.ue() // bit_depth_luma_minus8
    r.ue() // bit_depth_chroma_minus8
    r.bits(1) // qpprime_y_zero_transform_bypass_flag
    if (r.bits(1) === 1) { // seq_scaling_matrix_present_flag
      for (let i = 0; i < (chromaFormatIdc !== 3 ? 8 : 12); i++) {
        if (r.bits(1) === 1) skipScalingList(r, i < 6 ? 16 : 64)
      }
    }
  }
  r.ue() // log2_max_frame_num_minus4
  const picOrderCntType = r.ue()
  if (picOrderCntType === 0) {
    r.ue() // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType === 1) {
    r.bits(1)
    r.se()
    r.se()
    const cycle = r.ue()
    if (cycle > 255) return null
    for (let i = 0; i < cycle; i++) r.se()
  }
  r.ue() // max_num_ref_frames
  r.bits(1) // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1
  const heightMapUnits = r.ue() + 1
  const frameMbsOnly = r.bits(1)
  if (frameMbsOnly === 0) r.bits(1) // mb_adaptive_frame_field_flag
  r.bits(1) // direct_8x8_inference_flag
  let crop = { left: 0, right: 0, top: 0, bottom: 0 }
  if (r.bits(1) === 1) crop = { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() }
  // Table 6-1: the crop unit depends on chroma subsampling and on field coding.
  const subWidthC = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1
  const subHeightC = chromaFormatIdc === 1 ? 2 : 1
  const cropUnitX = chromaFormatIdc === 0 ? 1 : subWidthC
  const cropUnitY = (chromaFormatIdc === 0 ? 1 : subHeightC) * (2 - frameMbsOnly)
  const width = widthMbs * 16 - cropUnitX * (crop.left + crop.right)
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (crop.top + crop.bottom)
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384) return null
  return { profileIdc, profile: profileNames[profileIdc] ?? `profile ${profileIdc}`, levelIdc, width, height }
}

function skipScalingList (r: BitReader, size: number): void {
  let last = 8
  let next = 8
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256
    last = next === 0 ? last : next
  }
}

/** Drops the 0x03 of every 00 00 03 (§7.4.1: emulation_prevention_three_byte). */
export function removeEmulationPrevention (bytes: Uint8Array): Uint8Array {
  const out: number[] = []
  let zeros = 0
  for (const b of bytes) {
    if (zeros >= 2 && b === 3) { zeros = 0; continue }
    out.push(b)
    zeros = b === 0 ? zeros + 1 : 0
  }
  return Uint8Array.from(out)
}

class BitReader {
  private pos = 0
  constructor (private readonly bytes: Uint8Array) {}

  bits (n: number): number {
    let v = 0
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.pos >> 3]
      if (byte === undefined) throw new RangeError('SPS ends early')
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1)
      this.pos++
    }
    return v
  }

  /** Exp-Golomb unsigned (§9.1). */
  ue (): number {
    let zeros = 0
    while (this.bits(1) === 0) {
      if (++zeros > 31) throw new RangeError('bad Exp-Golomb code')
    }
    return 2 ** zeros - 1 + this.bits(zeros)
  }

  se (): number {
    const k = this.ue()
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2)
  }
}
