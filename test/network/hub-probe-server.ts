// The hub's probe services on their own, for tests that need them somewhere else than in the test
// process (inside a network namespace, behind a shaped link): the UDP echo and the HTTP probe
// routes on one port number. Prints one JSON line `{"ready":true,"port":N}` when listening; stops on
// SIGTERM. Usage: node --import tsx test/network/hub-probe-server.ts --host 10.0.0.2 [--port 0]
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { ProbeEchoServer, probeRoutes } from '../../cloud/probe/index.js'

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } })
const host = values.host ?? '127.0.0.1'
const app = Fastify({ forceCloseConnections: true })
await app.register(probeRoutes, { maxBytes: 64 * 1024 * 1024 })
await app.listen({ host, port: Number(values.port) })
const port = (app.server.address() as { port: number }).port
const echo = new ProbeEchoServer({ host, port })
await echo.start()
process.stdout.write(JSON.stringify({ ready: true, port }) + '\n')
const stop = async (): Promise<void> => {
  await echo.stop()
  await app.close()
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })
