// An MQTT client for gateway tests that records every JSON message under helserom/v1/# it is
// given, as a hub-side or room-side consumer would see them.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import type { Teardown } from '../helpers/index.js'

export interface Seen { topic: string, payload: Record<string, any>, retain: boolean }

export async function watchTopics (t: Teardown, url: string, options: IClientOptions = {}): Promise<{ client: MqttClient, seen: Seen[] }> {
  const seen: Seen[] = []
  const client = mqtt.connect(url, { clean: true, reconnectPeriod: 200, ...options })
  client.on('error', () => {})
  client.on('message', (topic, payload, packet) => {
    try { seen.push({ topic, payload: JSON.parse(payload.toString()), retain: packet.retain }) } catch { /* not ours */ }
  })
  t.teardown(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())))
  await new Promise<void>((resolve) => client.once('connect', () => resolve()))
  await client.subscribeAsync('helserom/v1/#', { qos: 1 })
  return { client, seen }
}
