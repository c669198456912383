// Shared pieces of the hub tests: a config with two rooms and one user per role, a started hub on
// free loopback ports (stopped at teardown), gateways as real mqtt.js clients, and valid messages.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { hashPassword, hashToken } from '../../cloud/auth/passwords.js'
import { hubConfig, type HubConfig } from '../../cloud/config.js'
import { Hub, type HubOptions } from '../../cloud/hub.js'
import type { HealthMessage, ReadingsMessage, ReadinessMessage, StatusMessage } from '../../protocol/messages.js'
import { tempDir, testLogger, type Teardown } from '../helpers/index.js'

/** Cheap scrypt for tests (the default costs ~100 ms a hash). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 }

export const passwords = { 'rodoy-1': 'rodoy-secret-password', 'donna-1': 'donna-secret-password' } as const
export const tokens = {
  it: 'it-token-0123456789abcdef0123456789',
  specialist: 'specialist-token-0123456789abcdef0123',
  staff: 'staff-token-0123456789abcdef01234567',
  /** A specialist whose token is scrypt-hashed (a human-chosen one). */
  scryptSpecialist: 'a-human-chosen-token'
} as const

export async function testConfig (t: Teardown, overrides: Partial<Record<keyof HubConfig, unknown>> = {}): Promise<HubConfig> {
  const dir = tempDir(t, 'helserom-hub-')
  return hubConfig({
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0 },
    dataDir: dir,
    gateways: [
      { room: 'rodoy-1', name: 'Helserom Rødøy', site: 'Rødøy kommune', passwordHash: await hashPassword(passwords['rodoy-1'], TEST_SCRYPT) },
      { room: 'donna-1', name: 'Helserom Dønna', site: 'Dønna kommune', username: 'donna-gw', passwordHash: await hashPassword(passwords['donna-1'], TEST_SCRYPT) }
    ],
    users: [
      { name: 'it-vakt', role: 'it', tokenHash: hashToken(tokens.it) },
      { name: 'spesialist-1', role: 'specialist', tokenHash: hashToken(tokens.specialist), rooms: ['rodoy-1'] },
      { name: 'sykepleier-1', role: 'staff', tokenHash: hashToken(tokens.staff), rooms: ['rodoy-1'] },
      { name: 'spesialist-2', role: 'specialist', tokenHash: await hashPassword(tokens.scryptSpecialist, TEST_SCRYPT), rooms: ['*'] }
    ],
    ...overrides
  })
}

export async function startTestHub (t: Teardown, config?: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const hub = new Hub(config ?? await testConfig(t), { logger: testLogger(), ...options })
  t.teardown(async () => await hub.stop())
  await hub.start()
  return hub
}

/** Connects an mqtt.js client; resolves when connected, rejects with the broker's refusal. */
export async function connectClient (t: Teardown, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options })
  t.teardown(async () => { await client.endAsync(true) })
  return await new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', reject)
    client.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
}

/** A gateway of `room` with its Last Will, as the real gateway connects. */
export async function connectGateway (t: Teardown, url: string, room: keyof typeof passwords, options: IClientOptions = {}): Promise<MqttClient> {
  return await connectClient(t, url, {
    username: room === 'donna-1' ? 'donna-gw' : room,
    password: passwords[room],
    clientId: `gw-${room}-${Math.random().toString(16).slice(2, 8)}`,
    will: { topic: `helserom/v1/${room}/status`, payload: Buffer.from(JSON.stringify({ online: false })), qos: 1, retain: true },
    ...options
  })
}

export const now = (): number => Date.now()

export function statusMsg (online = true, boot = 'boot-1'): StatusMessage {
  return { online, version: '0.1.0', boot, startedAt: now(), ts: now() }
}

export function readinessMsg (level: 'green' | 'amber' | 'red' = 'green'): ReadinessMessage {
  return {
    level,
    profile: 'ortopedi',
    session: null,
    reasons: level === 'green' ? [] : [{ code: 'device.down', message: { nb: 'Kameraet svarer ikke', en: 'The camera does not answer' }, device: 'cam-1', level: 'red' }],
    ts: now()
  }
}

export function healthMsg (state: 'ok' | 'degraded' | 'down' = 'ok'): HealthMessage {
  return { kind: 'onvif-camera', name: 'Kamera', state, reason: null, metrics: { rttMs: 12, online: true }, ts: now() }
}

export function readingMsg (seq: number, boot = 'boot-1', extra: Partial<ReadingsMessage> = {}): ReadingsMessage {
  return { ts: now(), boot, seq, values: { spo2: 97, pulse: 72 }, units: { spo2: '%', pulse: 'bpm' }, ...extra }
}

export async function publishJson (client: MqttClient, topic: string, value: unknown, retain = false): Promise<void> {
  await client.publishAsync(topic, JSON.stringify(value), { qos: 1, retain })
}

export async function getJson (url: string, token?: string): Promise<{ status: number, body: any }> {
  const res = await fetch(url, token !== undefined ? { headers: { authorization: `Bearer ${token}` } } : {})
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch {}
  return { status: res.status, body }
}

/** Subscribes and returns the granted QoS per filter (128 = refused), also when some were refused. */
export async function subscribeGranted (client: MqttClient, filters: string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos })).map((g) => g.qos)
  } catch (err) {
    const packet = (err as { packet?: { granted?: Array<number | { qos: number }> } }).packet
    if (packet?.granted === undefined) throw err
    return packet.granted.map((g) => typeof g === 'number' ? g : g.qos)
  }
}
