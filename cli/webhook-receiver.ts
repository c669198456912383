// A small webhook receiver standing in for Teams (or any webhook) on loopback: the demo points the
// Node-RED example flows at it and writes what they send to its log; the Node-RED tests use it to see
// what the flows sent. It takes JSON POSTs, hands each body on and answers 202 as a Teams workflow
// does. A body that is not JSON, or too big, is refused (400, 413), counted and handed to `onRefused`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Bigger than any Adaptive Card a flow sends; Teams itself takes at most 28 KB. */
const MAX_BODY_BYTES = 1024 * 1024

export interface WebhookReceiverOptions {
  host?: string
  /** 0 (the default): any free port. */
  port?: number
  onMessage: (body: Record<string, unknown>) => void
  onRefused?: (why: string) => void
}

export interface WebhookReceiver {
  /** Where to POST: `http://host:port/hook`. */
  url: string
  /** Bodies refused since start. */
  readonly refused: number
  close: () => Promise<void>
}

export async function startWebhookReceiver (options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  let refused = 0
  const refuse = (res: ServerResponse, status: number, why: string): void => {
    refused++
    options.onRefused?.(why)
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${why}\n`)
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') { refuse(res, 405, `${req.method ?? '?'} ${req.url ?? ''}: only POST is taken`); return }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) { refuse(res, 413, `body of ${size} bytes is over ${MAX_BODY_BYTES}`); return }
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch (err) {
        refuse(res, 400, `body is not JSON: ${(err as Error).message}`)
        return
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) { refuse(res, 400, 'body is not a JSON object'); return }
      options.onMessage(body as Record<string, unknown>)
      res.writeHead(202, { 'content-type': 'text/plain' }).end('1')
    })
    req.on('error', () => { /* the sender went away; nothing to answer */ })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => { server.off('error', reject); resolve() })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}/hook`,
    get refused () { return refused },
    close: async () => await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
