// A PTZ camera that speaks ONVIF over HTTP/SOAP, for tests, benchmarks and the demo: device, media
// and PTZ services at the addresses GetCapabilities/GetServices advertise, WS-Security
// UsernameToken (PasswordDigest) checked as cameras check it, a Digest-protected JPEG snapshot that
// shows where the head points, presets that survive moves but not a reboot that loses them, and
// faults switchable at run time (hang, slow, reject-credentials, reboot, offline, not-onvif, garbage).
// Our own code: it never reads the recorded fixtures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import type { RunningSimulator } from '../contract.js'
import { DigestGuard } from './http-digest.js'
import { PtzMechanics, clampPosition, type PtzPosition } from './simulator-ptz.js'
import { envelope, faultEnvelope, faults, ptzVector, serviceOfNamespace, SPACES, type OnvifService, type SoapFault } from './simulator-soap.js'
import { startDiscoveryResponder, type DiscoveryResponder } from './simulator-discovery.js'
import { roomSnapshot } from './test-pattern-jpeg.js'
import { NonceCache, checkUsernameToken, readUsernameToken } from './ws-security.js'
import { child, escapeXml, numberAttr, parseXml, path, textOf, type XmlElement } from './xml.js'

export type OnvifCameraFault = 'hang' | 'slow' | 'reject-credentials' | 'reboot' | 'offline' | 'not-onvif' | 'garbage'

export interface SimulatedPreset {
  token: string
  name: string
  position: PtzPosition
}

export interface OnvifCameraSimulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string
  /** Port (default 0: a free one). */
  port?: number
  username?: string
  password?: string
  /** How far the camera's clock is off, in ms (positive: the camera is ahead). */
  clockOffsetMs?: number
  /** How far a WS-Security `Created` may be from the camera's clock (default 30 s). */
  authToleranceMs?: number
  /** The presets the camera has at power-on (default: 1 Pasient, 2 Oversikt). */
  presets?: SimulatedPreset[]
  home?: PtzPosition
  /** Speed of each PTZ axis in units per second (default 2: a full pan in one second). */
  ptzUnitsPerSecond?: number
  info?: Partial<SimulatedDeviceInfo>
  /** Answer GetProfiles with no profile at all (a camera after a botched factory reset). */
  noProfiles?: boolean
  /** Leave PTZPosition out of GetPresets (it is optional, and many cameras do). */
  presetsWithoutPositions?: boolean
  /** Answer GetServices without <Capabilities> even when asked for them, as some cameras do. */
  servicesWithoutCapabilities?: boolean
  /** Run a WS-Discovery responder (default off; port 3702 unless given). */
  discovery?: boolean | { port: number }
  /** The `presets` map put into `deviceConfig` (our names → preset tokens). */
  presetMap?: Record<string, string>
}

export interface SimulatedDeviceInfo {
  manufacturer: string
  model: string
  firmwareVersion: string
  serialNumber: string
  hardwareId: string
}

export interface OnvifCameraSimulatorState {
  fault: OnvifCameraFault | null
  position: PtzPosition
  moving: boolean
  /** The token of the preset the camera last went to, until it moves otherwise. */
  currentPreset: string | null
  presets: SimulatedPreset[]
  home: PtzPosition
  bootCount: number
  clockOffsetMs: number
  requests: number
}

export interface OnvifCameraSimulator extends RunningSimulator {
  readonly host: string
  readonly port: number
  readonly username: string
  readonly password: string
  readonly state: OnvifCameraSimulatorState
  /** Switches a fault on (or off with null). `delayMs` for slow, `downMs` for reboot. */
  setFault: (fault: OnvifCameraFault | null, options?: { delayMs?: number, downMs?: number }) => Promise<void>
  /** Goes away for `downMs` and comes back (by default with its presets lost); resolves when back. */
  reboot: (options?: { downMs?: number, losePresets?: boolean }) => Promise<void>
  setClockOffset: (ms: number) => void
  /** Deletes a preset as someone at the camera's web page would. */
  removePreset: (token: string) => void
  /** The WS-Discovery responder, when started. */
  readonly discovery: DiscoveryResponder | null
}

const PATHS: Record<OnvifService, string> = {
  device: '/onvif/device_service',
  media: '/onvif/media_service',
  ptz: '/onvif/ptz_service'
}
const SNAPSHOT_PATH = '/onvif/snapshot.jpg'
/** Operations a camera answers without authentication (ONVIF Core 5.9.4, access class PRE_AUTH). */
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetServiceCapabilities', 'GetWsdlUrl', 'GetHostname', 'GetEndpointReference'])
const MAX_PRESETS = 32
const MAX_BODY_BYTES = 1024 * 1024

const DEFAULT_PRESETS: SimulatedPreset[] = [
  { token: '1', name: 'Pasient', position: { x: 0.25, y: -0.2, zoom: 0.4 } },
  { token: '2', name: 'Oversikt', position: { x: 0, y: 0, zoom: 0 } }
]

interface Profile { token: string, name: string, width: number, height: number, ptz: boolean }
const PROFILES: Profile[] = [
  { token: 'main', name: 'MainStream', width: 1920, height: 1080, ptz: true },
  { token: 'sub', name: 'SubStream', width: 640, height: 360, ptz: true }
]

/** Reads an ISO 8601 duration such as PT1.5S or PT1M as ms; undefined if absent or malformed. */
function durationMs (raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const m = /^P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(raw.trim())
  if (m === null) return undefined
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000
}

const round = (v: number): number => Math.round(v * 1e6) / 1e6
const roundPosition = (p: PtzPosition): PtzPosition => ({ x: round(p.x), y: round(p.y), zoom: round(p.zoom) })

/** The first LAN IPv4 address, for a simulator listening on every interface (a real gateway reaches it there). */
function lanAddress (): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}

class SoapFaultError extends Error {
  constructor (readonly fault: SoapFault) {
    super(fault.reason)
  }
}

/** Runs an ONVIF camera on HTTP. See the file header for what it does. */
export async function startOnvifCameraSimulator (options: OnvifCameraSimulatorOptions = {}): Promise<OnvifCameraSimulator> {
  const host = options.host ?? '127.0.0.1'
  const username = options.username ?? 'admin'
  const password = options.password ?? 'helserom-sim'
  const toleranceMs = options.authToleranceMs ?? 30_000
  const factoryPresets = (options.presets ?? DEFAULT_PRESETS).map((p) => ({ ...p, position: clampPosition(p.position) }))
  const info: SimulatedDeviceInfo = {
    manufacturer: 'Helserom Sim',
    model: 'PTZ-200',
    // Shaped like real firmware and serials that a naive XML-to-JSON reading turns into numbers.
    firmwareVersion: '2.10',
    serialNumber: '20231115',
    hardwareId: '1.0',
    ...options.info
  }
  const endpoint = `urn:uuid:${randomUUID()}`

  let clockOffsetMs = options.clockOffsetMs ?? 0
  let fault: OnvifCameraFault | null = null
  let slowDelayMs = 2000
  let presets: SimulatedPreset[] = factoryPresets.map((p) => ({ ...p }))
  let home: PtzPosition = clampPosition(options.home ?? { x: 0, y: 0, zoom: 0 })
  let currentPreset: string | null = null
  let bootCount = 1
  let requests = 0
  let stopped = false
  const ptz = new PtzMechanics(() => Date.now(), options.ptzUnitsPerSecond ?? 2, home)
  const nonces = new NonceCache(2 * toleranceMs)
  const digest = new DigestGuard('Helserom Sim Camera')
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const cameraNow = (): number => Date.now() + clockOffsetMs

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => { timers.delete(timer); fn() }, ms)
    timers.add(timer)
  }
  // Waits that stop() cuts short, so nobody awaiting a reboot hangs on a stopped simulator.
  const waits = new Set<() => void>()
  const pause = async (ms: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      const done = (): void => { waits.delete(done); resolve() }
      waits.add(done)
      later(ms, done)
    })
  }

  // --- what the camera answers -------------------------------------------------------------

  const baseUrl = (req: IncomingMessage): string => `http://${req.headers.host ?? `${host}:${port}`}`

  function findProfile (body: XmlElement, needPtz: boolean): Profile {
    const token = textOf(body, 'ProfileToken') ?? ''
    const profile = PROFILES.find((p) => p.token === token)
    if (profile === undefined) throw new SoapFaultError(faults.invalidArg('ter:NoProfile', `The requested profile token ${token} does not exist`))
    if (needPtz && !profile.ptz) throw new SoapFaultError(faults.invalidArg('ter:NoPTZProfile', 'The requested profile token does not reference a PTZ configuration'))
    return profile
  }

  function findPreset (body: XmlElement): SimulatedPreset {
    const token = textOf(body, 'PresetToken') ?? ''
    const preset = presets.find((p) => p.token === token)
    if (preset === undefined) throw new SoapFaultError(faults.invalidArg('ter:NoToken', `No such PresetToken: ${token}`))
    return preset
  }

  function readVector (el: XmlElement | undefined, fallback: PtzPosition): PtzPosition {
    const panTilt = child(el, 'PanTilt')
    const zoom = child(el, 'Zoom')
    return { x: numberAttr(panTilt, 'x') ?? fallback.x, y: numberAttr(panTilt, 'y') ?? fallback.y, zoom: numberAttr(zoom, 'x') ?? fallback.zoom }
  }

  function dateTime (): string {
    const d = new Date(cameraNow())
    return '<tt:UTCDateTime>' +
      `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
      `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
      '</tt:UTCDateTime>'
  }

  function profileXml (p: Profile): string {
    return `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
      '<tt:VideoSourceConfiguration token="vsc0"><tt:Name>VideoSource</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>vs0</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>' +
      `<tt:VideoEncoderConfiguration token="vec-${p.token}"><tt:Name>${p.name}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
      `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
      '<tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl>' +
      '<tt:H264><tt:GovLength>50</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>' +
      (p.ptz
        ? '<tt:PTZConfiguration token="ptz0"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>ptznode0</tt:NodeToken>' +
          `<tt:DefaultAbsolutePantTiltPositionSpace>${SPACES.position.panTilt}</tt:DefaultAbsolutePantTiltPositionSpace>` +
          `<tt:DefaultAbsoluteZoomPositionSpace>${SPACES.position.zoom}</tt:DefaultAbsoluteZoomPositionSpace>` +
          `<tt:DefaultContinuousPanTiltVelocitySpace>${SPACES.velocity.panTilt}</tt:DefaultContinuousPanTiltVelocitySpace>` +
          `<tt:DefaultContinuousZoomVelocitySpace>${SPACES.velocity.zoom}</tt:DefaultContinuousZoomVelocitySpace>` +
          '<tt:DefaultPTZTimeout>PT10S</tt:DefaultPTZTimeout></tt:PTZConfiguration>'
        : '') +
      '</trt:Profiles>'
  }

  const scopes = (): string[] => [
    'onvif://www.onvif.org/type/video_encoder', 'onvif://www.onvif.org/type/ptz', 'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${encodeURIComponent(info.model)}`, `onvif://www.onvif.org/hardware/${encodeURIComponent(info.model)}`,
    'onvif://www.onvif.org/location/country/norway'
  ]

  function answer (service: OnvifService, op: string, body: XmlElement, req: IncomingMessage): string {
    const base = baseUrl(req)
    const xaddr = (s: OnvifService): string => `${base}${PATHS[s]}`
    switch (`${service}:${op}`) {
      // Device service (ONVIF Core §8)
      case 'device:GetSystemDateAndTime':
        return '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
          `<tt:TimeZone><tt:TZ>CET-1CEST,M3.5.0,M10.5.0/3</tt:TZ></tt:TimeZone>${dateTime()}</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
      case 'device:GetDeviceInformation':
        return `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(info.manufacturer)}</tds:Manufacturer><tds:Model>${escapeXml(info.model)}</tds:Model>` +
          `<tds:FirmwareVersion>${escapeXml(info.firmwareVersion)}</tds:FirmwareVersion><tds:SerialNumber>${escapeXml(info.serialNumber)}</tds:SerialNumber>` +
          `<tds:HardwareId>${escapeXml(info.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`
      case 'device:GetCapabilities':
        return '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
          `<tt:Device><tt:XAddr>${xaddr('device')}</tt:XAddr><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>` +
          '<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>' +
          '<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System></tt:Device>' +
          `<tt:Media><tt:XAddr>${xaddr('media')}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
          `<tt:PTZ><tt:XAddr>${xaddr('ptz')}</tt:XAddr></tt:PTZ>` +
          '</tds:Capabilities></tds:GetCapabilitiesResponse>'
      case 'device:GetServices': {
        const withCapabilities = textOf(body, 'IncludeCapability') === 'true' && options.servicesWithoutCapabilities !== true
        const service = (ns: string, s: OnvifService, capabilities: string): string =>
          `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${xaddr(s)}</tds:XAddr>` +
          (withCapabilities ? `<tds:Capabilities>${capabilities}</tds:Capabilities>` : '') +
          '<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>'
        return '<tds:GetServicesResponse>' +
          service('http://www.onvif.org/ver10/device/wsdl', 'device', '<tds:Capabilities><tds:Network NTP="1"/><tds:Security UsernameToken="true" HttpDigest="true"/><tds:System DiscoveryBye="true"/></tds:Capabilities>') +
          service('http://www.onvif.org/ver10/media/wsdl', 'media', '<trt:Capabilities SnapshotUri="true"><trt:ProfileCapabilities MaximumNumberOfProfiles="2"/><trt:StreamingCapabilities RTP_TCP="true" RTP_RTSP_TCP="true"/></trt:Capabilities>') +
          service('http://www.onvif.org/ver20/ptz/wsdl', 'ptz', '<tptz:Capabilities MoveStatus="true" StatusPosition="true"/>') +
          '</tds:GetServicesResponse>'
      }
      case 'device:GetScopes':
        return '<tds:GetScopesResponse>' + scopes().map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${escapeXml(s)}</tt:ScopeItem></tds:Scopes>`).join('') + '</tds:GetScopesResponse>'
      case 'device:GetHostname':
        return '<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>true</tt:FromDHCP><tt:Name>helserom-cam</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>'
      case 'device:SystemReboot':
        later(50, () => { void reboot({ downMs: 3000, losePresets: false }) })
        return '<tds:SystemRebootResponse><tds:Message>Rebooting in 1 second</tds:Message></tds:SystemRebootResponse>'

      // Media service (ONVIF Media §5)
      case 'media:GetProfiles':
        return `<trt:GetProfilesResponse>${options.noProfiles === true ? '' : PROFILES.map(profileXml).join('')}</trt:GetProfilesResponse>`
      case 'media:GetProfile':
        return `<trt:GetProfileResponse>${profileXml(findProfile(body, false)).replace(/trt:Profiles/g, 'trt:Profile')}</trt:GetProfileResponse>`
      case 'media:GetVideoSources':
        return '<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0"><tt:Framerate>25</tt:Framerate><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>'
      case 'media:GetStreamUri': {
        const profile = findProfile(body, false)
        const hostname = (req.headers.host ?? host).replace(/:\d+$/, '')
        return `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://${hostname}:554/live/${profile.token}</tt:Uri>` +
          '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>'
      }
      case 'media:GetSnapshotUri': {
        const profile = findProfile(body, false)
        return `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${escapeXml(`${base}${SNAPSHOT_PATH}?profile=${profile.token}`)}</tt:Uri>` +
          '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>'
      }

      // PTZ service (ONVIF PTZ §5)
      case 'ptz:GetPresets':
        findProfile(body, true)
        return '<tptz:GetPresetsResponse>' + presets.map((p) =>
          `<tptz:Preset token="${escapeXml(p.token)}"><tt:Name>${escapeXml(p.name)}</tt:Name>` +
          (options.presetsWithoutPositions === true ? '' : `<tt:PTZPosition>${ptzVector(roundPosition(p.position), SPACES.position)}</tt:PTZPosition>`) +
          '</tptz:Preset>'
        ).join('') + '</tptz:GetPresetsResponse>'
      case 'ptz:GotoPreset': {
        findProfile(body, true)
        const preset = findPreset(body)
        ptz.moveTo(preset.position)
        currentPreset = preset.token
        return '<tptz:GotoPresetResponse/>'
      }
      case 'ptz:SetPreset': {
        findProfile(body, true)
        const name = textOf(body, 'PresetName') ?? ''
        const token = textOf(body, 'PresetToken')
        const existing = token === undefined || token === '' ? undefined : findPreset(body)
        if (name.length > 64 || /[<>]/.test(name)) throw new SoapFaultError(faults.invalidArg('ter:InvalidPresetName', 'The PresetName is too long or has invalid characters'))
        if (name !== '' && presets.some((p) => p.name === name && p !== existing)) {
          throw new SoapFaultError(faults.invalidArg('ter:PresetExist', 'The requested name already exist for another preset'))
        }
        const position = ptz.position()
        if (existing !== undefined) {
          existing.position = position
          if (name !== '') existing.name = name
          return `<tptz:SetPresetResponse><tptz:PresetToken>${escapeXml(existing.token)}</tptz:PresetToken></tptz:SetPresetResponse>`
        }
        if (presets.length >= MAX_PRESETS) throw new SoapFaultError(faults.action('ter:TooManyPresets', 'Maximum number of presets reached'))
        let n = 1
        while (presets.some((p) => p.token === String(n))) n++
        const created = { token: String(n), name: name !== '' ? name : `Preset ${n}`, position }
        presets.push(created)
        return `<tptz:SetPresetResponse><tptz:PresetToken>${created.token}</tptz:PresetToken></tptz:SetPresetResponse>`
      }
      case 'ptz:RemovePreset': {
        findProfile(body, true)
        const preset = findPreset(body)
        presets = presets.filter((p) => p !== preset)
        if (currentPreset === preset.token) currentPreset = null
        return '<tptz:RemovePresetResponse/>'
      }
      case 'ptz:ContinuousMove': {
        findProfile(body, true)
        const velocity = readVector(child(body, 'Velocity'), { x: 0, y: 0, zoom: 0 })
        ptz.moveContinuously(velocity, durationMs(textOf(body, 'Timeout')))
        currentPreset = null
        return '<tptz:ContinuousMoveResponse/>'
      }
      case 'ptz:AbsoluteMove':
        findProfile(body, true)
        ptz.moveTo(readVector(child(body, 'Position'), ptz.position()))
        currentPreset = null
        return '<tptz:AbsoluteMoveResponse/>'
      case 'ptz:RelativeMove': {
        findProfile(body, true)
        const at = ptz.position()
        const by = readVector(child(body, 'Translation'), { x: 0, y: 0, zoom: 0 })
        ptz.moveTo({ x: at.x + by.x, y: at.y + by.y, zoom: at.zoom + by.zoom })
        currentPreset = null
        return '<tptz:RelativeMoveResponse/>'
      }
      case 'ptz:Stop':
        findProfile(body, true)
        ptz.stop()
        return '<tptz:StopResponse/>'
      case 'ptz:GotoHomePosition':
        findProfile(body, true)
        ptz.moveTo(home)
        currentPreset = null
        return '<tptz:GotoHomePositionResponse/>'
      case 'ptz:SetHomePosition':
        findProfile(body, true)
        home = ptz.position()
        return '<tptz:SetHomePositionResponse/>'
      case 'ptz:GetStatus': {
        findProfile(body, true)
        const state = ptz.moving() ? 'MOVING' : 'IDLE'
        return '<tptz:GetStatusResponse><tptz:PTZStatus>' +
          `<tt:Position>${ptzVector(roundPosition(ptz.position()), SPACES.position)}</tt:Position>` +
          `<tt:MoveStatus><tt:PanTilt>${state}</tt:PanTilt><tt:Zoom>${state}</tt:Zoom></tt:MoveStatus>` +
          `<tt:UtcTime>${new Date(cameraNow()).toISOString().replace(/\.\d+Z$/, 'Z')}</tt:UtcTime>` +
          '</tptz:PTZStatus></tptz:GetStatusResponse>'
      }
    }
    throw new SoapFaultError(faults.actionNotSupported(op))
  }

  // --- HTTP ---------------------------------------------------------------------------------

  function send (res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.headersSent) return
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers })
    res.end(body)
  }

  const sendSoap = (res: ServerResponse, status: number, xml: string): void => { send(res, status, 'application/soap+xml; charset=utf-8', xml) }

  function handleSoap (req: IncomingMessage, res: ServerResponse, raw: string): void {
    let doc: XmlElement
    try {
      doc = parseXml(raw)
    } catch (err) {
      sendSoap(res, 400, faultEnvelope(faults.wellFormed((err as Error).message)))
      return
    }
    const operation = path(doc, 'Body')?.children[0]
    if (doc.name !== 'Envelope' || operation === undefined) {
      sendSoap(res, 400, faultEnvelope(faults.wellFormed('no SOAP body')))
      return
    }
    const service = serviceOfNamespace(operation.namespace)
    const pathname = (req.url ?? '').split('?')[0]
    if (service === undefined || PATHS[service] !== pathname) {
      const f = faults.actionNotSupported(`${operation.name} at ${pathname}`)
      sendSoap(res, f.status, faultEnvelope(f))
      return
    }
    const token = readUsernameToken(doc)
    const preAuth = PRE_AUTH.has(operation.name) && service === 'device'
    if (operation.name !== 'GetSystemDateAndTime' && (token !== undefined || !preAuth)) {
      const check = token === undefined
        ? { ok: false }
        : fault === 'reject-credentials'
          ? { ok: false }
          : checkUsernameToken(token, { username, password, cameraNow: cameraNow(), toleranceMs, nonces })
      if (!check.ok) {
        const f = faults.notAuthorized()
        sendSoap(res, f.status, faultEnvelope(f))
        return
      }
    }
    try {
      sendSoap(res, 200, envelope(answer(service, operation.name, operation, req)))
    } catch (err) {
      const f = err instanceof SoapFaultError ? err.fault : faults.action('ter:Internal', (err as Error).message)
      sendSoap(res, f.status, faultEnvelope(f))
    }
  }

  function handleSnapshot (req: IncomingMessage, res: ServerResponse): void {
    const now = Date.now()
    const authorised = fault !== 'reject-credentials' && digest.verify(req.headers.authorization, req.method ?? 'GET', req.url ?? '', username, password, now)
    if (!authorised) {
      send(res, 401, 'text/html', '<html><body><h1>401 Unauthorized</h1></body></html>', { 'WWW-Authenticate': digest.challenge(now) })
      return
    }
    send(res, 200, 'image/jpeg', roomSnapshot(ptz.position()))
  }

  function handle (req: IncomingMessage, res: ServerResponse): void {
    requests++
    if (fault === 'hang') return // accepted, read, never answered
    if (fault === 'not-onvif') {
      send(res, 404, 'text/html; charset=utf-8', '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>')
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) { send(res, 413, 'text/plain', 'too large'); req.destroy() } else chunks.push(chunk)
    })
    req.on('error', () => { /* the client went away */ })
    req.on('end', () => {
      const respond = (): void => {
        if (stopped || res.destroyed) return
        if (fault === 'garbage') {
          sendSoap(res, 200, '<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><tds:GetDevic\u0000<<>>&&;')
          return
        }
        const pathname = (req.url ?? '').split('?')[0]
        if (req.method === 'GET' && pathname === SNAPSHOT_PATH) handleSnapshot(req, res)
        else if (req.method === 'POST' && Object.values(PATHS).includes(pathname as string)) handleSoap(req, res, Buffer.concat(chunks).toString('utf8'))
        else send(res, 404, 'text/plain', 'Not Found')
      }
      if (fault === 'slow') later(slowDelayMs, respond)
      else respond()
    })
  }

  const server: Server = createServer(handle)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_err, socket) => { socket.destroy() })

  async function listen (onPort: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(onPort, host, () => { server.off('error', reject); resolve() })
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('the simulator has no TCP address')
    return address.port
  }

  async function goOffline (): Promise<void> {
    if (!server.listening) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  async function goOnline (): Promise<void> {
    if (!server.listening && !stopped) await listen(port)
  }

  async function reboot ({ downMs = 2000, losePresets = true } = {}): Promise<void> {
    fault = 'reboot'
    await goOffline()
    await pause(downMs)
    if (stopped) return
    bootCount++
    nonces.clear()
    if (losePresets) presets = []
    currentPreset = null
    ptz.place(home)
    if (fault === 'reboot') fault = null
    await goOnline()
  }

  const port = await listen(options.port ?? 0)
  const advertisedHost = host === '0.0.0.0' || host === '::' ? lanAddress() : host

  let discovery: DiscoveryResponder | null = null
  if (options.discovery !== undefined && options.discovery !== false) {
    discovery = await startDiscoveryResponder({
      port: typeof options.discovery === 'object' ? options.discovery.port : undefined,
      endpoint,
      xaddr: () => `http://${advertisedHost}:${port}${PATHS.device}`,
      scopes: scopes()
    })
  }

  const simulator: OnvifCameraSimulator = {
    host: advertisedHost,
    port,
    username,
    password,
    address: `http://${advertisedHost}:${port}${PATHS.device}`,
    deviceConfig: {
      host: advertisedHost,
      port,
      username,
      password,
      presets: options.presetMap ?? { patient: '1', overview: '2' }
    },
    discovery,
    get state (): OnvifCameraSimulatorState {
      return {
        fault,
        position: roundPosition(ptz.position()),
        moving: ptz.moving(),
        currentPreset,
        presets: presets.map((p) => ({ ...p, position: roundPosition(p.position) })),
        home: { ...home },
        bootCount,
        clockOffsetMs,
        requests
      }
    },
    setFault: async (next, opts = {}) => {
      if (next === 'reboot') {
        void reboot({ downMs: opts.downMs ?? 2000, losePresets: true })
        await new Promise<void>((resolve) => setImmediate(resolve))
        return
      }
      const was = fault
      fault = next
      if (next === 'slow') slowDelayMs = opts.delayMs ?? 2000
      if (next === 'offline') await goOffline()
      else if (was === 'offline' || was === 'reboot' || !server.listening) await goOnline()
      if (was === 'hang' && next !== 'hang') {
        // Requests held while hanging stay unanswered, as on a camera that locked up: drop them.
        for (const socket of sockets) socket.destroy()
      }
    },
    reboot,
    setClockOffset: (ms) => { clockOffsetMs = ms },
    removePreset: (token) => {
      presets = presets.filter((p) => p.token !== token)
      if (currentPreset === token) currentPreset = null
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const done of [...waits]) done()
      await goOffline()
      await discovery?.stop()
    }
  }
  return simulator
}
