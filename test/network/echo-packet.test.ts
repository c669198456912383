// The probe datagram layout is written twice (the gateway and the hub may only share protocol/):
// each side's packets go through the other side's code here, so the copies cannot drift apart.
import t from 'tap'
import * as gw from '../../gateway/network/echo-packet.js'
import * as hub from '../../cloud/probe/echo-packet.js'

t.test('the constants agree', async (t) => {
  for (const name of ['ECHO_MAGIC', 'ECHO_VERSION', 'ECHO_HEADER_BYTES', 'ECHO_MAX_BYTES', 'KIND_PROBE', 'KIND_TRAIN', 'REPLY_FLAG', 'MAX_TRAIN_PACKETS'] as const) {
    t.equal(gw[name], hub[name], name)
  }
})

t.test('a question the gateway writes, the hub reads and stamps, the gateway reads back', async (t) => {
  const question = gw.writeEchoQuestion({ kind: gw.KIND_TRAIN, trainLength: 24, stream: 0xdeadbeef, seq: 7, sentMs: 1234.5678, bytes: 1200 })
  t.equal(question.length, 1200)
  const header = hub.readEchoHeader(question)!
  t.match(header, { kind: hub.KIND_TRAIN, reply: false, trainLength: 24, stream: 0xdeadbeef, seq: 7, sentMs: 1234.5678 })
  t.equal(gw.readEchoAnswer(question), null, 'a question is not an answer')
  const answer = gw.readEchoAnswer(hub.stampEchoReply(question, 99.25, 99.5))!
  t.same(answer, { kind: gw.KIND_TRAIN, trainLength: 24, stream: 0xdeadbeef, seq: 7, sentMs: 1234.5678, serverReceivedMs: 99.25, serverSentMs: 99.5 })
  t.equal(hub.readEchoHeader(question)?.reply, true, 'the hub ignores an answer sent back at it')
})

t.test('sizes are kept within one unfragmented datagram; strangers are not ours', async (t) => {
  t.equal(gw.writeEchoQuestion({ kind: gw.KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 10 }).length, gw.ECHO_HEADER_BYTES)
  t.equal(gw.writeEchoQuestion({ kind: gw.KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 9000 }).length, gw.ECHO_MAX_BYTES)
  t.equal(hub.readEchoHeader(Buffer.alloc(64)), null)
  t.equal(hub.readEchoHeader(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + ' '.repeat(20))), null)
  const wrongKind = gw.writeEchoQuestion({ kind: gw.KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 64 })
  wrongKind.writeUInt8(9, 4)
  t.equal(hub.readEchoHeader(wrongKind), null)
})
