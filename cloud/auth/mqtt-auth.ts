// MQTT authentication and authorization of the embedded broker, written as aedes' own hooks
// (authenticate, authorizePublish, authorizeSubscribe). Who may connect:
//   a gateway    its username + password from `gateways` (scrypt hash in the config)
//   the hub      its internal client (random credentials made at start, for in-process tools)
//   a user       their name + bearer token as password: read-only, for dashboards
//   anyone       without credentials, only when mqtt.anonymousState is on (the demo, a local status
//                board): every room's status and readiness, nothing else — what the light shows
// What each may do (DESIGN.md, "Wire contract" and "Data that is personal"):
//   gateway  publishes only under its own room: status, readiness, network, check, devices/*/health,
//            devices/*/readings, cmd/*/result — never schedule, support or cmd/{name}, which come
//            from the hub; subscribes only to its own schedule, support and cmd/+ (or one cmd/{name})
//   user     publishes nothing; subscribes to rooms they may see: staff only readiness and status,
//            specialist and it everything but live readings; a wildcard room needs every room.
//            Readings are patient data, and every live view of them must be audited (DESIGN.md):
//            they reach people only through the hub's WebSocket /ws, which audits each view. So a
//            user's filter that matches nothing but readings is refused, and a wider one (`#`,
//            `devices/#`) is granted with the readings held back at delivery (authorizeForward).
// A denial is counted and logged (rate-limited), and answered the MQTT 3.1.1 way: a refused CONNACK,
// a SUBACK failure (0x80) for a subscription, a closed connection for a publish (MQTT-3.3.5-2); a
// reading held back from a user is counted and logged as a denied forward.
// Nothing is ever thrown out of a hook.
import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes'
import type { Logger } from 'pino'
import { isCommandName, parseTopic, TOPIC_ROOT, topics } from '../../protocol/topics.js'
import type { GatewayConfig } from '../config.js'
import type { HubMetrics } from '../metrics.js'
import { RateLimitedLog } from '../rate-limited-log.js'
import { GatewayCredentials } from './gateway-credentials.js'
import { safeEqual } from './passwords.js'
import { canSeeRoom, seesEveryRoom, type HubUser, type UserDirectory } from './users.js'

export type MqttIdentity =
  | { kind: 'gateway', username: string, room: string }
  | { kind: 'user', username: string, user: HubUser }
  | { kind: 'internal', username: string }
  | { kind: 'anonymous', username: '' }

/** What a client without credentials may read when mqtt.anonymousState is on. */
const ANONYMOUS_KINDS: ReadonlySet<string> = new Set(['status', 'readiness'])

export interface InternalCredentials { username: string, password: string }

/** Why a publish is not allowed, or null when it is. Pure: tested without a broker. */
export function publishDenial (identity: MqttIdentity, topic: string): string | null {
  if (identity.kind === 'internal') return topic.startsWith('$') ? 'system topic' : null
  if (identity.kind === 'user') return 'users are read-only'
  if (identity.kind === 'anonymous') return 'anonymous clients are read-only'
  const parsed = parseTopic(topic)
  if (parsed === null) return 'topic is not part of the helserom/v1 contract'
  if (parsed.room !== identity.room) return `gateway of ${identity.room} may not publish for room ${parsed.room}`
  if (parsed.kind === 'schedule' || parsed.kind === 'support' || parsed.kind === 'command') return `${parsed.kind} is published by the hub only`
  return null
}

/** Why a subscription is not allowed, or null when it is. Pure: tested without a broker. */
export function subscribeDenial (identity: MqttIdentity, filter: string): string | null {
  if (identity.kind === 'internal') return null
  if (identity.kind === 'gateway') {
    const room = identity.room
    if (filter === topics.schedule(room) || filter === topics.support(room) || filter === topics.commands(room)) return null
    const parsed = parseTopic(filter)
    if (parsed?.kind === 'command' && parsed.room === room && isCommandName(parsed.name)) return null
    return `gateway of ${room} may subscribe only to its schedule, support and cmd/+`
  }
  const prefix = TOPIC_ROOT + '/'
  if (!filter.startsWith(prefix)) return 'only helserom/v1 topics'
  const [room, ...rest] = filter.slice(prefix.length).split('/')
  if (room === undefined || room === '') return 'no room in the filter'
  if (identity.kind === 'anonymous') {
    // a wide filter is granted; only status and readiness are delivered (authorizeForward)
    const what = room === '#' || rest[0] === '#' ? '#' : rest.join('/')
    return what === '#' || what === '+' || ANONYMOUS_KINDS.has(what) ? null : 'anonymous clients may read only status and readiness'
  }
  const user = identity.user
  if (room === '#' || room === '+') {
    if (!seesEveryRoom(user)) return `${user.name} may not see every room`
  } else if (!canSeeRoom(user, room)) {
    return `${user.name} may not see room ${room}`
  }
  if (user.role === 'staff') {
    const what = room === '#' ? '#' : rest.join('/')
    if (what !== 'readiness' && what !== 'status') return 'staff may subscribe only to readiness and status'
  }
  if (room !== '#' && matchesOnlyReadings(rest)) return READINGS_NOT_OVER_MQTT
  return null
}

const READINGS_NOT_OVER_MQTT = 'live readings reach users only over the audited WebSocket /ws, not MQTT'

/** Whether every topic of the contract such a filter matches is a readings topic (devices/+/readings). */
function matchesOnlyReadings (levels: readonly string[]): boolean {
  return levels.length === 3 && (levels[0] === 'devices' || levels[0] === '+') && levels[1] !== '#' && levels[2] === 'readings'
}

export interface MqttAuthOptions {
  gateways: readonly GatewayConfig[]
  /** The gateways' credentials, shared with the hub's other surfaces (default: made from `gateways`). */
  credentials?: GatewayCredentials
  users: UserDirectory
  internal?: InternalCredentials
  /** Let clients without credentials read status and readiness (mqtt.anonymousState). */
  anonymousState?: boolean
  log: Logger
  metrics: HubMetrics
}

const NOT_AUTHORIZED = 5
const BAD_USERNAME_OR_PASSWORD = 4
const IDENTIFIER_REJECTED = 2

export class MqttAuth {
  private readonly identities = new WeakMap<Client, MqttIdentity>()
  private readonly credentials: GatewayCredentials
  private readonly rooms = new Set<string>()
  /** Connected clients by client id, so that one identity cannot take over another's session. */
  private readonly clientsById = new Map<string, Client>()
  private readonly warn: RateLimitedLog
  /** Users whose withheld readings have been logged (once per connection). */
  private readonly toldWithheld = new WeakSet<Client>()

  constructor (private readonly options: MqttAuthOptions) {
    this.credentials = options.credentials ?? new GatewayCredentials(options.gateways)
    for (const g of options.gateways) this.rooms.add(g.room)
    this.warn = new RateLimitedLog(options.log)
  }

  identityOf (client: Client | null): MqttIdentity | undefined {
    return client === null ? undefined : this.identities.get(client)
  }

  /** Call on aedes 'clientReady'. */
  clientReady (client: Client): void {
    this.clientsById.set(client.id, client)
  }

  /** Call on aedes 'clientDisconnect'. */
  clientGone (client: Client): void {
    if (this.clientsById.get(client.id) === client) this.clientsById.delete(client.id)
  }

  readonly authenticate = (client: Client, username: Readonly<string | undefined>, password: Readonly<Buffer | undefined>, done: (error: AuthenticateError | null, success: boolean | null) => void): void => {
    this.resolveIdentity(username, password).then((result) => {
      if (typeof result === 'string') return this.refuse(client, username, result, done)
      // `gateway-<room>` is the id a room's gateway always uses (gateway/gateway.ts): reserved for it,
      // so that no other identity can hold it first and keep that room out.
      const claimed = client.id.startsWith('gateway-') ? client.id.slice('gateway-'.length) : null
      if (claimed !== null && this.rooms.has(claimed) && !(result.kind === 'gateway' && result.room === claimed)) {
        return this.refuse(client, username, 'client id reserved for another room\'s gateway', done, IDENTIFIER_REJECTED)
      }
      const other = this.clientsById.get(client.id)
      if (other !== undefined && other !== client) {
        const owner = this.identities.get(other)
        if (owner !== undefined && (owner.kind !== result.kind || owner.username !== result.username)) {
          return this.refuse(client, username, 'client id in use by another identity', done, IDENTIFIER_REJECTED)
        }
      }
      this.identities.set(client, result)
      this.options.log.debug({ clientId: client.id, username, kind: result.kind }, 'mqtt client authenticated')
      done(null, true)
    }).catch((err: unknown) => {
      this.options.log.error({ err, clientId: client.id }, 'mqtt authentication failed unexpectedly')
      this.refuse(client, username, 'internal error', done, NOT_AUTHORIZED)
    })
  }

  readonly authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void => {
    try {
      let denial: string | null
      const identity = this.identityOf(client)
      if (client === null) {
        // A Last Will left behind by a broker that died (clustered mode): it may only say "offline".
        denial = parseTopic(packet.topic)?.kind === 'status' ? null : 'orphaned will outside status'
      } else if (identity === undefined) {
        denial = 'not authenticated'
      } else {
        denial = publishDenial(identity, packet.topic)
      }
      if (denial === null) return callback(null)
      this.deny('publish', denial, client, identity, packet.topic)
      callback(new Error(`not authorized to publish to ${packet.topic}: ${denial}`))
    } catch (err) {
      this.options.log.error({ err }, 'authorizePublish failed unexpectedly')
      callback(new Error('not authorized'))
    }
  }

  /** A reading is never delivered to a user, whatever their (wider) filter: see the header. */
  readonly authorizeForward = (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
    const identity = this.identityOf(client)
    if (identity?.kind === 'anonymous') {
      const kind = parseTopic(packet.topic)?.kind
      return kind !== undefined && ANONYMOUS_KINDS.has(kind) ? packet : null
    }
    if (!packet.topic.endsWith('/readings')) return packet
    if (identity?.kind !== 'user' || parseTopic(packet.topic)?.kind !== 'readings') return packet
    // every one counted; logged once per connection (a `#` subscriber would otherwise fill the log)
    if (this.toldWithheld.has(client)) this.options.metrics.authDenied.inc({ surface: 'mqtt', action: 'forward', reason: metricReason(READINGS_NOT_OVER_MQTT) })
    else this.deny('forward', READINGS_NOT_OVER_MQTT, client, identity, packet.topic)
    this.toldWithheld.add(client)
    return null
  }

  readonly authorizeSubscribe = (client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void => {
    try {
      const identity = this.identityOf(client)
      const denial = identity === undefined ? 'not authenticated' : subscribeDenial(identity, subscription.topic)
      if (denial === null) return callback(null, subscription)
      this.deny('subscribe', denial, client, identity, subscription.topic)
      callback(null, null) // SUBACK 0x80: refused, the connection stays
    } catch (err) {
      this.options.log.error({ err }, 'authorizeSubscribe failed unexpectedly')
      callback(null, null)
    }
  }

  private async resolveIdentity (username: string | undefined, password: Buffer | undefined): Promise<MqttIdentity | string> {
    const noPassword = password === undefined || password.length === 0
    if ((username === undefined || username === '') && noPassword && this.options.anonymousState === true) return { kind: 'anonymous', username: '' }
    if (username === undefined || username === '') return 'missing user name'
    if (password === undefined || password.length === 0) return 'missing password'
    const secret = password.toString('utf8')
    const internal = this.options.internal
    if (internal !== undefined && username === internal.username) {
      return safeEqual(secret, internal.password) ? { kind: 'internal', username } : 'wrong password'
    }
    if (this.credentials.byName(username) !== undefined) {
      const gateway = await this.credentials.verify(username, secret)
      return gateway !== null ? { kind: 'gateway', username, room: gateway.room } : 'wrong password'
    }
    const named = this.options.users.byName(username)
    if (named !== undefined) {
      const user = await this.options.users.authenticateToken(secret)
      return user !== null && user.name === username ? { kind: 'user', username, user } : 'wrong token'
    }
    await this.credentials.verify(username, secret) // an unknown name costs what a wrong password costs
    return 'unknown user name'
  }

  private refuse (client: Client, username: string | undefined, reason: string, done: (error: AuthenticateError | null, success: boolean | null) => void, code?: number): void {
    this.options.metrics.authDenied.inc({ surface: 'mqtt', action: 'connect', reason: metricReason(reason) })
    this.warn.warn({ clientId: client.id, username, reason, remote: remoteOf(client) }, 'refused an MQTT connection')
    const err = new Error(`connection refused: ${reason}`) as AuthenticateError
    err.returnCode = (code ?? (reason.startsWith('missing') ? NOT_AUTHORIZED : BAD_USERNAME_OR_PASSWORD)) as AuthenticateError['returnCode']
    done(err, null)
  }

  private deny (action: 'publish' | 'subscribe' | 'forward', reason: string, client: Client | null, identity: MqttIdentity | undefined, topic: string): void {
    this.options.metrics.authDenied.inc({ surface: 'mqtt', action, reason: metricReason(reason) })
    this.warn.warn({ clientId: client?.id, username: identity?.username, topic: topic.slice(0, 200), reason }, `denied an MQTT ${action}`)
  }
}

/** A reason with a bounded set of values for the metric label (no room names, no user names). */
function metricReason (reason: string): string {
  if (reason.startsWith('missing')) return 'missing-credentials'
  if (reason === 'wrong password' || reason === 'wrong token' || reason === 'unknown user name') return 'bad-credentials'
  if (reason.startsWith('client id')) return 'client-id-taken'
  if (reason.includes('may not publish for room')) return 'other-room'
  if (reason.includes('published by the hub only')) return 'hub-only-topic'
  if (reason.includes('read-only')) return 'read-only'
  if (reason.includes('contract')) return 'unknown-topic'
  if (reason.startsWith('gateway of')) return 'gateway-filter'
  if (reason.includes('may not see')) return 'room-not-allowed'
  if (reason.startsWith('staff')) return 'role-not-allowed'
  if (reason === READINGS_NOT_OVER_MQTT) return 'readings-not-over-mqtt'
  if (reason === 'not authenticated') return 'not-authenticated'
  return 'other'
}

function remoteOf (client: Client): string | undefined {
  const conn = client.conn as { remoteAddress?: string }
  return conn.remoteAddress
}
