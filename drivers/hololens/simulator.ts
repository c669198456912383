// A simulated HoloLens 2 Device Portal, for tests, the demo and `helserom simulate hololens`: HTTPS
// with a self-signed certificate (./sim-tls, pinned in the deviceConfig it hands out), Basic auth,
// the CSRF-Token cookie that state-changing requests must echo in X-CSRF-Token (refused with 403
// "CSRF Token Invalid" otherwise, like the real portal; a user name starting with "auto-" skips the
// check, as Device Portal documents for scripts), the REST paths and reply shapes of the recorded
// HoloLens, live .mp4 streams written at a set bitrate, and a device that can vanish and come back.
//
// A plain TCP listener sits in front of the HTTPS server so that "offline" can be two things: the
// address refuses connections (powered off, port closed), or it accepts them and never answers
// (a hung network stack — what makes a driver's timeouts matter).
import { X509Certificate, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer as createTcpServer, isIPv6, type Server as TcpServer, type Socket } from 'node:net'
import type { RunningSimulator } from '../contract.js'
import { pinOfDer } from './cert-pin.js'
import { SimulatedHoloLens, type SimulatedHoloLensOptions } from './sim-device.js'
import { projectFile } from '../../protocol/project-files.js'

export interface HoloLensSimulatorOptions extends SimulatedHoloLensOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0: a free port. */
  port?: number
  /** Device Portal credentials. Defaults: helserom / hololens-sim. */
  username?: string
  password?: string
  /** What every live stream delivers, kbit/s. Default: each stream's nominal rate (live_low 600). */
  streamKbps?: number
  /** Another certificate than ./sim-tls (PEM). */
  tls?: { cert: string | Buffer, key: string | Buffer }
}

export type OfflineMode = 'refuse' | 'silent'

export interface HoloLensSimulatorStats {
  requests: number
  unauthorized: number
  csrfRejected: number
  streamsOpened: number
  openStreams: number
}

export interface HoloLensSimulator extends RunningSimulator {
  readonly deviceConfig: { url: string, username: string, password: string, certFingerprint: string }
  readonly port: number
  readonly device: SimulatedHoloLens
  readonly stats: HoloLensSimulatorStats
  /** The PEM certificate it serves (tests use it as a CA). */
  readonly certificatePem: string
  setBattery: (pct: number) => void
  setCharging: (charging: boolean) => void
  setDrainRate: (pctPerMinute: number) => void
  setThermalStage: (stage: number) => void
  /** What every live stream delivers from now on, kbit/s (0: headers, then nothing). */
  setStreamKbps: (kbps: number) => void
  goOffline: (mode?: OfflineMode) => Promise<void>
  comeBack: () => Promise<void>
}

/** Nominal rates of the Device Portal live streams (Device Portal API reference). */
const NOMINAL_KBPS: Record<string, number> = {
  '/api/holographic/stream/live.mp4': 5000,
  '/api/holographic/stream/live_high.mp4': 5000,
  '/api/holographic/stream/live_med.mp4': 2500,
  '/api/holographic/stream/live_low.mp4': 600
}
const STREAM_TICK_MS = 50
/** The start of an fMP4 (an `ftyp` box), so a client that peeks sees what a HoloLens sends. */
const FTYP = Buffer.from('0000001c667479706d703432000000006d7034326d70343169736f6d', 'hex')

export async function startHoloLensSimulator (options: HoloLensSimulatorOptions = {}): Promise<HoloLensSimulator> {
  const host = options.host ?? '127.0.0.1'
  const username = options.username ?? 'helserom'
  const password = options.password ?? 'hololens-sim'
  const certPem = options.tls?.cert ?? readFileSync(projectFile('drivers', 'hololens', 'sim-tls', 'cert.pem'))
  const keyPem = options.tls?.key ?? readFileSync(projectFile('drivers', 'hololens', 'sim-tls', 'key.pem'))
  const certificatePem = certPem.toString()
  const fingerprint = pinOfDer(new X509Certificate(certPem).raw)
  const device = new SimulatedHoloLens(options)
  const stats: HoloLensSimulatorStats = { requests: 0, unauthorized: 0, csrfRejected: 0, streamsOpened: 0, openStreams: 0 }
  const csrfTokens = new Set<string>()
  const streamStops = new Set<() => void>()
  const sockets = new Set<Socket>()
  let streamKbps: number | null = options.streamKbps ?? null
  let mode: 'online' | OfflineMode | 'stopped' = 'online'

  const https: HttpsServer = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(err))
    }
  })
  https.on('tlsClientError', () => {}) // a client that hangs up mid-handshake is not our problem

  const front: TcpServer = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (mode !== 'online') return // silent: accepted, never answered
    https.emit('connection', socket)
  })
  front.on('error', () => {})

  const listen = async (port: number): Promise<number> => await new Promise((resolve, reject) => {
    front.once('error', reject)
    front.listen(port, host, () => {
      front.off('error', reject)
      const address = front.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
  const port = await listen(options.port ?? 0)
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : (isIPv6(host) ? `[${host}]` : host)
  const url = `https://${urlHost}:${port}`

  function handle (req: IncomingMessage, res: ServerResponse): void {
    stats.requests++
    const user = basicUser(req.headers.authorization)
    if (user === null || !same(user.name.replace(/^auto-/, ''), username) || !same(user.password, password)) {
      stats.unauthorized++
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Windows Device Portal"', 'Content-Length': '0' })
      res.end()
      return
    }
    const cookie = cookieValue(req.headers.cookie, 'CSRF-Token')
    const method = req.method ?? 'GET'
    if (method === 'GET' || method === 'HEAD') {
      if (cookie === null || !csrfTokens.has(cookie)) {
        const token = randomBytes(24).toString('base64url')
        csrfTokens.add(token)
        res.setHeader('Set-Cookie', `CSRF-Token=${token}; Path=/; Secure; SameSite=Strict`)
      }
    } else if (!user.name.startsWith('auto-')) {
      const header = req.headers['x-csrf-token']
      if (cookie === null || !csrfTokens.has(cookie) || header !== cookie) {
        stats.csrfRejected++
        res.statusCode = 403
        res.statusMessage = 'CSRF Token Invalid'
        res.end()
        return
      }
    }
    route(method, req.url ?? '/', res)
  }

  function route (method: string, target: string, res: ServerResponse): void {
    let url: URL
    try {
      url = new URL(target, 'https://hololens')
    } catch {
      res.writeHead(400).end()
      return
    }
    const path = url.pathname.replace(/\/+$/, '').toLowerCase()
    if (method === 'GET') {
      const reply = getReply(path)
      if (reply !== undefined) { json(res, reply); return }
      if (path in NOMINAL_KBPS) { serveStream(path, res); return }
    }
    if (method === 'POST' && path === '/api/holographic/mrc/photo') {
      device.takePhoto()
      res.writeHead(200, { 'Content-Length': '0' }).end()
      return
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found')
  }

  function getReply (path: string): unknown {
    switch (path) {
      case '/api/power/battery': return device.batteryReply()
      case '/api/power/state': return device.powerStateReply()
      case '/api/holographic/thermal/stage': return device.thermalReply()
      case '/api/os/info': return device.osInfoReply()
      case '/api/os/machinename': return device.machineNameReply()
      case '/api/os/devicefamily': return device.deviceFamilyReply()
      case '/api/networking/ipconfig': return device.ipConfigReply()
      case '/api/holographic/mrc/status': return device.mrcStatusReply()
      case '/api/holographic/mrc/files': return device.mrcFilesReply()
      case '/api/holographic/os/webmanagement/settings/https': return { httpsRequired: true }
      case '/api/resourcemanager/systemperf': {
        const perf = device.systemPerfReply()
        return device.wrapSystemPerf ? { Reason: JSON.stringify(perf) } : perf
      }
      default: return undefined
    }
  }

  function json (res: ServerResponse, value: unknown): void {
    const body = JSON.stringify(value)
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  }

  /** Writes a live stream at the current rate until the client goes; a slow reader loses bytes, as a live encoder drops frames. */
  function serveStream (path: string, res: ServerResponse): void {
    stats.streamsOpened++
    stats.openStreams++
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Cache-Control': 'no-cache' })
    res.write(FTYP)
    let credit = 0
    let last = Date.now()
    const tick = setInterval(() => {
      const now = Date.now()
      const kbps = streamKbps ?? NOMINAL_KBPS[path] ?? 600
      credit += (kbps * 125 * (now - last)) / 1000 // kbit/s → bytes/s
      last = now
      if (res.writableNeedDrain) { credit = 0; return }
      const bytes = Math.floor(credit)
      if (bytes > 0) {
        res.write(Buffer.alloc(Math.min(bytes, 1 << 20), 0x47))
        credit -= bytes
      }
    }, STREAM_TICK_MS)
    const stop = (): void => {
      if (!streamStops.delete(stop)) return
      clearInterval(tick)
      stats.openStreams--
    }
    streamStops.add(stop)
    res.on('close', stop)
  }

  const dropConnections = (): void => {
    for (const stop of [...streamStops]) stop()
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  const closeListener = async (): Promise<void> => {
    if (!front.listening) return
    await new Promise<void>((resolve) => front.close(() => resolve()))
  }

  return {
    address: url,
    port,
    deviceConfig: { url, username, password, certFingerprint: fingerprint },
    device,
    stats,
    certificatePem,
    setBattery: (pct) => device.setBattery(pct),
    setCharging: (charging) => device.setCharging(charging),
    setDrainRate: (rate) => device.setDrainRate(rate),
    setThermalStage: (stage) => device.setThermalStage(stage),
    setStreamKbps: (kbps) => { streamKbps = Math.max(0, kbps) },
    goOffline: async (offline: OfflineMode = 'refuse') => {
      if (mode === 'stopped') return
      mode = offline
      dropConnections()
      // A restarted device forgets its sessions: old CSRF tokens are no good when it is back.
      csrfTokens.clear()
      if (offline === 'refuse') await closeListener()
    },
    comeBack: async () => {
      if (mode === 'stopped' || mode === 'online') return
      dropConnections()
      if (!front.listening) await listen(port)
      mode = 'online'
    },
    stop: async () => {
      mode = 'stopped'
      dropConnections()
      await closeListener()
    }
  }
}

function basicUser (header: string | undefined): { name: string, password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (match?.[1] === undefined) return null
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? null : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

function cookieValue (header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

function same (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
