// The layout of a network probe datagram: the gateway's network monitor writes questions and reads
// answers (gateway/network/echo-probe.ts), the hub's echo service reads questions and stamps them
// into answers (cloud/probe/udp-echo-server.ts). Wire format, so it is written once, here.
//
//   offset size  field
//    0     4     magic "HXP1"
//    4     1     kind: 1 probe (answered at once), 2 train (answered when the whole train is in);
//                the echo service sets the high bit (0x80) on its answer
//    5     1     version (1)
//    6     2     train length (packets in the train; 0 for a probe)
//    8     4     stream id (random per sender run; every train has one of its own)
//   12     4     sequence number
//   16     8     sender's send time, ms on the sender's monotonic clock (f64), echoed untouched
//   24     8     echo service's receive time, ms on its monotonic clock (f64)
//   32     8     echo service's send time, ms on its monotonic clock (f64)
//   40     …     padding up to the datagram size the sender chose
// All integers big-endian. The answer is exactly as long as the question, so the service never
// sends more bytes than it was sent (no amplification).

export const ECHO_MAGIC = 0x48585031 // "HXP1"
export const ECHO_VERSION = 1
export const ECHO_HEADER_BYTES = 40
/** The largest datagram that crosses a 1500-byte MTU without fragmenting (IPv4: 1500 − 20 − 8). */
export const ECHO_MAX_BYTES = 1472
export const KIND_PROBE = 1
export const KIND_TRAIN = 2
export const REPLY_FLAG = 0x80
/** A longer train is refused: it would hold too much at the echo service. */
export const MAX_TRAIN_PACKETS = 64

/** What the gateway asks. */
export interface EchoQuestion {
  kind: typeof KIND_PROBE | typeof KIND_TRAIN
  trainLength: number
  stream: number
  seq: number
  sentMs: number
  bytes: number
}

/** What the gateway reads back from an answer. */
export interface EchoAnswer {
  kind: number
  trainLength: number
  stream: number
  seq: number
  sentMs: number
  serverReceivedMs: number
  serverSentMs: number
}

/** What the echo service reads from any datagram of ours, question or answer. */
export interface EchoHeader extends EchoAnswer {
  reply: boolean
}

export function writeEchoQuestion (q: EchoQuestion): Buffer {
  const size = Math.max(ECHO_HEADER_BYTES, Math.min(ECHO_MAX_BYTES, Math.round(q.bytes)))
  const packet = Buffer.alloc(size)
  packet.writeUInt32BE(ECHO_MAGIC, 0)
  packet.writeUInt8(q.kind, 4)
  packet.writeUInt8(ECHO_VERSION, 5)
  packet.writeUInt16BE(q.trainLength, 6)
  packet.writeUInt32BE(q.stream >>> 0, 8)
  packet.writeUInt32BE(q.seq >>> 0, 12)
  packet.writeDoubleBE(q.sentMs, 16)
  return packet
}

/** The header of a datagram, or null when it is not one of ours (wrong magic, version, size or kind). */
export function readEchoHeader (packet: Buffer): EchoHeader | null {
  const header = readAnyHeader(packet)
  if (header === null || (header.kind !== KIND_PROBE && header.kind !== KIND_TRAIN)) return null
  return header
}

/** An answer from the echo service, or null for anything else (a question, a stranger's datagram). */
export function readEchoAnswer (packet: Buffer): EchoAnswer | null {
  const header = readAnyHeader(packet)
  if (header === null || !header.reply) return null
  const { reply, ...answer } = header
  return answer
}

/** Turns a received question into its answer in place: the reply flag and both echo timestamps. */
export function stampEchoReply (packet: Buffer, receivedMs: number, sentMs: number): Buffer {
  packet.writeUInt8(packet.readUInt8(4) | REPLY_FLAG, 4)
  packet.writeDoubleBE(receivedMs, 24)
  packet.writeDoubleBE(sentMs, 32)
  return packet
}

/** The header of a datagram with our magic and version and a size we send, whatever its kind. */
function readAnyHeader (packet: Buffer): EchoHeader | null {
  if (packet.length < ECHO_HEADER_BYTES || packet.length > ECHO_MAX_BYTES) return null
  if (packet.readUInt32BE(0) !== ECHO_MAGIC || packet.readUInt8(5) !== ECHO_VERSION) return null
  const kindByte = packet.readUInt8(4)
  return {
    kind: kindByte & ~REPLY_FLAG,
    reply: (kindByte & REPLY_FLAG) !== 0,
    trainLength: packet.readUInt16BE(6),
    stream: packet.readUInt32BE(8),
    seq: packet.readUInt32BE(12),
    sentMs: packet.readDoubleBE(16),
    serverReceivedMs: packet.readDoubleBE(24),
    serverSentMs: packet.readDoubleBE(32)
  }
}
