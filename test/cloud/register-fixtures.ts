// Shared pieces of the register tests: support parties whose webhooks are real local receivers
// (node:http on loopback), a hub config that names them, and a hub clock the test moves.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HubConfig } from '../../cloud/config.js'
import type { Teardown } from '../helpers/index.js'
import { testConfig } from './hub-fixtures.js'

export interface Hook {
  url: string
  received: Array<{ headers: IncomingMessage['headers'], body: any }>
  /** Notifications of `event` (opened, overdue …), optionally of one incident cause. */
  events: (event: string, cause?: string) => any[]
}

/** A webhook receiver on a free loopback port that keeps every request. */
export async function hook (t: Teardown): Promise<Hook> {
  const received: Hook['received'] = []
  const server = createServer((req, res) => {
    let data = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { data += chunk })
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    events: (event, cause) => received.map((r) => r.body).filter((b) => b.event === event && (cause === undefined || b.incident.cause === cause))
  }
}

export interface Hooks { mtu: Hook, kommuneIt: Hook, sykehusIt: Hook, itVakt: Hook }

export const PHONES = { mtu: '75 12 34 56', kommuneIt: '75 09 50 00', sykehusIt: '75 00 00 00' } as const

/**
 * Rødøy's equipment: the oximeter (spo2-1) belongs to the hospital and is maintained by the
 * medical-technical department (response 30 min, escalating to the hospital's IT); the network and
 * the box belong to the municipality and its IT maintains them (weekdays 08:00–15:30, 120 min).
 */
export async function registerConfig (t: Teardown, hooks: Hooks, over: { calibrationLast?: string, alerts?: Record<string, unknown>, dataDir?: string } = {}): Promise<HubConfig> {
  const base = await testConfig(t)
  const gateways = base.gateways.map((g) => g.room !== 'rodoy-1'
    ? g
    : {
        ...g,
        register: {
          support: 'rodoy-it',
          network: { owner: 'rodoy-kommune', maintainer: 'rodoy-it' },
          box: { owner: 'rodoy-kommune', maintainer: 'rodoy-it', purchased: '2025-03-01' },
          devices: {
            'spo2-1': { owner: 'helgelandssykehuset', maintainer: 'mtu', purchased: '2024-05-01', calibration: { intervalDays: 365, last: over.calibrationLast ?? '2026-01-15' } }
          }
        }
      })
  return await testConfig(t, {
    ...(over.dataDir !== undefined ? { dataDir: over.dataDir } : { dataDir: base.dataDir }),
    gateways,
    // no flap suppression, so nothing needs waiting for; the tests tick the engine themselves
    alerts: { openAfterSeconds: 0, resolveAfterSeconds: 0, tickSeconds: 3600, ...over.alerts },
    notify: [{ kind: 'webhook', url: hooks.itVakt.url, name: 'it-vakt' }],
    parties: [
      { id: 'rodoy-kommune', kind: 'municipality', name: { nb: 'Rødøy kommune', en: 'Rødøy municipality' } },
      { id: 'helgelandssykehuset', kind: 'hospital', name: { nb: 'Helgelandssykehuset', en: 'Helgeland Hospital' } },
      {
        id: 'rodoy-it', kind: 'municipal-it', name: { nb: 'kommunens IT', en: 'the municipality\'s IT' }, phone: PHONES.kommuneIt, email: 'it@rodoy.kommune.no',
        notify: [{ kind: 'webhook', url: hooks.kommuneIt.url }], serviceHours: { 'mon-fri': '08:00-15:30' }, responseMinutes: 120
      },
      {
        id: 'mtu', kind: 'medtech', name: { nb: 'medisinsk-teknisk avdeling', en: 'the medical-technical department' }, phone: PHONES.mtu,
        notify: [{ kind: 'webhook', url: hooks.mtu.url }], responseMinutes: 30, escalateTo: 'sykehus-it'
      },
      { id: 'sykehus-it', kind: 'hospital-it', name: { nb: 'sykehusets IT', en: 'the hospital\'s IT' }, phone: PHONES.sykehusIt, notify: [{ kind: 'webhook', url: hooks.sykehusIt.url }] }
    ]
  })
}

export async function hooks (t: Teardown): Promise<Hooks> {
  return { mtu: await hook(t), kommuneIt: await hook(t), sykehusIt: await hook(t), itVakt: await hook(t) }
}

/** A clock that runs with real time from `start`, and that the test can move forward. */
export function movableClock (start = Date.now()): { now: () => number, advance: (ms: number) => void } {
  const realStart = Date.now()
  let offset = start - realStart
  return { now: () => Date.now() + offset, advance: (ms) => { offset += ms } }
}
