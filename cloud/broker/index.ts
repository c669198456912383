// Picks the broker implementation the config asks for: embedded (aedes in the hub), external
// (Mosquitto, EMQX …), or clustered (embedded + broker.redis: aedes sharing Redis with the other
// hub instances through mqemitter-redis and aedes-persistence-redis; see clustered.ts).
import type { Logger } from 'pino'
import type { MqttAuth } from '../auth/mqtt-auth.js'
import type { HubConfig } from '../config.js'
import type { HubMetrics } from '../metrics.js'
import type { HubBroker } from './broker.js'
import { ClusteredBroker } from './clustered.js'
import { EmbeddedBroker } from './embedded.js'
import { ExternalBroker } from './external.js'

export type { HubBroker, BrokerMessage, BrokerEndpoints, BrokerHealth, MessageHandler, PublishOptions } from './broker.js'
export { topicMatches } from './broker.js'
export { EmbeddedBroker } from './embedded.js'
export { ExternalBroker } from './external.js'
export { ClusteredBroker, redisConnectionOptions } from './clustered.js'

export interface BrokerDeps {
  auth: MqttAuth
  log: Logger
  metrics: HubMetrics
  /** external mode: how long start() waits for the first connection; clustered: for Redis. */
  connectTimeoutMs?: number
}

export function createHubBroker (config: Pick<HubConfig, 'broker' | 'mqtt'>, deps: BrokerDeps): HubBroker {
  const b = config.broker
  if (b.mode === 'external') {
    if (b.url === undefined) throw new TypeError('broker.mode external needs broker.url')
    return new ExternalBroker({
      url: b.url,
      log: deps.log.child({ part: 'broker' }),
      metrics: deps.metrics,
      ...(b.username !== undefined ? { username: b.username } : {}),
      ...(b.password !== undefined ? { password: b.password } : {}),
      ...(b.clientId !== undefined ? { clientId: b.clientId } : {}),
      ...(deps.connectTimeoutMs !== undefined ? { connectTimeoutMs: deps.connectTimeoutMs } : {})
    })
  }
  const embedded = {
    host: config.mqtt.host,
    port: config.mqtt.port,
    maxPacketBytes: config.mqtt.maxPacketBytes,
    auth: deps.auth,
    log: deps.log.child({ part: 'broker' }),
    metrics: deps.metrics,
    ...(config.mqtt.tls !== undefined ? { tls: config.mqtt.tls } : {})
  }
  if (b.redis !== undefined) {
    return new ClusteredBroker({
      ...embedded,
      redis: b.redis,
      ...(deps.connectTimeoutMs !== undefined ? { connectTimeoutMs: deps.connectTimeoutMs } : {})
    })
  }
  return new EmbeddedBroker(embedded)
}
