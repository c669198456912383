// Parsers of Device Portal replies, in the shapes a real HoloLens sends (field names as in
// microsoft/WindowsDevicePortalWrapper's data contracts and the replies recorded in
// test/fixtures/recorded/hololens-device-portal). Pure and forgiving: a field of the wrong type becomes
// null, a reply of the wrong shape returns null; nothing here throws on what a device sends.

export interface BatteryState {
  acOnline: boolean
  batteryPresent: boolean
  /** The battery is taking charge right now (a full battery on the charger says false). */
  charging: boolean
  remainingCapacity: number | null
  maximumCapacity: number | null
  /** Remaining / maximum capacity in %, unrounded; null without a usable capacity. */
  pct: number | null
  /** Windows' own estimate; null when it says "unknown" (0xFFFFFFFF) or gives none. */
  estimatedSeconds: number | null
}

export interface PowerState {
  lowPowerState: boolean | null
  lowPowerStateAvailable: boolean | null
}

export interface OsInfo {
  computerName: string | null
  language: string | null
  osEdition: string | null
  osVersion: string | null
  platform: string | null
}

export interface NetworkAdapter {
  description: string
  type: string
  hardwareAddress: string
  ipAddresses: string[]
  gateways: string[]
}

export interface MrcStatus {
  isRecording: boolean | null
  /** `ProcessStatus.MrcProcess` ("Running"): live video needs the MRC process. */
  mrcProcess: string | null
}

export interface MrcFile {
  fileName: string
  /** Windows FILETIME (100 ns since 1601), as sent. */
  creationTime: number | null
  fileSize: number | null
}

export interface SystemPerf {
  cpuLoadPct: number | null
  memoryUsedPct: number | null
  gpuLoadPct: number | null
  networkInBytes: number | null
  networkOutBytes: number | null
}

/** Windows' "no estimate" value of SYSTEM_BATTERY_STATE.EstimatedTime. */
const UNKNOWN_ESTIMATE = 0xFFFFFFFF

export function parseBattery (reply: unknown): BatteryState | null {
  const o = record(reply)
  if (o === null || !('RemainingCapacity' in o || 'Charging' in o || 'AcOnline' in o)) return null
  const remaining = num(o.RemainingCapacity)
  const maximum = num(o.MaximumCapacity)
  const estimate = num(o.EstimatedTime)
  const pct = remaining !== null && maximum !== null && maximum > 0 && remaining >= 0
    ? Math.min(100, (remaining / maximum) * 100)
    : null
  return {
    acOnline: bool(o.AcOnline) ?? false,
    batteryPresent: bool(o.BatteryPresent) ?? true,
    charging: bool(o.Charging) ?? false,
    remainingCapacity: remaining,
    maximumCapacity: maximum,
    pct,
    estimatedSeconds: estimate !== null && estimate > 0 && estimate < UNKNOWN_ESTIMATE ? estimate : null
  }
}

/** `CurrentStage`: 0 normal, 1 warm, 2 critical (other values: unknown to us, passed on). */
export function parseThermalStage (reply: unknown): number | null {
  const stage = num(record(reply)?.CurrentStage)
  return stage !== null && Number.isInteger(stage) && stage >= 0 ? stage : null
}

export function parsePowerState (reply: unknown): PowerState | null {
  const o = record(reply)
  if (o === null) return null
  return { lowPowerState: bool(o.LowPowerState), lowPowerStateAvailable: bool(o.LowPowerStateAvailable) }
}

export function parseOsInfo (reply: unknown): OsInfo | null {
  const o = record(reply)
  if (o === null) return null
  const info = {
    computerName: str(o.ComputerName),
    language: str(o.Language),
    osEdition: str(o.OsEdition),
    osVersion: str(o.OsVersion),
    platform: str(o.Platform)
  }
  return Object.values(info).some((v) => v !== null) ? info : null
}

export function parseMachineName (reply: unknown): string | null {
  return str(record(reply)?.ComputerName)
}

/** `DeviceType`, e.g. Windows.Holographic. */
export function parseDeviceFamily (reply: unknown): string | null {
  return str(record(reply)?.DeviceType)
}

export function parseIpConfig (reply: unknown): NetworkAdapter[] | null {
  const adapters = record(reply)?.Adapters
  if (!Array.isArray(adapters)) return null
  const out: NetworkAdapter[] = []
  for (const a of adapters) {
    const o = record(a)
    if (o === null) continue
    out.push({
      description: str(o.Description) ?? '',
      type: str(o.Type) ?? '',
      hardwareAddress: str(o.HardwareAddress) ?? '',
      ipAddresses: addresses(o.IpAddresses),
      gateways: addresses(o.Gateways)
    })
  }
  return out
}

/** The address the device is reached at: a configured IPv4/IPv6 address, Wi-Fi first. */
export function primaryAdapter (adapters: NetworkAdapter[]): { adapter: NetworkAdapter, address: string } | null {
  const usable = adapters
    .map((adapter) => ({ adapter, address: adapter.ipAddresses.find((ip) => ip !== '' && ip !== '0.0.0.0' && ip !== '::') }))
    .filter((x): x is { adapter: NetworkAdapter, address: string } => x.address !== undefined)
  return usable.find((x) => /802\.11|wi-?fi|wireless/i.test(`${x.adapter.type} ${x.adapter.description}`)) ?? usable[0] ?? null
}

export function parseMrcStatus (reply: unknown): MrcStatus | null {
  const o = record(reply)
  if (o === null) return null
  return { isRecording: bool(o.IsRecording), mrcProcess: str(record(o.ProcessStatus)?.MrcProcess) }
}

export function parseMrcFiles (reply: unknown): MrcFile[] | null {
  const list = record(reply)?.MrcRecordings
  if (!Array.isArray(list)) return null
  const out: MrcFile[] = []
  for (const f of list) {
    const o = record(f)
    const fileName = str(o?.FileName)
    if (o === null || fileName === null) continue
    out.push({ fileName, creationTime: num(o.CreationTime), fileSize: num(o.FileSize) })
  }
  return out
}

/**
 * Some Device Portal builds send system perf as `{"Reason": "<the JSON, escaped again>"}` (the
 * recorded rs1 reply does; the wrapper's ResponseHelpers.JsonFormatCheck repairs the same thing).
 * Returns the inner value when the reply is so wrapped, else the reply itself.
 */
export function unwrapReason (reply: unknown): unknown {
  const o = record(reply)
  if (o === null || typeof o.Reason !== 'string' || Object.keys(o).length !== 1) return reply
  const inner = o.Reason.trim()
  if (!inner.startsWith('{')) return reply
  try {
    return JSON.parse(inner)
  } catch {
    return reply
  }
}

export function parseSystemPerf (reply: unknown): SystemPerf | null {
  const o = record(unwrapReason(reply))
  if (o === null || !('CpuLoad' in o || 'TotalPages' in o)) return null
  const total = num(o.TotalPages)
  const available = num(o.AvailablePages)
  const adapters = record(o.GPUData)?.AvailableAdapters
  const engines = Array.isArray(adapters) ? record(adapters[0])?.EnginesUtilization : undefined
  const gpu = Array.isArray(engines) ? engines.map(num).filter((n): n is number => n !== null) : []
  const network = record(o.NetworkingData)
  return {
    cpuLoadPct: num(o.CpuLoad),
    memoryUsedPct: total !== null && total > 0 && available !== null ? round1(((total - available) / total) * 100) : null,
    gpuLoadPct: gpu.length > 0 ? round1(Math.max(...gpu)) : null,
    networkInBytes: num(network?.NetworkInBytes),
    networkOutBytes: num(network?.NetworkOutBytes)
  }
}

/** Device Portal replies are JSON, sometimes with a BOM; null when the body is not JSON. */
export function decodeJson (body: Buffer | string): { ok: true, value: unknown } | { ok: false, error: string } {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '').trim()
  if (text === '') return { ok: true, value: null }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
}

function record (v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null
}

function num (v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}

function bool (v: unknown): boolean | null {
  if (typeof v === 'boolean') return v
  if (v === 0 || v === 1) return v === 1
  if (v === '0' || v === '1') return v === '1'
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true'
  return null
}

function str (v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v.slice(0, 200) : null
}

function addresses (v: unknown): string[] {
  if (!Array.isArray(v)) return []
  return v.map((a) => str(record(a)?.IpAddress)).filter((s): s is string => s !== null)
}

function round1 (n: number): number {
  return Math.round(n * 10) / 10
}
