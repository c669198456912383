// A TCP relay between a gateway and its hub that can be blocked the way a firewall rule or a dead
// mobile link blocks it: bytes are silently dropped both ways and nobody is told (no FIN, no RST),
// so the gateway must find out for itself (MQTT keepalive). New connections made while blocked are
// accepted and then hear nothing, as SYNs lost on a dead link end in a connect timeout. `unblock()`
// lets new connections through and drops the stale ones, as TCP would after its retries.
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { Teardown } from '../helpers/index.js'

export interface BlackholeProxy {
  port: number
  url: string
  block: () => void
  unblock: () => void
  /** Bytes thrown away while blocked. */
  readonly dropped: number
}

export async function startBlackholeProxy (t: Teardown, target: { host: string, port: number }): Promise<BlackholeProxy> {
  let blocked = false
  let dropped = 0
  const pairs = new Set<{ a: Socket, b: Socket | null, stale: boolean }>()
  const server: Server = createServer((a) => {
    const pair: { a: Socket, b: Socket | null, stale: boolean } = { a, b: null, stale: blocked }
    pairs.add(pair)
    a.on('error', () => {})
    a.once('close', () => { pairs.delete(pair); pair.b?.destroy() })
    a.on('data', (chunk) => {
      if (blocked || pair.stale) { dropped += chunk.length; return }
      pair.b?.write(chunk)
    })
    if (pair.stale) return // accepted, never answered
    const b = connect(target)
    pair.b = b
    b.on('error', () => a.destroy())
    b.once('close', () => a.destroy())
    b.on('data', (chunk) => {
      if (blocked || pair.stale) { dropped += chunk.length; return }
      a.write(chunk)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  t.teardown(async () => {
    for (const p of pairs) { p.a.destroy(); p.b?.destroy() }
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    block: () => {
      blocked = true
      for (const p of pairs) p.stale = true
    },
    unblock: () => {
      blocked = false
      for (const p of [...pairs]) if (p.stale) { p.a.destroy(); p.b?.destroy() }
    },
    get dropped () { return dropped }
  }
}
