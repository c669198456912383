// Is the gateway's clock right? Two witnesses: what keeps time on the box (the host device's
// `clockSynced` metric, else timesyncd/timedatectl/chrony asked directly), and the hub's clock read
// over HTTP (GET /probe/time, with the gateway's credentials), with the request's round trip split in
// two as NTP does.
// Both read the real system clock, never an injected test clock: it is the real clock being judged.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readClockSync } from '../../drivers/host/clock-sync.js'
import { toolFinder } from '../../drivers/host/tools.js'
import type { DeviceView } from '../readiness/evaluate.js'
import { HUB_REFUSED_STATUS } from '../network/hub-credentials.js'

export interface HubClockAnswer {
  /** Our clock minus the hub's in ms, or null when the hub could not be asked. */
  offsetMs: number | null
  /** The hub answered 401: it does not accept the gateway's credentials. */
  refused: boolean
}

/** Asks the hub's clock (GET /probe/time, with the gateway's credentials) and splits the round trip in two. */
export async function askHubClock (baseUrl: string, options: { timeoutMs?: number, headers?: Record<string, string>, ca?: string | Buffer } = {}): Promise<HubClockAnswer> {
  const url = new URL(baseUrl.replace(/\/+$/, '') + '/probe/time')
  const make = url.protocol === 'https:' ? httpsRequest : httpRequest
  const none = { offsetMs: null, refused: false }
  return await new Promise((resolve) => {
    const sent = Date.now()
    const req = make(url, { method: 'GET', agent: false, timeout: options.timeoutMs ?? 3000, headers: options.headers ?? {}, ...(options.ca !== undefined ? { ca: options.ca } : {}) }, (res) => {
      if (res.statusCode === HUB_REFUSED_STATUS) {
        res.resume()
        resolve({ offsetMs: null, refused: true })
        return
      }
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (text: string) => { body += text })
      res.on('end', () => {
        const received = Date.now()
        try {
          const ts = (JSON.parse(body) as { ts?: unknown }).ts
          resolve(res.statusCode === 200 && typeof ts === 'number' ? { offsetMs: (sent + received) / 2 - ts, refused: false } : none)
        } catch {
          resolve(none)
        }
      })
      res.on('error', () => resolve(none))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(none))
    req.end()
  })
}

/** Whether the box's clock is synchronised: the host device's word if there is one, else ask. */
export async function clockSynced (host: DeviceView | undefined): Promise<boolean | null> {
  const said = host?.metrics.clockSynced
  if (typeof said === 'boolean') return said
  const answer = await readClockSync('/run', toolFinder(undefined), 3000)
  return answer.synced
}
