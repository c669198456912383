// The layout of a network probe datagram, as the gateway writes questions and reads answers. The
// hub's echo service has the same layout in cloud/probe/echo-packet.ts (the two sides may only share
// protocol/); test/network/echo-packet.test.ts runs one side's packets through the other's code.
//
//   offset size  field
//    0     4     magic "HXP1"
//    4     1     kind: 1 probe (answered at once), 2 train (answered when the whole train is in);
//                the answer has the high bit (0x80) set
//    5     1     version (1)
//    6     2     train length (packets in the train; 0 for a probe)
//    8     4     stream id (random per sender run; every train has one of its own)
//   12     4     sequence number
//   16     8     our send time, ms on our monotonic clock (f64), echoed untouched
//   24     8     echo service's receive time, ms on its monotonic clock (f64)
//   32     8     echo service's send time, ms on its monotonic clock (f64)
//   40     …     padding up to the datagram size we chose
// All integers big-endian. An answer is exactly as long as its question.

export const ECHO_MAGIC = 0x48585031 // "HXP1"
export const ECHO_VERSION = 1
export const ECHO_HEADER_BYTES = 40
/** The largest datagram that crosses a 1500-byte MTU without fragmenting (IPv4: 1500 − 20 − 8). */
export const ECHO_MAX_BYTES = 1472
export const KIND_PROBE = 1
export const KIND_TRAIN = 2
export const REPLY_FLAG = 0x80
export const MAX_TRAIN_PACKETS = 64

export interface EchoQuestion {
  kind: typeof KIND_PROBE | typeof KIND_TRAIN
  trainLength: number
  stream: number
  seq: number
  sentMs: number
  bytes: number
}

export interface EchoAnswer {
  kind: number
  trainLength: number
  stream: number
  seq: number
  sentMs: number
  serverReceivedMs: number
  serverSentMs: number
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

/** An answer from the echo service, or null for anything else (a question, a stranger's datagram). */
export function readEchoAnswer (packet: Buffer): EchoAnswer | null {
  if (packet.length < ECHO_HEADER_BYTES || packet.length > ECHO_MAX_BYTES) return null
  if (packet.readUInt32BE(0) !== ECHO_MAGIC || packet.readUInt8(5) !== ECHO_VERSION) return null
  const kindByte = packet.readUInt8(4)
  if ((kindByte & REPLY_FLAG) === 0) return null
  return {
    kind: kindByte & ~REPLY_FLAG,
    trainLength: packet.readUInt16BE(6),
    stream: packet.readUInt32BE(8),
    seq: packet.readUInt32BE(12),
    sentMs: packet.readDoubleBE(16),
    serverReceivedMs: packet.readDoubleBE(24),
    serverSentMs: packet.readDoubleBE(32)
  }
}
