// The video RTP a simulated camera sends once played: H.264 (RFC 6184) at 25 frames a second, each
// frame one NAL unit split into FU-A fragments of at most 1400 bytes, every RTP packet (RFC 3550
// header + payload) framed for interleaving on the RTSP connection (RFC 2326 §10.12: `$`, channel,
// length). Frame sizes follow the configured bitrate, counting whole RTP packets, so a client that
// counts the packets it gets reads that bitrate. While the camera hangs nothing is sent; a full
// socket buffer drops frames, as a camera would.
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'

const FPS = 25
const CLOCK_RATE = 90_000
const PAYLOAD_TYPE = 96 // as the simulator's SDP says (a=rtpmap:96 H264/90000)
const RTP_HEADER = 12
const FU_HEADER = 2
const MAX_PACKET = 1400
const MAX_QUEUED = 4 * 1024 * 1024

export interface RtpSource {
  /** The bitrate to send at, kbit/s. */
  kbps: () => number
  /** false while the camera hangs: the stream stalls. */
  sending: () => boolean
}

export class RtpVideoSender {
  private timer: NodeJS.Timeout | null = null
  private seq = randomBytes(2).readUInt16BE(0)
  private timestamp = randomBytes(4).readUInt32BE(0)
  private readonly ssrc = randomBytes(4).readUInt32BE(0)
  private frame = 0
  /** Bytes owed to the bitrate, carried between frames so that low rates come out right. */
  private owed = 0

  constructor (private readonly socket: Socket, private readonly channel: number, private readonly source: RtpSource) {}

  start (): void {
    const started = Date.now()
    const tick = (): void => {
      this.frame++
      this.timestamp = (this.timestamp + CLOCK_RATE / FPS) >>> 0
      if (this.source.sending() && !this.socket.destroyed && this.socket.writableLength < MAX_QUEUED) this.sendFrame()
      // Scheduled against the start, so timer lateness does not lower the bitrate.
      this.timer = setTimeout(tick, Math.max(0, started + (this.frame * 1000) / FPS - Date.now()))
    }
    tick()
  }

  stop (): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private sendFrame (): void {
    this.owed += (this.source.kbps() * 1000) / 8 / FPS
    // The frame's NAL unit, sized so that its RTP packets together carry what is owed.
    const packets = Math.max(1, Math.ceil(this.owed / MAX_PACKET))
    const nal = Math.floor(this.owed) - packets * (RTP_HEADER + FU_HEADER)
    if (nal <= 0) return
    this.owed -= nal + packets * (RTP_HEADER + FU_HEADER)
    const chunk = Math.ceil(nal / packets)
    const out: Buffer[] = []
    for (let i = 0, at = 0; at < nal; i++, at += chunk) {
      const size = Math.min(chunk, nal - at)
      const last = at + size >= nal
      const packet = Buffer.alloc(4 + RTP_HEADER + FU_HEADER + size)
      packet[0] = 0x24 // '$'
      packet[1] = this.channel
      packet.writeUInt16BE(RTP_HEADER + FU_HEADER + size, 2)
      packet[4] = 0x80 // version 2, no padding, no extension, no CSRC
      packet[5] = (last ? 0x80 : 0) | PAYLOAD_TYPE // marker on the frame's last packet
      packet.writeUInt16BE(this.seq, 6)
      this.seq = (this.seq + 1) & 0xffff
      packet.writeUInt32BE(this.timestamp, 8)
      packet.writeUInt32BE(this.ssrc, 12)
      packet[16] = 0x60 | 28 // FU indicator: NRI 3, type 28 (FU-A)
      packet[17] = (i === 0 ? 0x80 : 0) | (last ? 0x40 : 0) | (this.frame % FPS === 1 ? 5 : 1) // start/end bits, IDR once a second
      out.push(packet)
    }
    this.socket.write(Buffer.concat(out))
  }
}
