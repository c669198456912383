// The state of a simulated HoloLens 2 and the Device Portal replies it gives, in the field names and
// shapes a real HoloLens sends (as recorded in test/fixtures/recorded/hololens-device-portal; written
// out here by hand, never read from there): a battery that drains or charges with the clock, a
// thermal stage, OS identity, network, mixed reality capture. No timers: the battery is computed
// from the time of each question, so a simulator that nobody asks costs nothing.

export interface SimulatedHoloLensOptions {
  /** Starting charge, %. Default 80. */
  batteryPct?: number
  /** On the charger at the start. Default false. */
  charging?: boolean
  /** Drain while off the charger, % per minute. Default 0.6 (≈ 2¾ h from full, like a HoloLens 2 in use). */
  drainPctPerMinute?: number
  /** Charge rate on the charger, % per minute. Default 1. */
  chargePctPerMinute?: number
  /** 0 normal, 1 warm, 2 critical. Default 0. */
  thermalStage?: number
  machineName?: string
  osVersion?: string
  ipAddress?: string
  /** Send system perf wrapped as `{"Reason": "<escaped JSON>"}`, as the recorded rs1 reply does. Default true. */
  wrapSystemPerf?: boolean
  clock?: () => number
}

/** Battery capacity of the simulated device, mWh (a HoloLens 2 has about 16.5 Wh). */
const MAX_CAPACITY = 16_500
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000

interface Anchor { t: number, pct: number }

export class SimulatedHoloLens {
  private anchor: Anchor
  private charging: boolean
  private drainPerMinute: number
  private chargePerMinute: number
  private thermalStage: number
  private readonly clock: () => number
  private readonly photos: Array<{ name: string, at: number, size: number }> = []
  readonly machineName: string
  readonly osVersion: string
  readonly ipAddress: string
  readonly wrapSystemPerf: boolean

  constructor (options: SimulatedHoloLensOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.anchor = { t: this.clock(), pct: clampPct(options.batteryPct ?? 80) }
    this.charging = options.charging ?? false
    this.drainPerMinute = Math.max(0, options.drainPctPerMinute ?? 0.6)
    this.chargePerMinute = Math.max(0, options.chargePctPerMinute ?? 1)
    this.thermalStage = options.thermalStage ?? 0
    this.machineName = options.machineName ?? 'HOLOLENS-SIM'
    this.osVersion = options.osVersion ?? '22621.1399.arm64fre.ni_release_svc_sydney_rel_prod.240418-1543'
    this.ipAddress = options.ipAddress ?? '192.168.1.30'
    this.wrapSystemPerf = options.wrapSystemPerf ?? true
  }

  /** The charge now, %. */
  batteryPct (): number {
    const minutes = (this.clock() - this.anchor.t) / 60_000
    const rate = this.charging ? this.chargePerMinute : -this.drainPerMinute
    return clampPct(this.anchor.pct + rate * minutes)
  }

  isCharging (): boolean {
    return this.charging
  }

  setBattery (pct: number): void {
    this.anchor = { t: this.clock(), pct: clampPct(pct) }
  }

  setCharging (charging: boolean): void {
    this.reanchor()
    this.charging = charging
  }

  setDrainRate (pctPerMinute: number): void {
    this.reanchor()
    this.drainPerMinute = Math.max(0, pctPerMinute)
  }

  setThermalStage (stage: number): void {
    this.thermalStage = stage
  }

  /** /api/power/battery */
  batteryReply (): Record<string, unknown> {
    const pct = this.batteryPct()
    const remaining = Math.round((pct / 100) * MAX_CAPACITY)
    const discharging = !this.charging && this.drainPerMinute > 0
    return {
      AcOnline: this.charging ? 1 : 0,
      BatteryPresent: 1,
      // Windows says Charging 0 for a full battery still on the charger (see the recorded reply).
      Charging: this.charging && pct < 100 ? 1 : 0,
      DefaultAlert1: 0,
      DefaultAlert2: Math.round(MAX_CAPACITY / 10),
      EstimatedTime: discharging ? Math.round((pct / this.drainPerMinute) * 60) : 4294967295,
      MaximumCapacity: MAX_CAPACITY,
      RemainingCapacity: remaining
    }
  }

  /** /api/power/state */
  powerStateReply (): Record<string, unknown> {
    return { LowPowerState: false, LowPowerStateAvailable: true }
  }

  /** /api/holographic/thermal/stage */
  thermalReply (): Record<string, unknown> {
    return { CurrentStage: this.thermalStage }
  }

  /** /api/os/info */
  osInfoReply (): Record<string, unknown> {
    return {
      ComputerName: this.machineName,
      Language: 'nb-NO',
      OsEdition: 'WindowsHolographic',
      OsEditionId: 136,
      OsVersion: this.osVersion,
      Platform: 'HoloLens 2'
    }
  }

  /** /api/os/machinename */
  machineNameReply (): Record<string, unknown> {
    return { ComputerName: this.machineName }
  }

  /** /api/os/devicefamily */
  deviceFamilyReply (): Record<string, unknown> {
    return { DeviceType: 'Windows.Holographic' }
  }

  /** /api/networking/ipconfig */
  ipConfigReply (): Record<string, unknown> {
    const gateway = this.ipAddress.replace(/\.\d+$/, '.1')
    const now = Math.floor(this.clock() / 1000)
    return {
      Adapters: [
        {
          Description: 'Bluetooth Device (Personal Area Network)',
          HardwareAddress: '4c-0b-be-00-00-01',
          Index: 7,
          Name: '{765C05C8-7B46-4CE6-BEC9-33C6112234B4}',
          Type: 'Ethernet',
          DHCP: { LeaseExpires: 0, LeaseObtained: 0, Address: { IpAddress: '', Mask: '' } },
          Gateways: [{ IpAddress: '0.0.0.0', Mask: '255.255.255.255' }],
          IpAddresses: [{ IpAddress: '0.0.0.0', Mask: '0.0.0.0' }]
        },
        {
          Description: 'Wireless Network Adapter',
          HardwareAddress: '4c-0b-be-00-00-02',
          Index: 2,
          Name: '{01D4D335-AC90-4A87-9E79-B9359C14C5A0}',
          Type: 'IEEE 802.11',
          DHCP: { LeaseExpires: now + 86_400, LeaseObtained: now, Address: { IpAddress: gateway, Mask: '255.255.255.255' } },
          Gateways: [{ IpAddress: gateway, Mask: '255.255.255.255' }],
          IpAddresses: [{ IpAddress: this.ipAddress, Mask: '255.255.255.0' }]
        }
      ]
    }
  }

  /** /api/holographic/mrc/status */
  mrcStatusReply (): Record<string, unknown> {
    return { IsRecording: false, ProcessStatus: { MrcProcess: 'Running' } }
  }

  /** /api/holographic/mrc/files */
  mrcFilesReply (): Record<string, unknown> {
    return {
      MrcRecordings: this.photos.map((p) => ({
        CreationTime: (p.at + FILETIME_EPOCH_OFFSET_MS) * 10_000,
        FileName: p.name,
        FileSize: p.size
      }))
    }
  }

  /** POST /api/holographic/mrc/photo */
  takePhoto (): string {
    const at = this.clock()
    const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)
    const name = `${stamp}_HoloLens${this.photos.length > 0 ? `_${this.photos.length}` : ''}.jpg`
    this.photos.push({ name, at, size: 280_000 + this.photos.length })
    return name
  }

  get photoCount (): number {
    return this.photos.length
  }

  /** /api/resourcemanager/systemperf (the plain JSON; the server wraps it when asked to). */
  systemPerfReply (): Record<string, unknown> {
    const wobble = Math.round(Math.abs(Math.sin(this.clock() / 7000)) * 20)
    return {
      AvailablePages: 275_897 - wobble * 100,
      CommitLimit: 764_290,
      CommittedPages: 225_486,
      CpuLoad: 20 + wobble,
      IOOtherSpeed: 4_337_544,
      IOReadSpeed: 1_717_438,
      IOWriteSpeed: 788_621,
      NonPagedPoolPages: 15_470,
      PageSize: 4096,
      PagedPoolPages: 18_894,
      TotalInstalledInKb: 4_194_304,
      TotalPages: 1_004_292,
      GPUData: {
        AvailableAdapters: [{
          DedicatedMemory: 119_537_664,
          DedicatedMemoryUsed: 65_536,
          Description: 'HoloLens Graphics',
          SystemMemory: 1_028_395_008,
          SystemMemoryUsed: 48_513_024,
          EnginesUtilization: [7.1 + wobble, 0, 0, 0, 0, 0, 0, 0, 0]
        }]
      },
      NetworkingData: { NetworkInBytes: 1000, NetworkOutBytes: 0 }
    }
  }

  private reanchor (): void {
    this.anchor = { t: this.clock(), pct: this.batteryPct() }
  }
}

function clampPct (pct: number): number {
  return Number.isFinite(pct) ? Math.min(100, Math.max(0, pct)) : 0
}
