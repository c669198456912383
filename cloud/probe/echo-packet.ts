// The layout of a network probe datagram, as the hub's echo service reads and stamps it. The
// gateway's network monitor has the same layout in gateway/network/echo-packet.ts: the two sides
// may only share protocol/, and test/network/echo-packet.test.ts keeps the two copies identical.
//
//   offset size  field
//    0     4     magic "HXP1"
//    4     1     kind: 1 probe (answer at once), 2 train (answer when the whole train is in);
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

export interface EchoHeader {
  kind: number
  reply: boolean
  trainLength: number
  stream: number
  seq: number
  sentMs: number
  serverReceivedMs: number
  serverSentMs: number
}

/** The header of a datagram, or null when it is not one of ours (wrong magic, version or size). */
export function readEchoHeader (packet: Buffer): EchoHeader | null {
  if (packet.length < ECHO_HEADER_BYTES || packet.length > ECHO_MAX_BYTES) return null
  if (packet.readUInt32BE(0) !== ECHO_MAGIC || packet.readUInt8(5) !== ECHO_VERSION) return null
  const kindByte = packet.readUInt8(4)
  const kind = kindByte & ~REPLY_FLAG
  if (kind !== KIND_PROBE && kind !== KIND_TRAIN) return null
  return {
    kind,
    reply: (kindByte & REPLY_FLAG) !== 0,
    trainLength: packet.readUInt16BE(6),
    stream: packet.readUInt32BE(8),
    seq: packet.readUInt32BE(12),
    sentMs: packet.readDoubleBE(16),
    serverReceivedMs: packet.readDoubleBE(24),
    serverSentMs: packet.readDoubleBE(32)
  }
}

/** Turns a received question into its answer in place: the reply flag and both echo timestamps. */
export function stampEchoReply (packet: Buffer, receivedMs: number, sentMs: number): Buffer {
  packet.writeUInt8(packet.readUInt8(4) | REPLY_FLAG, 4)
  packet.writeDoubleBE(receivedMs, 24)
  packet.writeDoubleBE(sentMs, 32)
  return packet
}
