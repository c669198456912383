// The one boundary between the driver and the `onvif` package (agsh/onvif): every call goes through
// `call()`, which turns the library's callbacks into promises and guards its known traps —
//  * a callback may never come (a camera that accepts and hangs; a throw inside the library's own
//    callback that xml2js swallows): our own timer settles every call;
//  * a callback may come twice (xml2js re-calls it with the error its first caller threw): the
//    first settles, the rest are ignored;
//  * a throw inside the library escapes as an error, never as a crash: calls are wrapped, and our
//    callbacks only settle promises, so nothing of ours can throw inside the library;
//  * numbers come back where strings are expected ("2.10" → 2.1, token "1" → 1): results are read
//    from the raw reply text with our own XML reader, never from the library's converted objects;
//  * cameras answer GetServices without capabilities, or not at all: capabilities are optional
//    and GetCapabilities is the fallback; `cam.capabilities` is never relied on;
//  * the library hashes the password as ASCII, which breaks "blåbær" passwords: replaced by UTF-8.
// Library errors become `OnvifCallError`s with a kind the health probe can classify.
import { Agent } from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import onvif from 'onvif'
import type { DeviceInfo } from '../../protocol/messages.js'
import { child, children, numberAttr, parseXml, path, textOf, type XmlElement } from './xml.js'

export type OnvifErrorKind = 'timeout' | 'network' | 'auth' | 'fault' | 'bad-reply' | 'closed'

export class OnvifCallError extends Error {
  constructor (readonly operation: string, readonly kind: OnvifErrorKind, readonly detail: string) {
    super(`${operation}: ${detail}`)
    this.name = 'OnvifCallError'
  }
}

export interface PtzVector { x: number, y: number, zoom: number }

export interface CameraPreset {
  token: string
  name: string
  /** Where the preset points, when the camera says (PTZPreset/PTZPosition is optional). */
  position: PtzVector | null
}

export interface PtzStatus {
  position: PtzVector | null
  moving: boolean
  error: string | null
}

export interface MediaProfile {
  token: string
  name: string
  ptz: boolean
  encoding: string | null
  width: number | null
  height: number | null
}

export interface CameraEndpoints {
  /** Services the camera advertised, by our name; values are URL paths. */
  services: Record<string, string>
  /** Whether the PTZ service says GetStatus reports a position (unknown → assumed yes). */
  statusPosition: boolean
  via: 'GetServices' | 'GetCapabilities'
}

export interface OnvifClientOptions {
  host: string
  port: number
  path: string
  username: string
  password: string
  timeoutMs: number
}

type LibraryCallback = (err: Error | null, data?: unknown, xml?: string) => void

/** WS-Security PasswordDigest with the password as UTF-8 (the library uses ASCII). */
function utf8PasswordDigest (this: { password?: string, timeShift?: number }): { passdigest: string, nonce: string, timestamp: string } {
  const timestamp = new Date(process.uptime() * 1000 + (this.timeShift ?? 0)).toISOString()
  const nonce = randomBytes(16)
  const passdigest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(timestamp, 'utf8'), Buffer.from(this.password ?? '', 'utf8')])).digest('base64')
  return { passdigest, nonce: nonce.toString('base64'), timestamp }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTDOWN', 'ECONNABORTED'])

/** Sorts a library error into a kind, reading the reply text when there is one. */
export function classifyLibraryError (err: Error & { code?: string }, xml: string | undefined): OnvifErrorKind {
  const text = `${err.message} ${xml ?? ''}`
  if (/Network timeout/i.test(err.message)) return 'timeout'
  if (err.code !== undefined && NETWORK_CODES.has(err.code)) return 'network'
  if (/socket hang up/i.test(err.message)) return 'network'
  if (/not ?authori[sz]ed|unauthori[sz]ed|authority failure|digest authentication failed|failedauthentication|\b401\b/i.test(text)) return 'auth'
  if (/SOAP Fault/i.test(err.message)) return 'fault'
  return 'bad-reply'
}

/** The Body of a SOAP reply, or undefined when the text is no SOAP envelope. */
function soapBody (xml: string | undefined): XmlElement | undefined {
  if (xml === undefined || xml === '') return undefined
  try {
    const envelope = parseXml(xml)
    return envelope.name === 'Envelope' ? child(envelope, 'Body') : undefined
  } catch {
    return undefined
  }
}

function readVector (el: XmlElement | undefined): PtzVector | null {
  const panTilt = child(el, 'PanTilt')
  const x = numberAttr(panTilt, 'x')
  const y = numberAttr(panTilt, 'y')
  if (x === undefined || y === undefined) return null
  return { x, y, zoom: numberAttr(child(el, 'Zoom'), 'x') ?? 0 }
}

const limit = (s: string | undefined): string | undefined => s === undefined || s === '' ? undefined : s.slice(0, 200)

/** An ONVIF camera as the driver uses it. One instance per driver run; `close()` ends it. */
export class OnvifClient {
  private readonly cam: onvif.Cam
  private readonly agent = new Agent({ keepAlive: false })
  private closed = false
  private readonly pending = new Set<(err: OnvifCallError) => void>()

  constructor (private readonly options: OnvifClientOptions) {
    this.cam = new onvif.Cam({
      hostname: options.host,
      port: options.port,
      path: options.path,
      username: options.username === '' ? undefined : options.username,
      password: options.password === '' ? undefined : options.password,
      timeout: options.timeoutMs,
      autoconnect: false,
      // Cameras behind NAT or with a stale DHCP lease advertise service addresses we cannot reach:
      // always talk to the configured host and port.
      preserveAddress: true,
      agent: this.agent
    })
    ;(this.cam as unknown as { _passwordDigest: typeof utf8PasswordDigest })._passwordDigest = utf8PasswordDigest
    // The library emits 'warning' for oddities it tolerates; an EventEmitter never throws for those.
    this.cam.on('warning', () => {})
  }

  /** The HTTP agent every request to this camera goes through; destroyed by close(). */
  get httpAgent (): Agent {
    return this.agent
  }

  /**
   * Sets the camera's clock for WS-Security timestamps: the library stamps tokens with
   * process uptime + timeShift, and only measures the shift once, at connect.
   */
  setCameraClock (cameraTimeMs: number, atUptimeMs = process.uptime() * 1000): void {
    // The library treats a shift of exactly 0 as "unknown"; 1 ms off does no harm.
    this.cam.timeShift = (cameraTimeMs - atUptimeMs) || 1
  }

  /** Answer to an HTTP Digest challenge (e.g. on the snapshot URI), computed by the library. */
  digestAuthorization (challenges: string[], method: string, requestPath: string): string {
    return this.cam.digestAuth(challenges, { method, path: requestPath })
  }

  /**
   * Runs one library call. `expect` names the reply element; when the library reports an error of
   * its own making but the reply holds that element, the reply wins (the library threw reading it).
   */
  private async call<T> (operation: string, expect: string, invoke: (cb: LibraryCallback) => void, read: (reply: XmlElement) => T): Promise<T> {
    if (this.closed) throw new OnvifCallError(operation, 'closed', 'the driver has stopped')
    return await new Promise<T>((resolve, reject) => {
      let settled = false
      const settle = (fn: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.pending.delete(abort)
        fn()
      }
      const abort = (err: OnvifCallError): void => { settle(() => reject(err)) }
      const timer = setTimeout(() => {
        abort(new OnvifCallError(operation, 'timeout', `no answer within ${this.options.timeoutMs} ms`))
      }, this.options.timeoutMs + 100)
      this.pending.add(abort)
      const callback: LibraryCallback = (err, _data, xml) => {
        if (settled) return
        const body = soapBody(xml)
        const reply = child(body, expect)
        if (reply === undefined || child(body, 'Fault') !== undefined) {
          const error = err ?? new Error(`reply without ${expect}`)
          const kind = classifyLibraryError(error, xml)
          abort(new OnvifCallError(operation, kind, error.message.slice(0, 300)))
          return
        }
        let value: T
        try {
          value = read(reply)
        } catch (readError) {
          abort(new OnvifCallError(operation, 'bad-reply', (readError as Error).message))
          return
        }
        settle(() => resolve(value))
      }
      try {
        invoke(callback)
      } catch (err) {
        abort(new OnvifCallError(operation, 'bad-reply', `the onvif library failed: ${(err as Error).message}`))
      }
    })
  }

  /** Finds the media and PTZ services: GetServices, falling back to GetCapabilities. */
  async endpoints (): Promise<CameraEndpoints> {
    try {
      const found = await this.call('GetServices', 'GetServicesResponse', (cb) => { this.cam.getServices(true, cb) }, (reply) => {
        const services: Record<string, string> = {}
        let statusPosition = true
        for (const service of children(reply, 'Service')) {
          const ns = textOf(service, 'Namespace') ?? ''
          const xaddr = textOf(service, 'XAddr') ?? ''
          const m = /^https?:\/\/www\.onvif\.org\/ver\d+\/([A-Za-z]+)\/wsdl$/.exec(ns)
          if (m === null || xaddr === '') continue
          const name = ns.includes('/ver20/media/') ? 'media2' : (m[1] as string).toLowerCase()
          services[name] = pathOfUrl(xaddr)
          // Capabilities are optional (ReoLink and others leave them out even when asked).
          const caps = path(service, 'Capabilities', 'Capabilities') ?? child(service, 'Capabilities')
          if (name === 'ptz' && caps?.attrs.StatusPosition === 'false') statusPosition = false
        }
        return { services, statusPosition, via: 'GetServices' as const }
      })
      if (found.services.media !== undefined) {
        this.useMedia1()
        return found
      }
    } catch (err) {
      if (err instanceof OnvifCallError && (err.kind === 'timeout' || err.kind === 'network' || err.kind === 'closed')) throw err
      // Profile S does not require GetServices (Axis, older Panasonic): ask GetCapabilities.
    }
    const found = await this.call('GetCapabilities', 'GetCapabilitiesResponse', (cb) => { this.cam.getCapabilities(cb) }, (reply) => {
      const caps = child(reply, 'Capabilities')
      const services: Record<string, string> = {}
      for (const [element, name] of [['Device', 'device'], ['Media', 'media'], ['PTZ', 'ptz'], ['Imaging', 'imaging'], ['Events', 'events']] as const) {
        const xaddr = textOf(caps, element, 'XAddr')
        if (xaddr !== undefined && xaddr !== '') services[name] = pathOfUrl(xaddr)
      }
      return { services, statusPosition: true, via: 'GetCapabilities' as const }
    })
    this.useMedia1()
    return found
  }

  /**
   * Media1 (Profile S) for everything: the library would switch to Media2 when advertised, whose
   * replies have another shape and which buggy cameras break. Paths are what the library routes by.
   */
  private useMedia1 (): void {
    this.cam.media2Support = false
  }

  async deviceInformation (): Promise<DeviceInfo> {
    return await this.call('GetDeviceInformation', 'GetDeviceInformationResponse', (cb) => { this.cam.getDeviceInformation(cb) }, (reply) => {
      const info: DeviceInfo = {}
      const vendor = limit(textOf(reply, 'Manufacturer'))
      const model = limit(textOf(reply, 'Model'))
      const serial = limit(textOf(reply, 'SerialNumber'))
      const firmware = limit(textOf(reply, 'FirmwareVersion'))
      const hardware = limit(textOf(reply, 'HardwareId'))
      if (vendor !== undefined) info.vendor = vendor
      if (model !== undefined) info.model = model
      if (serial !== undefined) info.serial = serial
      if (firmware !== undefined) info.firmware = firmware
      if (hardware !== undefined) info.hardware = hardware
      return info
    })
  }

  async profiles (): Promise<MediaProfile[]> {
    return await this.call('GetProfiles', 'GetProfilesResponse', (cb) => { this.cam.getProfiles(cb) }, (reply) =>
      children(reply, 'Profiles').map((p) => {
        const encoder = child(p, 'VideoEncoderConfiguration')
        const width = Number(textOf(encoder, 'Resolution', 'Width'))
        const height = Number(textOf(encoder, 'Resolution', 'Height'))
        return {
          token: p.attrs.token ?? '',
          name: textOf(p, 'Name') ?? '',
          ptz: child(p, 'PTZConfiguration') !== undefined,
          encoding: textOf(encoder, 'Encoding') ?? null,
          width: Number.isFinite(width) && width > 0 ? width : null,
          height: Number.isFinite(height) && height > 0 ? height : null
        }
      }).filter((p) => p.token !== ''))
  }

  async streamUri (profileToken: string): Promise<string> {
    return await this.call('GetStreamUri', 'GetStreamUriResponse', (cb) => {
      this.cam.getStreamUri({ protocol: 'RTSP', stream: 'RTP-Unicast', profileToken }, cb)
    }, (reply) => requireText(textOf(reply, 'MediaUri', 'Uri'), 'MediaUri/Uri'))
  }

  async snapshotUri (profileToken: string): Promise<string> {
    return await this.call('GetSnapshotUri', 'GetSnapshotUriResponse', (cb) => {
      this.cam.getSnapshotUri({ profileToken }, cb)
    }, (reply) => requireText(textOf(reply, 'MediaUri', 'Uri'), 'MediaUri/Uri'))
  }

  async presets (profileToken: string): Promise<CameraPreset[]> {
    return await this.call('GetPresets', 'GetPresetsResponse', (cb) => { this.cam.getPresets({ profileToken }, cb) }, (reply) =>
      children(reply, 'Preset').map((p) => ({
        token: p.attrs.token ?? '',
        name: textOf(p, 'Name') ?? '',
        position: readVector(child(p, 'PTZPosition'))
      })).filter((p) => p.token !== ''))
  }

  async status (profileToken: string): Promise<PtzStatus> {
    return await this.call('GetStatus', 'GetStatusResponse', (cb) => { this.cam.getStatus({ profileToken }, cb) }, (reply) => {
      const status = child(reply, 'PTZStatus')
      const moveStatus = child(status, 'MoveStatus')
      // MoveStatus is <PanTilt>/<Zoom> in ONVIF 2.x, plain text on some older cameras.
      const states = [textOf(moveStatus, 'PanTilt'), textOf(moveStatus, 'Zoom'), moveStatus?.children.length === 0 ? moveStatus.text.trim() : undefined]
      const error = textOf(status, 'Error')
      return {
        position: readVector(child(status, 'Position')),
        moving: states.some((s) => s !== undefined && s.toUpperCase() === 'MOVING'),
        error: error === undefined || error === '' ? null : error
      }
    })
  }

  async gotoPreset (profileToken: string, presetToken: string): Promise<void> {
    await this.call('GotoPreset', 'GotoPresetResponse', (cb) => { this.cam.gotoPreset({ profileToken, preset: presetToken }, cb) }, () => undefined)
  }

  /** Saves the current position as a preset; returns its token (new, or the one overwritten). */
  async setPreset (profileToken: string, presetName: string, presetToken?: string): Promise<string> {
    return await this.call('SetPreset', 'SetPresetResponse', (cb) => {
      this.cam.setPreset({ profileToken, presetName: escapeText(presetName), ...(presetToken !== undefined ? { presetToken: escapeText(presetToken) } : {}) }, cb)
    }, (reply) => requireText(textOf(reply, 'PresetToken'), 'PresetToken'))
  }

  async absoluteMove (profileToken: string, to: PtzVector): Promise<void> {
    await this.call('AbsoluteMove', 'AbsoluteMoveResponse', (cb) => { this.cam.absoluteMove({ profileToken, x: to.x, y: to.y, zoom: to.zoom }, cb) }, () => undefined)
  }

  async continuousMove (profileToken: string, velocity: PtzVector, timeoutMs?: number): Promise<void> {
    await this.call('ContinuousMove', 'ContinuousMoveResponse', (cb) => {
      this.cam.continuousMove({ profileToken, x: velocity.x, y: velocity.y, zoom: velocity.zoom, ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}) }, cb)
    }, () => undefined)
  }

  async stop (profileToken: string): Promise<void> {
    await this.call('Stop', 'StopResponse', (cb) => { this.cam.stop({ profileToken, panTilt: true, zoom: true }, cb) }, () => undefined)
  }

  async gotoHome (profileToken: string): Promise<void> {
    await this.call('GotoHomePosition', 'GotoHomePositionResponse', (cb) => { this.cam.gotoHomePosition({ profileToken }, cb) }, () => undefined)
  }

  /** Ends every request in flight and refuses new ones. */
  close (): void {
    this.closed = true
    for (const abort of [...this.pending]) abort(new OnvifCallError('close', 'closed', 'the driver has stopped'))
    this.agent.destroy()
    this.cam.removeAllListeners()
  }
}

function requireText (value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new Error(`the reply has no ${what}`)
  return value
}

/** The library puts values into the XML as they are; a name like "Seng & bord" must be escaped. */
function escapeText (value: string): string {
  return value.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] as string)
}

/** The path (and query) of a service URL; the library routes requests by the path. */
function pathOfUrl (xaddr: string): string {
  try {
    const url = new URL(xaddr)
    return url.pathname + url.search
  } catch {
    return xaddr
  }
}
