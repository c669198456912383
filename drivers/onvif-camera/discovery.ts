// Finds ONVIF cameras on the room LAN with WS-Discovery, using the `onvif` package's Discovery.
// Guards its traps: it emits 'error' on a singleton with no listener (which throws inside a
// timer: a rogue datagram could crash the gateway), it creates and connects a Cam for every reply
// unless told not to, and it calls back early with an error when multicast is unavailable. Here
// every error is listened to, replies stay raw data read defensively, and the answer comes at the
// timeout whatever happened.
import onvif from 'onvif'
import type { Logger } from 'pino'
import type { DiscoveredDevice } from '../contract.js'
import { DEFAULT_PATH } from './config.js'

interface ProbeMatch {
  address: string
  xaddrs: string[]
  scopes: string[]
}

const asArray = <T>(v: T | T[] | undefined): T[] => v === undefined ? [] : Array.isArray(v) ? v : [v]

/** Reads the ProbeMatch(es) of one reply as the library hands them over (linerase'd objects). */
export function readProbeMatches (raw: unknown): ProbeMatch[] {
  const out: ProbeMatch[] = []
  const matches = (raw as { probeMatches?: { probeMatch?: unknown } } | null)?.probeMatches?.probeMatch
  for (const m of asArray(matches)) {
    const match = m as { endpointReference?: { address?: unknown }, XAddrs?: unknown, scopes?: unknown }
    const xaddrs = String(match.XAddrs ?? '').split(/\s+/).filter((x) => /^https?:\/\//i.test(x))
    if (xaddrs.length === 0) continue
    const scopes = typeof match.scopes === 'string' ? match.scopes.split(/\s+/) : typeof match.scopes === 'object' && match.scopes !== null && '_' in match.scopes ? String((match.scopes as { _: unknown })._).split(/\s+/) : []
    out.push({ address: String(match.endpointReference?.address ?? xaddrs[0]), xaddrs, scopes })
  }
  return out
}

/** One discovered camera as a config entry that would reach it. */
export function discoveredCamera (match: ProbeMatch): DiscoveredDevice | null {
  const http = match.xaddrs.map((x) => { try { return new URL(x) } catch { return null } }).find((u) => u?.protocol === 'http:') ?? null
  if (http === null) return null
  const scope = (kind: string): string | undefined => {
    const prefix = `onvif://www.onvif.org/${kind}/`
    const found = match.scopes.find((s) => s.startsWith(prefix))
    if (found === undefined) return undefined
    try { return decodeURIComponent(found.slice(prefix.length)) } catch { return found.slice(prefix.length) }
  }
  const name = scope('name')
  const hardware = scope('hardware')
  const path = http.pathname === '' || http.pathname === '/' ? DEFAULT_PATH : http.pathname
  return {
    kind: 'onvif-camera',
    config: { host: http.hostname, port: http.port === '' ? 80 : Number(http.port), ...(path !== DEFAULT_PATH ? { path } : {}) },
    description: [`ONVIF camera at ${http.host}`, name, hardware !== undefined && hardware !== name ? hardware : undefined].filter(Boolean).join(' — ')
  }
}

export async function discoverOnvifCameras (options: { timeoutMs: number, log: Logger }): Promise<DiscoveredDevice[]> {
  const timeoutMs = Math.max(100, Math.min(options.timeoutMs, 60_000))
  const { Discovery } = onvif
  const onError = (err: unknown): void => { options.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'ws-discovery: ignored a bad reply or socket error') }
  Discovery.on('error', onError)
  try {
    const raw = await new Promise<unknown[]>((resolve) => {
      // Our own deadline in case the library's final callback never comes.
      const backstop = setTimeout(() => resolve([]), timeoutMs + 1000)
      try {
        Discovery.probe({ timeout: timeoutMs, resolve: false }, (err, found) => {
          // An early call with only an error (no multicast route) is followed by the final one.
          if (!Array.isArray(found)) {
            if (err !== null) onError(Array.isArray(err) ? err[0] : err)
            return
          }
          clearTimeout(backstop)
          resolve(found)
        })
      } catch (err) {
        onError(err)
        clearTimeout(backstop)
        resolve([])
      }
    })
    const byHost = new Map<string, DiscoveredDevice>()
    for (const reply of raw) {
      for (const match of readProbeMatches(reply)) {
        const device = discoveredCamera(match)
        if (device !== null) byHost.set(`${String(device.config.host)}:${String(device.config.port)}`, device)
      }
    }
    return [...byHost.values()]
  } finally {
    Discovery.off('error', onError)
  }
}
