// A hub in a process of its own, for benchmarks and fault tests: built from a config object exactly
// as `helserom hub` builds it from a file, with the store the config names. Answers `metric`
// (a value from its Prometheus registry), `rooms` (how many online) and `health`.
import { Hub } from '../../cloud/hub.js'
import { hubConfig } from '../../cloud/config.js'
import { pino } from 'pino'
import { serveChild } from './child-runtime.js'

export interface HubProcessInput {
  /** The hub config as an object (hubConfig() fills the defaults). */
  config: Record<string, unknown>
  /** Start the UDP echo the gateways' network monitor probes, on the HTTP port number. */
  probeEcho?: boolean
  internalCredentials?: { username: string, password: string }
  logLevel?: string
}

export interface HubProcessReady {
  urls: { http: string, ws: string, mqtt: string }
  pid: number
}

serveChild<HubProcessInput, HubProcessReady>(async (input) => {
  const log = pino({ level: input.logLevel ?? 'warn' })
  const hub = new Hub(hubConfig(input.config as never), {
    logger: log,
    store: 'from-config',
    ...(input.internalCredentials !== undefined ? { internalCredentials: input.internalCredentials } : {})
  })
  const urls = await hub.start()
  let echo: { stop: () => Promise<void> } | null = null
  if (input.probeEcho === true) {
    // The hub will start this itself once cloud/probe is wired in; until then the harness does.
    const { ProbeEchoServer } = await import('../../cloud/probe/index.js')
    const server = new ProbeEchoServer({ host: '127.0.0.1', port: Number(new URL(urls.http).port), log })
    try {
      await server.start()
      echo = server
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'no probe echo (the hub may run its own)')
    }
  }
  return {
    ready: { urls: { http: urls.http, ws: urls.ws, mqtt: urls.mqtt }, pid: process.pid },
    handlers: {
      metric: async (payload) => {
        const { name, labels } = payload as { name: string, labels?: Record<string, string> }
        return await hub.metrics.value(name, labels ?? {})
      },
      rooms: () => ({ configured: hub.fleet.size, online: hub.fleet.onlineCount() }),
      health: () => hub.health()
    },
    stop: async () => {
      await echo?.stop()
      await hub.stop()
    }
  }
})
