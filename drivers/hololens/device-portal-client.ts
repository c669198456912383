// A client of the Windows Device Portal REST API on a HoloLens: Basic authentication, the CSRF
// cookie-to-header scheme Device Portal requires on state-changing requests, a deadline on every
// request, and typed reads of the endpoints the HoloLens driver watches. Every failure is a
// DevicePortalError whose `kind` says what went wrong; turning it into words for people is
// reasons.ts's job.
//
// CSRF, as Device Portal does it (and microsoft/WindowsDevicePortalWrapper's HttpHeadersHelper.cs):
// any GET answers with `Set-Cookie: CSRF-Token=<token>`; a POST/PUT/DELETE must carry that token
// both as the cookie and in an `X-CSRF-Token` header, or it is refused with 403 "CSRF Token Invalid".
// A token dies with the device's session (a restart), so a refused request refreshes it with a GET
// and is tried once more.
import { exchange, TransportError, type Exchange, type TransportFailure } from './portal-https.js'
import type { CertPin, SeenCertificate } from './cert-pin.js'
import {
  decodeJson, parseBattery, parseDeviceFamily, parseIpConfig, parseMachineName, parseMrcFiles,
  parseMrcStatus, parseOsInfo, parsePowerState, parseSystemPerf, parseThermalStage,
  type BatteryState, type MrcFile, type MrcStatus, type NetworkAdapter, type OsInfo, type PowerState, type SystemPerf
} from './replies.js'

export const DevicePortalPaths = {
  battery: '/api/power/battery',
  powerState: '/api/power/state',
  thermalStage: '/api/holographic/thermal/stage',
  osInfo: '/api/os/info',
  machineName: '/api/os/machinename',
  deviceFamily: '/api/os/devicefamily',
  ipConfig: '/api/networking/ipconfig',
  mrcStatus: '/api/holographic/mrc/status',
  mrcFiles: '/api/holographic/mrc/files',
  mrcPhoto: '/api/holographic/mrc/photo',
  systemPerf: '/api/resourcemanager/systemperf'
} as const

export type PortalFailure = TransportFailure | 'auth' | 'http'

export class DevicePortalError extends Error {
  constructor (
    readonly kind: PortalFailure,
    message: string,
    readonly path: string,
    readonly detail: string,
    readonly status: number | null = null,
    readonly certificate: SeenCertificate | null = null
  ) {
    super(message)
    this.name = 'DevicePortalError'
  }
}

export interface DevicePortalClientOptions {
  /** https://host[:port] */
  origin: URL
  username: string
  password: string
  pin: CertPin | null
  timeoutMs: number
  /** Extra CA certificates for verification when nothing is pinned. */
  ca?: string | Buffer | Array<string | Buffer>
}

export interface StreamSample {
  path: string
  bytes: number
  ms: number
  /** kbit/s over the window; 0 when nothing came. */
  kbps: number
  /** The server closed the stream within the window (a live stream never does). */
  endedEarly: boolean
}

const CSRF_COOKIE = 'CSRF-Token'

export class DevicePortalClient {
  private csrfToken: string | null = null
  private readonly authorization: string

  constructor (private readonly options: DevicePortalClientOptions) {
    this.authorization = 'Basic ' + Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')
  }

  get origin (): string {
    return this.options.origin.origin
  }

  /** The CSRF token the device gave us last (null before the first GET). */
  get csrf (): string | null {
    return this.csrfToken
  }

  async getJson (path: string, signal?: AbortSignal): Promise<unknown> {
    const reply = await this.send('GET', path, signal)
    this.expectSuccess(reply, path)
    return this.json(reply, path)
  }

  /** A state-changing request, with the CSRF token Device Portal demands. */
  async post (path: string, signal?: AbortSignal): Promise<unknown> {
    if (this.csrfToken === null) await this.refreshCsrf(signal)
    let reply = await this.send('POST', path, signal)
    if (reply.status === 403) {
      // "CSRF Token Invalid": the device restarted or dropped our session; fetch a new token once.
      await this.refreshCsrf(signal)
      reply = await this.send('POST', path, signal)
    }
    this.expectSuccess(reply, path)
    return this.json(reply, path)
  }

  /** Reads a live stream for `windowMs` and reports the rate it delivered. */
  async sampleStream (path: string, windowMs: number, signal?: AbortSignal): Promise<StreamSample> {
    const reply = await this.send('GET', path, signal, { sampleForMs: windowMs, accept: 'video/mp4' })
    this.expectSuccess(reply, path)
    const ms = Math.max(1, reply.bodyMs)
    return { path, bytes: reply.bytes, ms, kbps: (reply.bytes * 8) / ms, endedEarly: reply.ended }
  }

  async battery (signal?: AbortSignal): Promise<BatteryState> {
    return this.parsed(DevicePortalPaths.battery, parseBattery(await this.getJson(DevicePortalPaths.battery, signal)))
  }

  async thermalStage (signal?: AbortSignal): Promise<number> {
    return this.parsed(DevicePortalPaths.thermalStage, parseThermalStage(await this.getJson(DevicePortalPaths.thermalStage, signal)))
  }

  async powerState (signal?: AbortSignal): Promise<PowerState> {
    return this.parsed(DevicePortalPaths.powerState, parsePowerState(await this.getJson(DevicePortalPaths.powerState, signal)))
  }

  async osInfo (signal?: AbortSignal): Promise<OsInfo> {
    return this.parsed(DevicePortalPaths.osInfo, parseOsInfo(await this.getJson(DevicePortalPaths.osInfo, signal)))
  }

  async machineName (signal?: AbortSignal): Promise<string> {
    return this.parsed(DevicePortalPaths.machineName, parseMachineName(await this.getJson(DevicePortalPaths.machineName, signal)))
  }

  async deviceFamily (signal?: AbortSignal): Promise<string> {
    return this.parsed(DevicePortalPaths.deviceFamily, parseDeviceFamily(await this.getJson(DevicePortalPaths.deviceFamily, signal)))
  }

  async ipConfig (signal?: AbortSignal): Promise<NetworkAdapter[]> {
    return this.parsed(DevicePortalPaths.ipConfig, parseIpConfig(await this.getJson(DevicePortalPaths.ipConfig, signal)))
  }

  async mrcStatus (signal?: AbortSignal): Promise<MrcStatus> {
    return this.parsed(DevicePortalPaths.mrcStatus, parseMrcStatus(await this.getJson(DevicePortalPaths.mrcStatus, signal)))
  }

  async mrcFiles (signal?: AbortSignal): Promise<MrcFile[]> {
    return this.parsed(DevicePortalPaths.mrcFiles, parseMrcFiles(await this.getJson(DevicePortalPaths.mrcFiles, signal)))
  }

  /** Handles both the plain reply and the `{"Reason": "<escaped JSON>"}` one. */
  async systemPerf (signal?: AbortSignal): Promise<SystemPerf> {
    return this.parsed(DevicePortalPaths.systemPerf, parseSystemPerf(await this.getJson(DevicePortalPaths.systemPerf, signal)))
  }

  /** Takes a mixed reality capture photo (holograms and/or the photo/video camera). */
  async takeMrcPhoto (options: { holograms: boolean, camera: boolean }, signal?: AbortSignal): Promise<void> {
    await this.post(`${DevicePortalPaths.mrcPhoto}?holo=${String(options.holograms)}&pv=${String(options.camera)}`, signal)
  }

  private async refreshCsrf (signal?: AbortSignal): Promise<void> {
    this.csrfToken = null
    const reply = await this.send('GET', DevicePortalPaths.machineName, signal)
    this.expectSuccess(reply, DevicePortalPaths.machineName)
  }

  private async send (method: 'GET' | 'POST', path: string, signal: AbortSignal | undefined, extra: { sampleForMs?: number, accept?: string } = {}): Promise<Exchange> {
    const headers: Record<string, string> = {
      Authorization: this.authorization,
      Accept: extra.accept ?? 'application/json',
      'User-Agent': 'helserom-edge',
      // One request per connection: nothing is left open between polls, on either side.
      Connection: 'close'
    }
    if (this.csrfToken !== null) {
      headers.Cookie = `${CSRF_COOKIE}=${this.csrfToken}`
      if (method !== 'GET') headers['X-CSRF-Token'] = this.csrfToken
    }
    if (method !== 'GET') headers['Content-Length'] = '0'
    let reply: Exchange
    try {
      reply = await exchange({
        origin: this.options.origin,
        method,
        path,
        headers,
        timeoutMs: this.options.timeoutMs,
        pin: this.options.pin,
        ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
        ...(signal !== undefined ? { signal } : {}),
        ...(extra.sampleForMs !== undefined ? { sampleForMs: extra.sampleForMs } : {})
      })
    } catch (err) {
      if (err instanceof TransportError) {
        throw new DevicePortalError(err.kind, err.message, path, err.detail, null, err.certificate)
      }
      throw err
    }
    this.keepCsrf(reply.headers['set-cookie'])
    return reply
  }

  private keepCsrf (cookies: string[] | undefined): void {
    for (const cookie of cookies ?? []) {
      const [pair] = cookie.split(';', 1)
      const eq = pair?.indexOf('=') ?? -1
      if (pair === undefined || eq < 0 || pair.slice(0, eq).trim() !== CSRF_COOKIE) continue
      const value = pair.slice(eq + 1).trim()
      if (value !== '' && value.length <= 4096 && /^[\x21-\x7e]+$/.test(value)) this.csrfToken = value
    }
  }

  private expectSuccess (reply: Exchange, path: string): void {
    if (reply.status === 401) {
      throw new DevicePortalError('auth', `${this.origin}${path} refused the user name or password (HTTP 401)`, path, 'HTTP 401', 401, reply.certificate)
    }
    if (reply.status < 200 || reply.status > 299) {
      const phrase = reply.statusMessage !== '' ? ` ${reply.statusMessage}` : ''
      throw new DevicePortalError('http', `${this.origin}${path} answered HTTP ${reply.status}${phrase}`, path, `HTTP ${reply.status}${phrase}`, reply.status, reply.certificate)
    }
  }

  private json (reply: Exchange, path: string): unknown {
    const decoded = decodeJson(reply.body)
    if (!decoded.ok) throw new DevicePortalError('bad-reply', `${this.origin}${path} did not answer JSON: ${decoded.error}`, path, 'not JSON', reply.status, reply.certificate)
    return decoded.value
  }

  private parsed<T> (path: string, value: T | null): T {
    if (value === null) throw new DevicePortalError('bad-reply', `${this.origin}${path} answered in a shape we do not know`, path, 'unexpected reply shape')
    return value
  }
}

/** Any error as a DevicePortalError (an unexpected one becomes `unreachable` with its message). */
export function asPortalError (err: unknown, path = ''): DevicePortalError {
  if (err instanceof DevicePortalError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new DevicePortalError('unreachable', message, path, message)
}
