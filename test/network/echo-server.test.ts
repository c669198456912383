// The hub's UDP echo against real datagrams: a probe answered at once with the echo's own times, a
// train held until complete and sent back back-to-back, strangers ignored, and a source that sends
// too much answered no more.
import t, { type Test } from 'tap'
import { createSocket, type Socket } from 'node:dgram'
import { ProbeEchoServer } from '../../cloud/probe/index.js'
import { KIND_PROBE, KIND_TRAIN, readEchoAnswer, writeEchoQuestion, type EchoAnswer } from '../../protocol/echo-packet.js'
import { waitFor } from '../helpers/index.js'

async function echo (t: Test, options: Partial<ConstructorParameters<typeof ProbeEchoServer>[0]> = {}): Promise<{ server: ProbeEchoServer, port: number }> {
  const server = new ProbeEchoServer({ host: '127.0.0.1', port: 0, ...options })
  const { port } = await server.start()
  t.teardown(async () => await server.stop())
  return { server, port }
}

function client (t: Test, port: number): { socket: Socket, answers: Array<{ a: EchoAnswer, size: number }> } {
  const socket = createSocket('udp4')
  const answers: Array<{ a: EchoAnswer, size: number }> = []
  socket.on('message', (packet) => { const a = readEchoAnswer(packet); if (a !== null) answers.push({ a, size: packet.length }) })
  socket.connect(port, '127.0.0.1')
  t.teardown(() => socket.close())
  return { socket, answers }
}

t.test('a probe comes back at once, the same size, with the echo\'s receive and send times', async (t) => {
  let clock = 1000
  const { port } = await echo(t, { now: () => (clock += 0.5) })
  const { socket, answers } = client(t, port)
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.send(writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: 5, seq: 1, sentMs: 42, bytes: 64 }))
  await waitFor('the answer', () => answers.length === 1)
  t.equal(answers[0]!.size, 64)
  t.match(answers[0]!.a, { kind: KIND_PROBE, stream: 5, seq: 1, sentMs: 42 })
  t.ok(answers[0]!.a.serverSentMs > answers[0]!.a.serverReceivedMs)
})

t.test('a train is answered once complete, every packet, in one go', async (t) => {
  const { port, server } = await echo(t)
  const { socket, answers } = client(t, port)
  await new Promise((resolve) => socket.once('connect', resolve))
  for (let seq = 0; seq < 10; seq++) {
    socket.send(writeEchoQuestion({ kind: KIND_TRAIN, trainLength: 10, stream: 77, seq, sentMs: 0, bytes: 1000 }))
    if (seq === 4) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      t.equal(answers.length, 0, 'nothing comes back before the train is complete')
    }
  }
  await waitFor('the train back', () => answers.length === 10)
  t.equal(server.stats.trains, 1)
  const sentTimes = new Set(answers.map((x) => x.a.serverSentMs.toFixed(0)))
  t.ok(sentTimes.size <= 2, 'sent back-to-back')
  t.ok(answers.every((x) => x.size === 1000))
})

t.test('an incomplete train is answered after the hold time with what came', async (t) => {
  const { port } = await echo(t, { trainHoldMs: 100 })
  const { socket, answers } = client(t, port)
  await new Promise((resolve) => socket.once('connect', resolve))
  for (const seq of [0, 1, 2]) socket.send(writeEchoQuestion({ kind: KIND_TRAIN, trainLength: 10, stream: 9, seq, sentMs: 0, bytes: 500 }))
  await waitFor('the partial train', () => answers.length === 3)
})

t.test('strangers, answers and overlong trains get nothing', async (t) => {
  const { port, server } = await echo(t)
  const { socket, answers } = client(t, port)
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.send(Buffer.from('hello, is this DNS?'))
  const answer = writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: 1, seq: 1, sentMs: 0, bytes: 64 })
  answer.writeUInt8(KIND_PROBE | 0x80, 4)
  socket.send(answer)
  socket.send(writeEchoQuestion({ kind: KIND_TRAIN, trainLength: 500, stream: 2, seq: 0, sentMs: 0, bytes: 64 }))
  await waitFor('all three seen', () => server.stats.malformed === 3)
  t.equal(answers.length, 0)
})

t.test('a source over its byte budget is not answered', async (t) => {
  const { port, server } = await echo(t, { bytesPerSecondPerSource: 1000, burstBytesPerSource: 5000 })
  const { socket, answers } = client(t, port)
  await new Promise((resolve) => socket.once('connect', resolve))
  for (let seq = 0; seq < 10; seq++) socket.send(writeEchoQuestion({ kind: KIND_PROBE, trainLength: 0, stream: 3, seq, sentMs: 0, bytes: 1000 }))
  await waitFor('the budget used up', () => server.stats.rateLimited >= 5)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(answers.length, 5, 'five answered (5000 bytes), the rest refused')
})

t.test('a port already taken is a clear error', async (t) => {
  const { port } = await echo(t)
  await t.rejects(new ProbeEchoServer({ host: '127.0.0.1', port }).start(), /cannot listen on udp 127.0.0.1:\d+/)
  t.throws(() => new ProbeEchoServer({ port: 70000 }), /port must be 0–65535/)
})
