// The CPU temperature from the kernel's thermal zones (`/sys/class/thermal/thermal_zone*/{type,temp}`,
// millidegrees Celsius). A box has several zones (Wi-Fi chip, ACPI board sensor, PCH); the CPU's is
// the one that throttles, so zones of a CPU type are preferred: `cpu-thermal` on a Raspberry Pi,
// `x86_pkg_temp` on an Intel NUC, `soc_thermal` on other ARM boards.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface ThermalZone {
  zone: string
  type: string
  tempC: number
}

export interface CpuTemperature {
  tempC: number
  /** The zone type it came from, e.g. `cpu-thermal`. */
  source: string
}

const CPU_TYPES = /cpu|x86_pkg_temp|soc|coretemp|k10temp|tcpu/i

export async function readThermalZones (sysRoot: string): Promise<ThermalZone[]> {
  const dir = join(sysRoot, 'class', 'thermal')
  let names: string[]
  try {
    names = (await readdir(dir)).filter((n) => /^thermal_zone\d+$/.test(n))
  } catch {
    return [] // no thermal class: a VM or container
  }
  const zones = await Promise.all(names.map(async (zone) => {
    try {
      const [type, temp] = await Promise.all([
        readFile(join(dir, zone, 'type'), 'utf8'),
        readFile(join(dir, zone, 'temp'), 'utf8') // some zones (a Wi-Fi card that is down) fail with EIO/ENODATA
      ])
      const tempC = Number(temp.trim()) / 1000
      return { zone, type: type.trim(), tempC }
    } catch {
      return null
    }
  }))
  return zones.filter((z): z is ThermalZone => z !== null && plausible(z.tempC))
}

/** Zones report nonsense when a sensor is absent (0, -273.2 °C, 255 °C); ignore those. */
function plausible (tempC: number): boolean {
  return Number.isFinite(tempC) && tempC > -40 && tempC < 150 && tempC !== 0
}

/** The hottest CPU zone, or the hottest zone when none is typed as a CPU; null without zones. */
export function cpuTemperature (zones: readonly ThermalZone[]): CpuTemperature | null {
  const cpu = zones.filter((z) => CPU_TYPES.test(z.type))
  const pool = cpu.length > 0 ? cpu : zones
  let best: ThermalZone | null = null
  for (const z of pool) if (best === null || z.tempC > best.tempC) best = z
  return best === null ? null : { tempC: Math.round(best.tempC * 10) / 10, source: best.type }
}
