// A room's gateway in a process of its own — as in a room, where it is a box of its own — for
// benchmarks and fault tests that measure it, cut its uplink or kill -9 it. Built from a room config
// object exactly as `helserom gateway` builds it from a file (plus the load-generator device kind).
// Answers `status`: its boot, uplink, spool and the last seq it gave each device's readings.
import { pino } from 'pino'
import { driverFactories } from '../../drivers/registry.js'
import { roomConfigFromObject } from '../../gateway/config.js'
import { Gateway } from '../../gateway/gateway.js'
import { loadDriver } from '../lib/load-driver.js'
import { serveChild } from './child-runtime.js'

export interface GatewayProcessInput {
  /** The room config as an object (checked like a file). */
  config: Record<string, unknown>
  uplink?: { reconnectPeriodMs?: number, keepaliveS?: number }
  logLevel?: string
}

export interface GatewayProcessReady {
  boot: string
  pid: number
  urls: { http: string, mqtt: string, light: string }
}

export interface GatewayProcessStatus {
  boot: string
  uplinkConnected: boolean
  spoolPending: number
  spoolDropped: number
  /** Records written to the spool since start, and sent by its forwarder. */
  spoolAppended: number
  forwarded: number
  readiness: string | null
  /** device → last seq given to a reading in this boot. */
  lastSeq: Record<string, number>
  devices: Record<string, string>
}

serveChild<GatewayProcessInput, GatewayProcessReady>(async (input) => {
  const factories = { ...driverFactories, 'bench-load': loadDriver }
  const config = roomConfigFromObject('bench-room', input.config, { factories })
  const gateway = new Gateway(config, {
    log: pino({ level: input.logLevel ?? 'warn' }),
    factories,
    ...(input.uplink !== undefined ? { uplink: input.uplink } : {})
  })
  const lastSeq: Record<string, number> = {}
  gateway.on('reading', (device, message) => { lastSeq[device] = message.seq })
  await gateway.start()
  return {
    ready: { boot: gateway.boot, pid: process.pid, urls: gateway.urls },
    handlers: {
      status: (): GatewayProcessStatus => ({
        boot: gateway.boot,
        uplinkConnected: gateway.uplinkConnected,
        spoolPending: gateway.spool.pending,
        spoolDropped: gateway.spool.dropped,
        spoolAppended: gateway.spool.appended,
        forwarded: gateway.forwarder.sent,
        readiness: gateway.readiness?.level ?? null,
        lastSeq: { ...lastSeq },
        devices: Object.fromEntries(gateway.devices().map((d) => [d.id, d.state]))
      })
    },
    stop: async () => { await gateway.stop() }
  }
})
