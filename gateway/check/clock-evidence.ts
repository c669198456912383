// Is the gateway's clock right? Two witnesses: what keeps time on the box (the host device's
// `clockSynced` metric, else timesyncd/timedatectl/chrony asked directly), and the hub's clock read
// over HTTP (GET /probe/time), with the request's round trip split in two as NTP does.
// Both read the real system clock, never an injected test clock: it is the real clock being judged.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readClockSync } from '../../drivers/host/clock-sync.js'
import { toolFinder } from '../../drivers/host/tools.js'
import type { DeviceView } from '../readiness/evaluate.js'

/** Our clock minus the hub's in ms, or null when the hub could not be asked. */
export async function hubClockOffsetMs (baseUrl: string, options: { timeoutMs?: number, ca?: string | Buffer } = {}): Promise<number | null> {
  const url = new URL(baseUrl.replace(/\/+$/, '') + '/probe/time')
  const make = url.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise((resolve) => {
    const sent = Date.now()
    const req = make(url, { method: 'GET', agent: false, timeout: options.timeoutMs ?? 3000, ...(options.ca !== undefined ? { ca: options.ca } : {}) }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (text: string) => { body += text })
      res.on('end', () => {
        const received = Date.now()
        try {
          const ts = (JSON.parse(body) as { ts?: unknown }).ts
          resolve(res.statusCode === 200 && typeof ts === 'number' ? (sent + received) / 2 - ts : null)
        } catch {
          resolve(null)
        }
      })
      res.on('error', () => resolve(null))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(null))
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
