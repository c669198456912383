// Reads a device's battery level from its HTTP JSON status endpoint (`statusUrl`), at a configured
// path such as `power.battery` or `devices[0].batteryPct`. A status endpoint that fails does not make
// the stream unhealthy: the battery level is then simply unknown (null).
import type { Credentials } from './config.js'
import { deadline } from './deadline.js'
import { httpGet, readBody } from './http-client.js'
import { classifyError } from './probe.js'

export type BatteryReading = { pct: number, error: null } | { pct: null, error: string }

const MAX_STATUS_BYTES = 256 * 1024

export async function readBattery (statusUrl: string, path: string, options: { credentials: Credentials | null, tlsVerify: boolean, timeoutMs: number }, stop: AbortSignal): Promise<BatteryReading> {
  const limit = deadline(options.timeoutMs, `GET ${statusUrl}`, stop)
  try {
    const { response } = await httpGet(new URL(statusUrl), { credentials: options.credentials, tlsVerify: options.tlsVerify, signal: limit.signal, accept: 'application/json' })
    const body = await readBody(response, MAX_STATUS_BYTES, limit.signal)
    return batteryFromStatus(body.toString('utf8'), path)
  } catch (err) {
    return { pct: null, error: classifyError(err, 'status endpoint').detail }
  } finally {
    limit.clear()
  }
}

/** Pure: the battery percentage at `path` in a JSON text. */
export function batteryFromStatus (json: string, path: string): BatteryReading {
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch {
    return { pct: null, error: 'the status endpoint did not answer JSON' }
  }
  const value = valueAtPath(doc, path)
  const pct = typeof value === 'string' ? Number(value.replace(/%$/, '').trim()) : value
  if (typeof pct !== 'number' || !Number.isFinite(pct)) return { pct: null, error: `no number at ${path} in the status JSON` }
  if (pct < 0 || pct > 100) return { pct: null, error: `${pct} at ${path} is not a percentage` }
  return { pct, error: null }
}

/** `a.b[0].c`, `a.b.0.c` or `$.a.b`; undefined when any step is missing. */
export function valueAtPath (doc: unknown, path: string): unknown {
  const steps = path.replace(/^\$\.?/, '').split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '')
  let node: unknown = doc
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined
    node = Array.isArray(node) ? node[Number(step)] : (node as Record<string, unknown>)[step]
  }
  return node
}
