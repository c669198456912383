// The clustered broker (`broker: { mode: embedded, redis: "redis://…" }`): the embedded aedes broker,
// given `mqemitter-redis` as its message bus and `aedes-persistence-redis` as its store, so that
// several hub instances behind one address act as one broker — a gateway on one instance and a
// dashboard on another see each other's messages, retained messages and sessions (clean: false
// subscriptions, queued QoS 1 messages) live in Redis, and a Last Will left behind by an instance
// that died is published by another one (aedes' heartbeats; the hub's auth lets such an orphaned
// will only say `status`).
//
// What the rest of the hub sees is the same HubBroker, with two differences a cluster needs:
//   - subscribe() also hands the handler the retained messages already in Redis that match the
//     filter (flagged retain), so an instance that starts after the gateways knows their status,
//     readiness and device health at once. A topic that arrives live while the replay runs is not
//     replayed (the live message is newer).
//   - health().connected is false while Redis is unreachable: then this instance cannot relay.
// And one inside aedes: its per-client de-duplication by broker counter is off, because across
// Redis one broker's packets can arrive out of order and aedes would drop the older one silently
// (see EmbeddedBrokerOptions.dedupeByBrokerCounter). Subscribers may see a QoS 1 repeat instead.
//
// Every instance receives every message exactly once from Redis (mqemitter-redis delivers a
// publish only when it comes back from Redis, and drops a repeat by packet id), so each hub's
// ingest and fleet state count each message once.
//
// History is not written twice, by design rather than by a leader: every instance writes what it
// ingests, and every point carries the message's own `ts` and tags (cloud/store/points.ts), so two
// instances turn one message into the same point — same series, same time — which InfluxDB (and
// the embedded store) keep once, the second write replacing the first with identical fields. With
// the embedded store each instance simply holds its own full copy, so either answers history. The
// cost is twice the write traffic to a shared InfluxDB; what it buys is no lease to lose and no gap
// while a leader fails over. (A gateway `status` without `ts` — only a hand-made Last Will — is
// stamped with each instance's arrival time, and may give two points a few ms apart.)
//
// Use one Redis (one database) per hub cluster: Redis pub/sub channels are server-wide, so two
// clusters on one Redis server would hear each other's messages even on different databases.
import { createRequire } from 'node:module'
import type { EventEmitter } from 'node:events'
import MQEmitterRedis from 'mqemitter-redis'
import type { BrokerEndpoints, BrokerHealth, HubBroker, MessageHandler, PublishOptions } from './broker.js'
import { EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded.js'

// aedes-persistence-redis is CommonJS without type declarations; this is the part of it we use.
interface RetainedPacket { topic: string, payload: Buffer | string | Uint8Array, qos?: number }
interface RedisPersistence {
  createRetainedStreamCombi: (patterns: string[]) => AsyncIterable<RetainedPacket>
  destroy: () => Promise<void>
}
const require = createRequire(import.meta.url)
const aedesPersistenceRedis = require('aedes-persistence-redis') as (options: { conn: RedisConnection }) => RedisPersistence

/** The ioredis connection (mqemitter-redis exposes its two as pubConn and subConn). */
interface RedisConnection extends EventEmitter {
  status: string
  disconnect: () => void
  /** A new connection with the same options (and overrides). */
  duplicate: (override?: Record<string, unknown>) => RedisConnection
}
interface RedisEmitter {
  pubConn: RedisConnection
  subConn: RedisConnection
  state: EventEmitter
}

/** ioredis options read from a redis:// or rediss:// URL. */
export interface RedisConnectionOptions {
  host: string
  port: number
  db: number
  username?: string
  password?: string
  tls?: { servername: string }
  connectionName: string
}

/** Reads `redis://[user:password@]host[:port][/db]` (rediss:// for TLS); throws a TypeError a person can act on. */
export function redisConnectionOptions (url: string): RedisConnectionOptions {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`broker.redis "${url}" is not a URL (e.g. redis://127.0.0.1:6379)`)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`broker.redis must be a redis:// or rediss:// URL, got "${parsed.protocol}//…"`)
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === '') throw new TypeError(`broker.redis "${url}" has no host`)
  const dbText = parsed.pathname.replace(/^\//, '')
  const db = dbText === '' ? 0 : Number(dbText)
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d+$/.test(dbText === '' ? '0' : dbText)) {
    throw new TypeError(`broker.redis "${url}": the path must be a database number 0–15, got "/${dbText}"`)
  }
  return {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    connectionName: 'helserom-hub'
  }
}

/** The URL without its password, for logs and errors. */
export function redactRedisUrl (url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1…@')
}

export interface ClusteredBrokerOptions extends Omit<EmbeddedBrokerOptions, 'mq' | 'persistence'> {
  /** redis://host:port[/db] shared by every hub instance of the cluster. */
  redis: string
  /** How long start() waits for Redis before it gives up (default 10 s). */
  connectTimeoutMs?: number
}

export class ClusteredBroker implements HubBroker {
  // An embedded broker, clustered: what the health schema and the metrics call it.
  readonly mode = 'embedded' as const
  private inner: EmbeddedBroker | undefined
  private emitter: RedisEmitter | undefined
  private persistence: RedisPersistence | undefined
  private store: RedisConnection | undefined
  private redisError: string | null = null
  private readonly connection: RedisConnectionOptions
  private closing = false

  constructor (private readonly options: ClusteredBrokerOptions) {
    this.connection = redisConnectionOptions(options.redis)
  }

  get connected (): boolean {
    return this.inner?.connected === true && this.redisReady()
  }

  private redisReady (): boolean {
    const mq = this.emitter
    return mq !== undefined && mq.pubConn.status === 'ready' && mq.subConn.status === 'ready'
  }

  async start (beforeAccepting?: () => Promise<void>): Promise<BrokerEndpoints> {
    if (this.emitter !== undefined || this.closing) throw new Error('the clustered broker is already started')
    const { log } = this.options
    const where = redactRedisUrl(this.options.redis)
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000
    // maxRetriesPerRequest null: while Redis is away, commands wait for it to come back instead of
    // failing after 20 retries — aedes-persistence-redis leaves some of its promises unobserved, and
    // their rejections would be unhandled. The health says `down` meanwhile, and the broker drops nothing.
    const mq = MQEmitterRedis({ ...this.connection, maxRetriesPerRequest: null }) as unknown as RedisEmitter
    this.emitter = mq
    // mqemitter-redis re-emits connection errors here; unhandled, an 'error' event would crash the hub.
    mq.state.on('error', (err: Error) => {
      if (this.redisError !== err.message) log.warn({ redis: where, err: err.message }, 'redis connection problem (clustered broker)')
      this.redisError = err.message
    })
    for (const conn of [mq.pubConn, mq.subConn]) {
      conn.on('ready', () => {
        if (this.redisError !== null) log.info({ redis: where }, 'redis reachable again (clustered broker)')
        this.redisError = null
      })
    }
    try {
      await this.waitForRedis(mq, timeoutMs)
      // The persistence gets a connection of its own, made here (a duplicate of the bus's, so with
      // the same options and the same ioredis) and so closed here, whatever Redis does.
      this.store = mq.pubConn.duplicate({ connectionName: 'helserom-hub-store' })
      this.store.on('error', () => {}) // the bus's connections report the same outage (mq.state)
      this.persistence = aedesPersistenceRedis({ conn: this.store })
      this.inner = new EmbeddedBroker({ ...this.options, mq, persistence: this.persistence, dedupeByBrokerCounter: false })
      const endpoints = await this.inner.start(beforeAccepting)
      log.info({ redis: where }, 'clustered mqtt broker: sharing messages, retained messages and sessions through redis')
      return endpoints
    } catch (err) {
      await this.close().catch(() => {})
      throw err
    }
  }

  private async waitForRedis (mq: RedisEmitter, timeoutMs: number): Promise<void> {
    if (this.redisReady()) return
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        if (!this.redisReady()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`cannot reach redis at ${redactRedisUrl(this.options.redis)} within ${timeoutMs} ms` +
          `${this.redisError !== null ? ` (${this.redisError})` : ''}; the clustered broker needs it to start`))
      }, timeoutMs)
      // Not unref()ed: while Redis is down nothing else keeps the process alive to give up in time.
      const cleanup = (): void => {
        clearTimeout(timer)
        mq.pubConn.off('ready', onReady)
        mq.subConn.off('ready', onReady)
      }
      mq.pubConn.on('ready', onReady)
      mq.subConn.on('ready', onReady)
    })
  }

  async publish (topic: string, payload: Buffer | string, options?: PublishOptions): Promise<void> {
    const inner = this.inner
    if (inner === undefined) throw new Error('the clustered broker is not running')
    await inner.publish(topic, payload, options)
  }

  /** As EmbeddedBroker.subscribe, then the retained messages in Redis that match (see the header). */
  async subscribe (filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const inner = this.inner
    const persistence = this.persistence
    if (inner === undefined || persistence === undefined) throw new Error('the clustered broker is not running')
    let replaying = true
    const liveDuringReplay = new Set<string>()
    const unsubscribe = await inner.subscribe(filter, (message) => {
      if (replaying) liveDuringReplay.add(message.topic)
      handler(message)
    })
    try {
      for await (const packet of persistence.createRetainedStreamCombi([filter])) {
        if (liveDuringReplay.has(packet.topic)) continue
        try {
          handler({
            topic: packet.topic,
            payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
            retain: true,
            qos: packet.qos === 2 ? 2 : packet.qos === 1 ? 1 : 0
          })
        } catch (err) {
          this.options.log.error({ err, topic: packet.topic }, 'a broker message handler threw')
        }
      }
    } catch (err) {
      // The live subscription stands; only the catch-up is incomplete (the gateways re-publish state).
      this.options.log.warn({ err: (err as Error).message, filter }, 'could not read the retained messages from redis')
    } finally {
      replaying = false
      liveDuringReplay.clear()
    }
    // Unsubscribing tells Redis; with Redis gone that would wait for it (the hub is stopping then).
    return async () => { await within(unsubscribe(), 3000) }
  }

  health (): BrokerHealth {
    const inner = this.inner?.health()
    const mq = this.emitter
    const redisDown = mq !== undefined && !this.redisReady()
    const redisProblem = this.redisError ?? (redisDown ? `not connected (${mq.pubConn.status}/${mq.subConn.status})` : null)
    return {
      mode: 'embedded',
      connected: this.connected,
      clients: inner?.clients ?? 0,
      lastError: redisProblem !== null ? `redis: ${redisProblem}` : inner?.lastError ?? null
    }
  }

  /** Closes the broker (clients, sockets, the Redis bus) and then the persistence's Redis connection. */
  async close (): Promise<void> {
    this.closing = true
    const inner = this.inner
    const mq = this.emitter
    const persistence = this.persistence
    const store = this.store
    this.inner = undefined
    this.persistence = undefined
    this.store = undefined
    const cutAll = (): void => { mq?.pubConn.disconnect(); mq?.subConn.disconnect(); store?.disconnect() }
    // aedes closes its clients (which may still write to Redis) and ends with a polite QUIT on the
    // bus; with Redis gone neither is ever answered, so after a grace period the connections are cut
    // (which fails whatever still waits for Redis).
    const cut = setTimeout(cutAll, 3000)
    try {
      if (inner !== undefined) await within(inner.close(), 6000)
    } finally {
      clearTimeout(cut)
    }
    // aedes does not close its persistence. Its destroy() unsubscribes from the (closed) bus first,
    // which may fail or never finish; its connection is closed here either way.
    if (persistence !== undefined) await within(persistence.destroy().catch(() => {}), 3000)
    cutAll()
  }
}

/** Waits for `promise`, but no longer than `ms`; leaves no timer behind. */
async function within (promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}
