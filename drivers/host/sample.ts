// One look at the box: every figure the host driver reports, read side by side. A figure that cannot
// be read is null; when one the kernel always offers (meminfo, loadavg, uptime, the disk) is missing,
// that is listed in `unreadable`, because then the gateway cannot watch its own box.
import { availableParallelism, freemem, loadavg, totalmem, uptime } from 'node:os'
import { readClockSync, type ClockSync } from './clock-sync.js'
import type { HostDeviceConfig } from './config.js'
import { readDisk, type DiskState } from './disk.js'
import { readLoad, readUptime, type LoadState } from './load.js'
import { readMemory, type MemoryState } from './memory.js'
import { cpuTemperature, readThermalZones, type CpuTemperature } from './thermal.js'
import { readThrottling, type ThrottleState } from './throttling.js'
import type { ToolFinder } from './tools.js'

export interface HostSample {
  cpu: CpuTemperature | null
  throttle: ThrottleState | null
  disk: DiskState | null
  memory: MemoryState | null
  load: LoadState | null
  uptimeS: number | null
  clock: ClockSync
  /** What could not be read, in English for the log and IT. */
  unreadable: string[]
}

export async function sampleHost (config: HostDeviceConfig, tools: ToolFinder): Promise<HostSample> {
  const unreadable: string[] = []
  const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read()
    } catch (err) {
      unreadable.push(`${what}: ${(err as Error).message}`)
      return null
    }
  }
  // Outside Linux (a developer's Mac) there is no /proc: use what Node knows instead.
  const procless = config.procRoot === '/proc' && process.platform !== 'linux'
  const [zones, throttle, disk, memory, load, uptimeS, clock] = await Promise.all([
    readThermalZones(config.sysRoot),
    readThrottling(tools, config.toolTimeoutMs),
    attempt('disk', async () => await readDisk(config.diskPath)),
    procless ? Promise.resolve(memoryFromNode()) : attempt('memory', async () => await readMemory(config.procRoot)),
    procless ? Promise.resolve(loadFromNode()) : attempt('load', async () => await readLoad(config.procRoot, config.sysRoot)),
    procless ? Promise.resolve(uptime()) : attempt('uptime', async () => await readUptime(config.procRoot)),
    readClockSync(config.runRoot, tools, config.toolTimeoutMs)
  ])
  return { cpu: cpuTemperature(zones), throttle, disk, memory, load, uptimeS, clock, unreadable }
}

function memoryFromNode (): MemoryState {
  const total = totalmem()
  const free = freemem()
  return { totalMB: Math.round(total / 1048576), availableMB: Math.round(free / 1048576), availablePct: Math.round((free / total) * 1000) / 10 }
}

function loadFromNode (): LoadState {
  const [load1 = 0, load5 = 0, load15 = 0] = loadavg()
  return { load1, load5, load15, cores: availableParallelism() }
}
