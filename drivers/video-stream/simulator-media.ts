// The bytes the video-stream simulator sends, built here rather than loaded: a tiny valid baseline
// JPEG (one grey 8×8 block) padded with COM segments to any frame size, MPEG-TS null packets for a
// byte stream or HLS segment, and an SDP whose H.264 parameter sets are real (written bit by bit,
// ITU-T H.264 §7.3.2.1.1 / §7.3.2.2), so a client can read the picture size from them.

// ---- JPEG (ITU-T T.81) ----

function segment (marker: number, payload: number[]): number[] {
  const length = payload.length + 2
  return [0xff, marker, length >> 8, length & 0xff, ...payload]
}

/** A complete 8×8 grey baseline JPEG: every table holds a single code, the scan a single block. */
function baseJpeg (): Buffer {
  const bytes = [
    0xff, 0xd8, // SOI
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]), // DQT: table 0, all ones
    ...segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // SOF0: 8-bit, 8×8, one component, table 0
    ...segment(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0x00]), // DHT DC 0: one 1-bit code → category 0
    ...segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0x00]), // DHT AC 0: one 1-bit code → EOB
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS: one component, DC/AC tables 0, full spectral range
    0x3f, // scan: DC "0" (diff 0), AC "0" (EOB), padded with 1-bits
    0xff, 0xd9 // EOI
  ]
  return Buffer.from(bytes)
}

const BASE_JPEG = baseJpeg()

/** A valid JPEG of (about) `size` bytes: the base image with comment segments inserted after SOI. */
export function jpegFrame (size: number): Buffer {
  let padding = Math.max(0, Math.floor(size) - BASE_JPEG.length)
  const parts: Buffer[] = [BASE_JPEG.subarray(0, 2)]
  while (padding > 4) {
    const data = Math.min(padding - 4, 65533)
    const com = Buffer.alloc(data + 4, 0x20)
    com[0] = 0xff
    com[1] = 0xfe // COM
    com.writeUInt16BE(data + 2, 2)
    parts.push(com)
    padding -= data + 4
  }
  parts.push(BASE_JPEG.subarray(2))
  return Buffer.concat(parts)
}

// ---- MPEG-TS (ISO/IEC 13818-1) ----

const TS_PACKET = 188
const NULL_PACKET = (() => {
  const p = Buffer.alloc(TS_PACKET, 0xff)
  p[0] = 0x47 // sync byte
  p[1] = 0x1f // PID 0x1FFF: null packet
  p[2] = 0xff
  p[3] = 0x10 // payload only, continuity counter 0
  return p
})()

/** Whole TS null packets making at least `bytes` bytes (at least one packet). */
export function tsPackets (bytes: number): Buffer {
  const n = Math.max(1, Math.ceil(bytes / TS_PACKET))
  return Buffer.concat(new Array<Buffer>(n).fill(NULL_PACKET))
}

// ---- H.264 parameter sets ----

class BitWriter {
  private readonly bits: number[] = []

  u (n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2)
    return this
  }

  ue (value: number): this {
    const v = value + 1
    const length = Math.floor(Math.log2(v))
    return this.u(length, 0).u(length + 1, v)
  }

  se (value: number): this {
    return this.ue(value <= 0 ? -2 * value : 2 * value - 1)
  }

  /** rbsp_trailing_bits, then emulation prevention (§7.4.1) and the NAL header in front. */
  nal (header: number): Buffer {
    this.bits.push(1)
    while (this.bits.length % 8 !== 0) this.bits.push(0)
    const rbsp: number[] = []
    for (let i = 0; i < this.bits.length; i += 8) rbsp.push(parseInt(this.bits.slice(i, i + 8).join(''), 2))
    const out = [header]
    let zeros = 0
    for (const b of rbsp) {
      if (zeros >= 2 && b <= 3) { out.push(3); zeros = 0 }
      out.push(b)
      zeros = b === 0 ? zeros + 1 : 0
    }
    return Buffer.from(out)
  }
}

/** A High-profile level-4.0 SPS for a progressive 4:2:0 picture of `width`×`height`. */
export function h264Sps (width: number, height: number): Buffer {
  const widthMbs = Math.ceil(width / 16)
  const heightMbs = Math.ceil(height / 16)
  const cropRight = (widthMbs * 16 - width) / 2 // crop units are 2 pixels in 4:2:0
  const cropBottom = (heightMbs * 16 - height) / 2
  const w = new BitWriter()
    .u(8, 100).u(8, 0).u(8, 40) // profile_idc High, constraint flags, level_idc 4.0
    .ue(0) // seq_parameter_set_id
    .ue(1).ue(0).ue(0).u(1, 0).u(1, 0) // 4:2:0, 8-bit luma and chroma, no bypass, no scaling matrix
    .ue(0) // log2_max_frame_num_minus4
    .ue(0).ue(2) // pic_order_cnt_type 0, log2_max_pic_order_cnt_lsb_minus4
    .ue(1).u(1, 0) // max_num_ref_frames, no gaps
    .ue(widthMbs - 1).ue(heightMbs - 1)
    .u(1, 1).u(1, 1) // frame_mbs_only, direct_8x8_inference
  if (cropRight > 0 || cropBottom > 0) w.u(1, 1).ue(0).ue(cropRight).ue(0).ue(cropBottom)
  else w.u(1, 0)
  w.u(1, 0) // no VUI
  return w.nal(0x67)
}

export function h264Pps (): Buffer {
  return new BitWriter()
    .ue(0).ue(0) // pic_parameter_set_id, seq_parameter_set_id
    .u(1, 1).u(1, 0) // CABAC, bottom_field_pic_order_in_frame_present
    .ue(0) // num_slice_groups_minus1
    .ue(0).ue(0) // num_ref_idx_l0/l1_default_active_minus1
    .u(1, 0).u(2, 0) // weighted prediction off
    .se(0).se(0).se(0) // pic_init_qp/qs_minus26, chroma_qp_index_offset
    .u(1, 1).u(1, 0).u(1, 0) // deblocking control present, no constrained intra, no redundant pic cnt
    .nal(0x68)
}

// ---- SDP (RFC 4566) as an IP camera answers DESCRIBE ----

export interface SdpOptions {
  host: string
  sessionId: string
  width: number
  height: number
  fps: number
  kbps: number
  /** Audio only, as a camera whose video encoder is off. */
  noVideo: boolean
}

export function cameraSdp (o: SdpOptions): string {
  const sprop = `${h264Sps(o.width, o.height).toString('base64')},${h264Pps().toString('base64')}`
  const lines = [
    'v=0',
    `o=- ${o.sessionId} 1 IN IP4 ${o.host}`,
    's=Jodapro (helserom simulator)',
    'i=live',
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=tool:helserom-edge video-stream simulator',
    'a=type:broadcast',
    'a=control:*',
    'a=range:npt=now-'
  ]
  if (!o.noVideo) {
    lines.push(
      'm=video 0 RTP/AVP 96',
      `b=AS:${Math.round(o.kbps)}`,
      'a=rtpmap:96 H264/90000',
      `a=fmtp:96 packetization-mode=1;profile-level-id=640028;sprop-parameter-sets=${sprop}`,
      `a=framerate:${o.fps}`,
      'a=control:trackID=1'
    )
  }
  lines.push(
    'm=audio 0 RTP/AVP 97',
    'b=AS:64',
    'a=rtpmap:97 MPEG4-GENERIC/48000/2', // AAC-LC 48 kHz stereo: AudioSpecificConfig 0x1190
    'a=fmtp:97 streamtype=5;profile-level-id=15;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190',
    'a=control:trackID=2'
  )
  return lines.join('\r\n') + '\r\n'
}
