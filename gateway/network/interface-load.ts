// How much of its link the room already uses, from the kernel's interface counters
// (/proc/net/dev): bytes in and out per second on the interface that leads to the hub. The parsing
// and the rate arithmetic are pure; reading the files is the only I/O.
import { readFile } from 'node:fs/promises'
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'

export interface InterfaceCounters {
  rxBytes: number
  txBytes: number
}

/**
 * /proc/net/dev: two header lines, then `name: rx_bytes rx_packets … (8 receive fields) tx_bytes …`.
 * The name and the first number may touch (`eth0:123`) when the counter is wide.
 */
export function parseProcNetDev (text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0 || line.includes('|')) continue
    const name = line.slice(0, colon).trim()
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number)
    if (name === '' || fields.length < 16 || fields.some((f) => !Number.isFinite(f))) continue
    out.set(name, { rxBytes: fields[0]!, txBytes: fields[8]! })
  }
  return out
}

/** The interface that holds a local address (the one our probe socket was given), or null. */
export function interfaceOfAddress (address: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | null {
  const plain = address.replace(/^::ffff:/, '')
  for (const [name, infos] of Object.entries(interfaces)) {
    if (infos?.some((i) => i.address === plain || i.address === address) === true) return name
  }
  return null
}

export interface InterfaceRate {
  rxMbps: number
  txMbps: number
}

/** Mbit/s between two readings of the counters; null if a counter went backwards (reset, wrap). */
export function counterRate (before: InterfaceCounters, after: InterfaceCounters, ms: number): InterfaceRate | null {
  const rx = after.rxBytes - before.rxBytes
  const tx = after.txBytes - before.txBytes
  if (ms <= 0 || rx < 0 || tx < 0) return null
  return { rxMbps: (rx * 8) / (ms * 1000), txMbps: (tx * 8) / (ms * 1000) }
}

/**
 * The share of the link in use, in %: the busier direction against that direction's capacity.
 * `own` is traffic we caused ourselves (probes, throughput tests) and is not the room's load.
 */
export function utilisationPct (rate: InterfaceRate, capacity: { upMbps: number | null, downMbps: number | null }, own: InterfaceRate = { rxMbps: 0, txMbps: 0 }): number | null {
  const shares: number[] = []
  if (capacity.downMbps !== null && capacity.downMbps > 0) shares.push(Math.max(0, rate.rxMbps - own.rxMbps) / capacity.downMbps)
  if (capacity.upMbps !== null && capacity.upMbps > 0) shares.push(Math.max(0, rate.txMbps - own.txMbps) / capacity.upMbps)
  return shares.length === 0 ? null : Math.round(Math.max(...shares) * 1000) / 10
}

/** Reads one interface's counters; a missing interface or file gives null. */
export async function readInterfaceCounters (iface: string, file = '/proc/net/dev'): Promise<InterfaceCounters | null> {
  try {
    return parseProcNetDev(await readFile(file, 'utf8')).get(iface) ?? null
  } catch {
    return null
  }
}

/** The link speed the interface reports (Mbit/s), or null (virtual interfaces, Wi-Fi, no such file). */
export async function readLinkSpeedMbps (iface: string): Promise<number | null> {
  try {
    const speed = Number((await readFile(`/sys/class/net/${iface}/speed`, 'utf8')).trim())
    return Number.isFinite(speed) && speed > 0 ? speed : null
  } catch {
    return null
  }
}
