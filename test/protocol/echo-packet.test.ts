// The probe datagram layout: a question the gateway writes, read and stamped by the hub's echo
// service, read back by the gateway as an answer; sizes kept to one unfragmented datagram.
import t from 'tap'
import {
  ECHO_HEADER_BYTES, ECHO_MAX_BYTES, KIND_PROBE, KIND_TRAIN,
  readEchoAnswer, readEchoHeader, stampEchoReply, writeEchoQuestion
} from '../../protocol/echo-packet.js'

t.test('a question the gateway writes, the echo service reads and stamps, the gateway reads back', async (t) => {
  const question = writeEchoQuestion({ kind: KIND_TRAIN, trainLength: 24, stream: 0xdeadbeef, seq: 7, sentMs: 1234.5678, bytes: 1200 })
  t.equal(question.length, 1200)
  const header = readEchoHeader(question)!
  t.match(header, { kind: KIND_TRAIN, reply: false, trainLength: 24, stream: 0xdeadbeef, seq: 7, sentMs: 1234.5678 })
  t.equal(readEchoAnswer(question), null, 'a question is not an answer')
  const answer = readEchoAnswer(stampEchoReply(question, 99.25, 99.5))!
  t.same(answer, { kind: KIND_TRAIN, trainLength: 24, stream: 0xdeadbeef, seq: 7, sentMs: 1234.5678, serverReceivedMs: 99.25, serverSentMs: 99.5 })
  t.equal(readEchoHeader(question)?.reply, true, 'the echo service ignores an answer sent back at it')
})

t.test('sizes are kept within one unfragmented datagram; strangers are not ours', async (t) => {
  t.equal(writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 10 }).length, ECHO_HEADER_BYTES)
  t.equal(writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 9000 }).length, ECHO_MAX_BYTES)
  t.equal(readEchoHeader(Buffer.alloc(64)), null)
  t.equal(readEchoHeader(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + ' '.repeat(20))), null)
  const wrongKind = writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 64 })
  wrongKind.writeUInt8(9, 4)
  t.equal(readEchoHeader(wrongKind), null)
})
