// What the Node-RED tests share: a local webhook receiver (node:http) standing in for Teams, and
// logging in to the Node-RED editor's admin API as a person would through the login dialog.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Teardown } from '../helpers/index.js'

export interface WebhookReceiver {
  url: string
  /** Every JSON body posted, in the order they came. */
  received: Array<Record<string, unknown>>
}

export async function startWebhookReceiver (t: Teardown): Promise<WebhookReceiver> {
  const received: Array<Record<string, unknown>> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      try {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        res.writeHead(202, { 'content-type': 'text/plain' }).end('1') // what a Teams workflow answers
      } catch {
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received }
}

/** POST /auth/token as the editor's login dialog does; the response status and body. */
export async function editorLogin (base: string, username: string, password: string): Promise<{ status: number, token: string | null }> {
  const res = await fetch(new URL('auth/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // scope "" asks for the user's own permissions, as the editor's login dialog does.
    body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username, password })
  })
  const body = await res.json().catch(() => ({})) as { access_token?: string }
  return { status: res.status, token: body.access_token ?? null }
}

/** A GET on the admin API, with a bearer token or without. */
export async function adminGet (base: string, path: string, token: string | null): Promise<Response> {
  return await fetch(new URL(path, base), {
    headers: { accept: 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) }
  })
}
