// What the Node-RED tests share: a local webhook receiver standing in for Teams (the demo's own,
// cli/webhook-receiver.ts), and logging in to the Node-RED editor's admin API as a person would
// through the login dialog.
import { startWebhookReceiver as startReceiver } from '../../cli/webhook-receiver.js'
import type { Teardown } from '../helpers/index.js'

export interface WebhookReceiver {
  url: string
  /** Every JSON body posted, in the order they came. */
  received: Array<Record<string, unknown>>
}

export async function startWebhookReceiver (t: Teardown): Promise<WebhookReceiver> {
  const received: Array<Record<string, unknown>> = []
  const receiver = await startReceiver({ onMessage: (body) => received.push(body) })
  t.teardown(receiver.close)
  return { url: receiver.url, received }
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
