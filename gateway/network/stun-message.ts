// STUN Binding request and response (RFC 5389), as much as a round-trip probe needs: a request with
// no attributes, and the response read for its transaction id and the address the server saw us
// from (XOR-MAPPED-ADDRESS, §15.2; MAPPED-ADDRESS, §15.1, from older servers). Pure.
import { randomBytes } from 'node:crypto'

/** §6: the fixed value in every RFC 5389 message, after type and length. */
export const STUN_MAGIC_COOKIE = 0x2112a442
export const STUN_HEADER_BYTES = 20
/** §6: method Binding (0x001) in the classes request, success response, error response. */
export const BINDING_REQUEST = 0x0001
export const BINDING_SUCCESS = 0x0101
export const BINDING_ERROR = 0x0111
const ATTR_MAPPED_ADDRESS = 0x0001
const ATTR_XOR_MAPPED_ADDRESS = 0x0020

export interface BindingRequest {
  /** The 96-bit transaction id (§6), hex: answers are matched to questions by it. */
  transactionId: string
  packet: Buffer
}

/** §6: a 20-byte header (type, length 0, magic cookie, random transaction id) and no attributes. */
export function bindingRequest (transactionId: Buffer = randomBytes(12)): BindingRequest {
  if (transactionId.length !== 12) throw new RangeError('a STUN transaction id is 12 bytes')
  const packet = Buffer.alloc(STUN_HEADER_BYTES)
  packet.writeUInt16BE(BINDING_REQUEST, 0)
  packet.writeUInt16BE(0, 2)
  packet.writeUInt32BE(STUN_MAGIC_COOKIE, 4)
  transactionId.copy(packet, 8)
  return { transactionId: transactionId.toString('hex'), packet }
}

export interface BindingResponse {
  transactionId: string
  success: boolean
  /** The address and port the server saw the request come from, if it said. */
  mapped: { address: string, port: number } | null
}

/** A Binding response, or null for anything else (§6: first two bits 0, magic cookie, lengths). */
export function parseBindingResponse (packet: Buffer): BindingResponse | null {
  if (packet.length < STUN_HEADER_BYTES) return null
  const type = packet.readUInt16BE(0)
  const length = packet.readUInt16BE(2)
  if ((type & 0xc000) !== 0 || length % 4 !== 0 || STUN_HEADER_BYTES + length > packet.length) return null
  if (packet.readUInt32BE(4) !== STUN_MAGIC_COOKIE) return null
  if (type !== BINDING_SUCCESS && type !== BINDING_ERROR) return null
  const transactionId = packet.subarray(8, 20)
  let xorMapped: BindingResponse['mapped'] = null
  let mapped: BindingResponse['mapped'] = null
  // §15: attributes are type-length-value, each value padded to a multiple of 4 bytes.
  let at = STUN_HEADER_BYTES
  const end = STUN_HEADER_BYTES + length
  while (at + 4 <= end) {
    const attrType = packet.readUInt16BE(at)
    const attrLength = packet.readUInt16BE(at + 2)
    const value = packet.subarray(at + 4, at + 4 + attrLength)
    if (value.length !== attrLength) break
    if (attrType === ATTR_XOR_MAPPED_ADDRESS) xorMapped = readAddress(value, transactionId, true)
    else if (attrType === ATTR_MAPPED_ADDRESS) mapped = readAddress(value, transactionId, false)
    at += 4 + Math.ceil(attrLength / 4) * 4
  }
  return { transactionId: transactionId.toString('hex'), success: type === BINDING_SUCCESS, mapped: xorMapped ?? mapped }
}

/** §15.1/§15.2: reserved byte, family (1 IPv4, 2 IPv6), port, address; XOR'd with cookie (+ id). */
function readAddress (value: Buffer, transactionId: Buffer, xor: boolean): BindingResponse['mapped'] {
  if (value.length < 8) return null
  const family = value.readUInt8(1)
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0
  if (size === 0 || value.length < 4 + size) return null
  const port = value.readUInt16BE(2) ^ (xor ? STUN_MAGIC_COOKIE >>> 16 : 0)
  const key = Buffer.alloc(16)
  key.writeUInt32BE(STUN_MAGIC_COOKIE, 0)
  transactionId.copy(key, 4)
  const bytes = Buffer.from(value.subarray(4, 4 + size))
  if (xor) for (let i = 0; i < size; i++) bytes[i] = bytes[i]! ^ key[i]!
  const address = size === 4
    ? [...bytes].join('.')
    : Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::')
  return { address, port }
}
