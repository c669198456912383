// A simulated gateway box for tests, the demo and `helserom simulate host`: a fake /sys, /proc and
// /run tree in a folder (thermal zones, meminfo, loadavg, uptime, the board model) and fake
// `vcgencmd` / `timedatectl` scripts in a bin folder, with controls to show an overheating,
// under-powered, memory-starved or unsynchronised box. Files are replaced atomically (write, then
// rename), so the driver never reads half a file.
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { RunningSimulator } from '../contract.js'
import type { HostConfig } from './config.js'

export type SimulatedPlatform = 'raspberry-pi' | 'nuc'

export interface HostSimulatorOptions {
  /** Folder to build the tree in (created); default a new temp folder, removed on stop. */
  dir?: string
  platform?: SimulatedPlatform
  temperatureC?: number
  memTotalMB?: number
  memAvailableMB?: number
  cores?: number
  load?: [number, number, number]
  /** The `vcgencmd get_throttled` bits (Raspberry Pi only). */
  throttled?: number
  /** true/false as timesyncd/timedatectl would say; null: no time service answers. */
  clockSynced?: boolean | null
  uptimeS?: number
  /** Driver settings merged into deviceConfig (e.g. a short pollIntervalMs, thresholds). */
  driver?: Partial<HostConfig>
}

export interface HostSimulator extends RunningSimulator {
  readonly root: string
  setTemperature: (celsius: number) => void
  setMemAvailable: (mb: number) => void
  setLoad: (load1: number, load5: number, load15: number) => void
  /** Raspberry Pi throttle bits, e.g. 0x50005 (under-voltage and throttled, now and since boot). */
  setThrottled: (bits: number) => void
  setClockSynced: (synced: boolean | null) => void
  setUptime: (seconds: number) => void
  /** The box's kernel interfaces vanish (as if /proc and /sys could not be read). */
  makeUnreadable: () => void
  makeReadable: () => void
}

export async function startHostSimulator (options: HostSimulatorOptions = {}): Promise<HostSimulator> {
  const ownsDir = options.dir === undefined
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'helserom-host-sim-'))
  mkdirSync(root, { recursive: true })
  const platform = options.platform ?? 'raspberry-pi'
  const sys = join(root, 'sys')
  const proc = join(root, 'proc')
  const run = join(root, 'run')
  const bin = join(root, 'bin')
  const state = join(root, 'state')
  const spool = join(root, 'spool')
  const memTotalMB = options.memTotalMB ?? (platform === 'nuc' ? 15_800 : 3_790)
  let memAvailableMB = options.memAvailableMB ?? Math.round(memTotalMB * 0.7)
  let uptimeS = options.uptimeS ?? 86_400

  const put = (path: string, text: string, mode?: number): void => {
    mkdirSync(dirname(path), { recursive: true })
    const tmp = `${path}.tmp-${process.pid}`
    writeFileSync(tmp, text)
    if (mode !== undefined) chmodSync(tmp, mode)
    renameSync(tmp, path)
  }

  const writeTemperature = (celsius: number): void => {
    const milli = String(Math.round(celsius * 1000))
    put(join(sys, 'class/thermal/thermal_zone0/temp'), `${milli}\n`)
    if (platform === 'nuc') put(join(sys, 'class/thermal/thermal_zone1/temp'), '27800\n') // acpitz: a board sensor that barely moves
  }
  const writeMeminfo = (): void => {
    const kb = (mb: number): string => `${String(Math.round(mb * 1024)).padStart(8)} kB`
    const free = Math.max(0, memAvailableMB - 300)
    put(join(proc, 'meminfo'), [
      `MemTotal:       ${kb(memTotalMB)}`,
      `MemFree:        ${kb(free)}`,
      `MemAvailable:   ${kb(memAvailableMB)}`,
      `Buffers:        ${kb(40)}`,
      `Cached:         ${kb(Math.min(600, memAvailableMB))}`,
      `SwapCached:     ${kb(0)}`,
      `SwapTotal:      ${kb(100)}`,
      `SwapFree:       ${kb(100)}`,
      ''
    ].join('\n'))
  }
  const writeLoad = (l: [number, number, number]): void => {
    put(join(proc, 'loadavg'), `${l.map((n) => n.toFixed(2)).join(' ')} 1/213 4242\n`)
  }
  const writeUptime = (): void => {
    put(join(proc, 'uptime'), `${uptimeS.toFixed(2)} ${(uptimeS * 3.6).toFixed(2)}\n`)
  }
  const writeClock = (synced: boolean | null): void => {
    const flag = join(run, 'systemd/timesync/synchronized')
    if (synced === true) put(flag, '')
    else rmSync(flag, { force: true })
    put(join(state, 'ntp'), synced === null ? '' : synced ? 'yes\n' : 'no\n')
  }

  // The tree, as a Raspberry Pi 4 or an Intel NUC shows it.
  const cores = options.cores ?? 4
  put(join(sys, 'devices/system/cpu/online'), cores > 1 ? `0-${cores - 1}\n` : '0\n')
  if (platform === 'raspberry-pi') {
    put(join(sys, 'class/thermal/thermal_zone0/type'), 'cpu-thermal\n')
    put(join(sys, 'firmware/devicetree/base/model'), 'Raspberry Pi 4 Model B Rev 1.5\0')
    put(join(proc, 'sys/kernel/osrelease'), '6.6.51+rpt-rpi-v8\n')
  } else {
    put(join(sys, 'class/thermal/thermal_zone0/type'), 'x86_pkg_temp\n')
    put(join(sys, 'class/thermal/thermal_zone1/type'), 'acpitz\n')
    put(join(sys, 'class/dmi/id/product_name'), 'NUC11TNHi5\n')
    put(join(sys, 'class/dmi/id/sys_vendor'), 'Intel Corporation\n')
    put(join(proc, 'sys/kernel/osrelease'), '6.8.0-45-generic\n')
  }
  writeTemperature(options.temperatureC ?? 52)
  writeMeminfo()
  writeLoad(options.load ?? [0.35, 0.3, 0.25])
  writeUptime()
  writeClock(options.clockSynced === undefined ? true : options.clockSynced)
  put(join(state, 'throttled'), `0x${(options.throttled ?? 0).toString(16)}\n`)
  mkdirSync(spool, { recursive: true })
  mkdirSync(bin, { recursive: true })
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`
  if (platform === 'raspberry-pi') {
    put(join(bin, 'vcgencmd'), [
      '#!/bin/sh',
      '# Fake vcgencmd of the helserom host simulator: answers from the simulator\'s state.',
      'case "$1" in',
      `  get_throttled) printf 'throttled=%s\\n' "$(cat ${q(join(state, 'throttled'))})" ;;`,
      `  measure_temp) t=$(cat ${q(join(sys, 'class/thermal/thermal_zone0/temp'))}); printf "temp=%d.%d'C\\n" $((t / 1000)) $((t % 1000 / 100)) ;;`,
      '  *) echo \'error=2 error_msg="Command not registered"\' >&2; exit 255 ;;',
      'esac',
      ''
    ].join('\n'), 0o755)
  }
  put(join(bin, 'timedatectl'), [
    '#!/bin/sh',
    '# Fake timedatectl of the helserom host simulator: `show -p NTPSynchronized --value` from its state.',
    `v=$(cat ${q(join(state, 'ntp'))})`,
    '[ -n "$v" ] || { echo "Failed to connect to bus: No such file or directory" >&2; exit 1; }',
    'if [ "$1" = show ]; then echo "$v"; else echo "System clock synchronized: $v"; fi',
    ''
  ].join('\n'), 0o755)

  const hidden = (path: string): string => `${path}.unplugged`
  let stopped = false
  const simulator: HostSimulator = {
    root,
    address: root,
    deviceConfig: { sysRoot: sys, procRoot: proc, runRoot: run, binPath: bin, diskPath: spool, ...options.driver },
    setTemperature: writeTemperature,
    setMemAvailable: (mb) => { memAvailableMB = Math.max(0, Math.min(memTotalMB, mb)); writeMeminfo() },
    setLoad: (l1, l5, l15) => { writeLoad([l1, l5, l15]) },
    setThrottled: (bits) => { put(join(state, 'throttled'), `0x${bits.toString(16)}\n`) },
    setClockSynced: writeClock,
    setUptime: (s) => { uptimeS = s; writeUptime() },
    makeUnreadable: () => {
      for (const path of [proc, sys]) if (existsSync(path)) renameSync(path, hidden(path))
    },
    makeReadable: () => {
      for (const path of [proc, sys]) if (existsSync(hidden(path))) renameSync(hidden(path), path)
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      if (ownsDir) rmSync(root, { recursive: true, force: true })
    }
  }
  return simulator
}
