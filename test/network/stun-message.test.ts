// STUN Binding (RFC 5389) against the sample messages of RFC 5769.
import t from 'tap'
import { bindingRequest, parseBindingResponse, STUN_MAGIC_COOKIE } from '../../gateway/network/stun-message.js'

const transactionId = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex')

// RFC 5769 §2.2, sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1 port 32853.
const ipv4Response = Buffer.from([
  '0101003c', '2112a442', 'b7e7a701', 'bc34d686', 'fa87dfae',
  '8022000b', '74657374', '20766563', '746f7220',
  '00200008', '0001a147', 'e112a643',
  '00080014', '2b91f599', 'fd9e90c3', '8c7489f9', '2af9ba53', 'f06be7d7',
  '80280004', 'c07d4c96'
].join(''), 'hex')

// RFC 5769 §2.3, sample IPv6 response: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
const ipv6Response = Buffer.from([
  '01010048', '2112a442', 'b7e7a701', 'bc34d686', 'fa87dfae',
  '8022000b', '74657374', '20766563', '746f7220',
  '00200014', '0002a147', '0113a9fa', 'a5d3f179', 'bc25f4b5', 'bed2b9d9',
  '00080014', 'a382954e', '4be67bf1', '1784c97c', '8292c275', 'bfe3ed41',
  '80280004', 'c8fb0b4c'
].join(''), 'hex')

t.test('a Binding request is a bare 20-byte header', async (t) => {
  const { packet, transactionId: id } = bindingRequest(transactionId)
  t.equal(packet.length, 20)
  t.equal(packet.readUInt16BE(0), 0x0001)
  t.equal(packet.readUInt16BE(2), 0)
  t.equal(packet.readUInt32BE(4), STUN_MAGIC_COOKIE)
  t.equal(id, transactionId.toString('hex'))
  t.not(bindingRequest().transactionId, bindingRequest().transactionId, 'random ids')
})

t.test('XOR-MAPPED-ADDRESS of the RFC 5769 samples', async (t) => {
  t.same(parseBindingResponse(ipv4Response), { transactionId: transactionId.toString('hex'), success: true, mapped: { address: '192.0.2.1', port: 32853 } })
  t.same(parseBindingResponse(ipv6Response)?.mapped, { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 })
})

t.test('anything else is not a Binding response', async (t) => {
  t.equal(parseBindingResponse(bindingRequest().packet), null, 'a request')
  t.equal(parseBindingResponse(Buffer.alloc(10)), null, 'too short')
  const noCookie = Buffer.from(ipv4Response)
  noCookie.writeUInt32BE(0, 4)
  t.equal(parseBindingResponse(noCookie), null, 'RFC 3489 (no magic cookie)')
  t.equal(parseBindingResponse(ipv4Response.subarray(0, 40)), null, 'truncated')
})
