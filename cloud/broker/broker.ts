// The one interface the rest of the hub uses to talk MQTT, whatever the broker is:
//   embedded  aedes inside the hub (TCP, and TLS when configured), with the hub's auth hooks
//   external  the hub is an mqtt.js client of Mosquitto/EMQX, which then does the device auth
//   clustered aedes with mqemitter-redis + aedes-persistence-redis (broker/clustered.ts): the same
//             EmbeddedBroker given a shared `mq` and `persistence`; nothing above this interface changes
// Ingest, schedule and commands only ever see `HubBroker`.

export interface BrokerMessage {
  topic: string
  payload: Buffer
  retain: boolean
  qos: 0 | 1 | 2
}

export type MessageHandler = (message: BrokerMessage) => void

export interface PublishOptions {
  retain?: boolean
  qos?: 0 | 1
}

export interface BrokerEndpoints {
  /** mqtt://host:port gateways connect to (embedded), or the external broker's URL. */
  mqtt: string
  /** mqtts://host:port when TLS is configured (embedded). */
  mqtts?: string
}

export interface BrokerHealth {
  mode: 'embedded' | 'external'
  connected: boolean
  /** Clients connected to the embedded broker; null when external (the hub cannot see them). */
  clients: number | null
  lastError: string | null
}

export interface HubBroker {
  readonly mode: 'embedded' | 'external'
  /** True while the hub can publish and receive (embedded: listening; external: connected). */
  readonly connected: boolean
  /**
   * Starts listening (embedded) or connecting (external); resolves with the URLs clients use.
   * `beforeAccepting` runs once subscribe() works but before any client's message can arrive: a
   * message the broker acknowledged with no subscriber yet would be lost to the hub.
   */
  start: (beforeAccepting?: () => Promise<void>) => Promise<BrokerEndpoints>
  /** Publishes as the hub (not subject to the client auth hooks). */
  publish: (topic: string, payload: Buffer | string, options?: PublishOptions) => Promise<void>
  /** Calls `handler` for every message matching `filter`; resolves once subscribed, with an unsubscribe. */
  subscribe: (filter: string, handler: MessageHandler) => Promise<() => Promise<void>>
  health: () => BrokerHealth
  /** Disconnects every client and closes every socket and timer. */
  close: () => Promise<void>
}

/** MQTT topic filter matching (`+` one level, `#` the rest), for brokers that hand us every message. */
export function topicMatches (filter: string, topic: string): boolean {
  if (filter === topic) return true
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return i > 0 || !topic.startsWith('$') // MQTT-4.7.2-1: # does not match $SYS
    if (i >= t.length) return false
    if (level === '+') {
      if (i === 0 && t[0]?.startsWith('$') === true) return false
      continue
    }
    if (level !== t[i]) return false
  }
  return f.length === t.length
}
