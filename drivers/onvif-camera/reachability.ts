// The unauthenticated and raw-TCP stages of the health probe (after EdgeX device-onvif-camera,
// internal/driver/checkstatuses.go). These talk HTTP and TCP directly rather than through the
// `onvif` library, because they must tell apart what the library lumps together: an HTML error
// page (something that is not an ONVIF camera), a broken reply, silence, and a closed port.
import { request, type Agent } from 'node:http'
import { connect, type Socket } from 'node:net'
import { cameraUtcMs, clockDriftMs } from './clock.js'
import { child, parseXml } from './xml.js'

export type UnauthenticatedOutcome =
  /** A SOAP envelope came back: an ONVIF device. `clock` is null if it gave no usable time. */
  | { kind: 'onvif', clock: { cameraMs: number, driftMs: number, uptimeMs: number } | null, responseMs: number }
  /** Something answered HTTP, but not with SOAP (a web page, a 404): not an ONVIF device here. */
  | { kind: 'not-onvif', detail: string }
  /** It claims SOAP but the reply does not parse. */
  | { kind: 'bad-reply', detail: string }
  | { kind: 'timeout', detail: string }
  | { kind: 'network', detail: string }

export type TcpOutcome = 'open' | 'closed' | 'timeout'

const GET_SYSTEM_DATE_AND_TIME = '<?xml version="1.0" encoding="UTF-8"?>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' +
  '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>' +
  '</s:Body></s:Envelope>'

const MAX_REPLY_BYTES = 256 * 1024

export interface CameraAddress {
  host: string
  port: number
  path: string
  timeoutMs: number
  agent: Agent
}

/** Read what an answer means. Pure, so the classification is tested without sockets. */
export function judgeUnauthenticatedReply (status: number, contentType: string, body: string, responseMs: number, times: { sentAt: number, receivedAt: number, uptimeMs: number }): UnauthenticatedOutcome {
  let root
  try {
    root = parseXml(body)
  } catch (err) {
    const looksSoap = /soap|xml/i.test(contentType) || /^\s*<\?xml|<[\w-]*:?Envelope/i.test(body)
    return looksSoap
      ? { kind: 'bad-reply', detail: `HTTP ${status}: ${(err as Error).message}` }
      : { kind: 'not-onvif', detail: `HTTP ${status} ${contentType || 'without content type'}` }
  }
  if (root.name !== 'Envelope' || child(root, 'Body') === undefined) {
    return { kind: 'not-onvif', detail: `HTTP ${status}: <${root.name}> is no SOAP envelope` }
  }
  // A fault is still an ONVIF device talking (some demand a login even for the time).
  const response = child(child(root, 'Body'), 'GetSystemDateAndTimeResponse')
  const cameraMs = response === undefined ? null : cameraUtcMs(response)
  return {
    kind: 'onvif',
    responseMs,
    clock: cameraMs === null ? null : { cameraMs, driftMs: clockDriftMs(cameraMs, times.sentAt, times.receivedAt), uptimeMs: times.uptimeMs }
  }
}

/** Stage 2: GetSystemDateAndTime without credentials, which every ONVIF device must answer. */
export async function askCameraTime (camera: CameraAddress, now: () => number): Promise<UnauthenticatedOutcome> {
  return await new Promise((resolve) => {
    let done = false
    const finish = (outcome: UnauthenticatedOutcome): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const sentAt = now()
    const uptimeAtSend = process.uptime() * 1000
    const req = request({
      host: camera.host,
      port: camera.port,
      path: camera.path,
      method: 'POST',
      agent: camera.agent,
      headers: {
        'Content-Type': 'application/soap+xml; charset=utf-8; action="http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime"',
        'Content-Length': Buffer.byteLength(GET_SYSTEM_DATE_AND_TIME)
      }
    }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_REPLY_BYTES) chunks.push(chunk)
        else { finish({ kind: 'bad-reply', detail: `reply larger than ${MAX_REPLY_BYTES} bytes` }); req.destroy() }
      })
      res.on('error', (err) => finish({ kind: 'network', detail: err.message }))
      res.on('end', () => {
        const receivedAt = now()
        const uptimeMs = (uptimeAtSend + process.uptime() * 1000) / 2
        finish(judgeUnauthenticatedReply(res.statusCode ?? 0, String(res.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8'), receivedAt - sentAt, { sentAt, receivedAt, uptimeMs }))
      })
    })
    const timer = setTimeout(() => {
      finish({ kind: 'timeout', detail: `no answer within ${camera.timeoutMs} ms` })
      req.destroy()
    }, camera.timeoutMs)
    req.on('error', (err: Error & { code?: string }) => finish({ kind: 'network', detail: err.code ?? err.message }))
    req.end(GET_SYSTEM_DATE_AND_TIME)
  })
}

/** Stage 3: is anything listening on the port at all? `sockets` lets the caller end it early. */
export async function tcpConnect (host: string, port: number, timeoutMs: number, sockets: Set<Socket>): Promise<TcpOutcome> {
  return await new Promise((resolve) => {
    const socket = connect({ host, port })
    sockets.add(socket)
    let done = false
    const finish = (outcome: TcpOutcome): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      sockets.delete(socket)
      socket.destroy()
      resolve(outcome)
    }
    const timer = setTimeout(() => finish('timeout'), timeoutMs)
    socket.once('connect', () => finish('open'))
    socket.once('error', () => finish('closed'))
    socket.once('close', () => finish('closed'))
  })
}
