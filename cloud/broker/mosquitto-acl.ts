// A Mosquitto acl_file from the hub config, for external broker mode: the same rules as the
// embedded broker's aedes hooks (cloud/auth/mqtt-auth.ts), because they are computed by those
// hooks' own rule functions (publishDenial, subscribeDenial) over every topic of the wire contract.
//   gateway  a `user` block per gateway username: write what the hooks let it publish in its own
//            room (status — its Last Will too —, readiness, network, check, devices/+/health,
//            devices/+/readings, cmd/+/result) and read what they let it subscribe to (schedule,
//            support, cmd/+); nothing of any other room
//   hub      broker.username: reads helserom/v1/#, writes what only the hub may write (schedule,
//            support, cmd/{name}) for every room
//   user     reads what the hooks let them subscribe to in the rooms they may see, never readings:
//            users get live readings over the hub's WebSocket only, where every view is audited
// Where Mosquitto 2.0 differs from the hooks: it grants every subscription (no SUBACK 0x80) and
// applies the read rules to what it delivers; and it cannot reserve the hooks' `gateway-<room>`
// client ids, so an account with valid credentials can take over a gateway's session by its id
// (the ACL still holds; `use_username_as_clientid true` prevents it, see cli/mosquitto-acl.ts).
// Pure: no file, no socket. The passwords are not here: Mosquitto hashes its own (mosquitto_passwd).
import { type MqttIdentity, publishDenial, subscribeDenial } from '../auth/mqtt-auth.js'
import { UserDirectory, type HubUser } from '../auth/users.js'
import type { GatewayConfig, UserConfig } from '../config.js'
import { TOPIC_ROOT, type MessageKind } from '../../protocol/topics.js'

/** Every topic of a room in the contract, under helserom/v1/{room}/, `+` where a name goes. */
const ROOM_TOPICS: Record<MessageKind, string> = {
  status: 'status',
  readiness: 'readiness',
  network: 'network',
  check: 'check',
  schedule: 'schedule',
  support: 'support',
  health: 'devices/+/health',
  readings: 'devices/+/readings',
  command: 'cmd/+',
  commandResult: 'cmd/+/result'
}

/** The part of the hub config the ACL is made from. */
export interface MosquittoAclConfig {
  broker: { username?: string | undefined }
  gateways: ReadonlyArray<Pick<GatewayConfig, 'room' | 'username'>>
  users: readonly UserConfig[]
}

/** An account the broker's password_file needs, and where its password comes from. */
export interface MosquittoAccount {
  username: string
  kind: 'hub' | 'gateway' | 'user'
  /** The gateway's room, or the user's role. */
  of: string
}

/** A topic filter and what an account may do with it (Mosquitto's `topic read|write|readwrite`). */
export interface AclRule { access: 'read' | 'write' | 'readwrite', topic: string }

// Stands for a device or command name when a filter is asked of a publish rule: a slug and a
// command name at once, so the hooks see a topic of the contract.
const EXAMPLE_NAME = 'x'

function filterOf (room: string, kind: MessageKind): string {
  return `${TOPIC_ROOT}/${room}/${ROOM_TOPICS[kind]}`
}

function rule (read: boolean, write: boolean, topic: string): AclRule | null {
  if (read && write) return { access: 'readwrite', topic }
  if (read) return { access: 'read', topic }
  if (write) return { access: 'write', topic }
  return null
}

function kinds (): MessageKind[] {
  return Object.keys(ROOM_TOPICS) as MessageKind[]
}

/** What a room's gateway may do: what the hooks allow it in its own room. */
export function gatewayRules (room: string, username: string): AclRule[] {
  const identity: MqttIdentity = { kind: 'gateway', username, room }
  return kinds().flatMap((kind) => {
    const filter = filterOf(room, kind)
    const canWrite = publishDenial(identity, filter.replaceAll('+', EXAMPLE_NAME)) === null
    return rule(subscribeDenial(identity, filter) === null, canWrite, filter) ?? []
  })
}

/** What the hub's own account may do: read everything, write what the hooks keep from every gateway. */
export function hubRules (): AclRule[] {
  const anyGateway: MqttIdentity = { kind: 'gateway', username: EXAMPLE_NAME, room: EXAMPLE_NAME }
  const hubOnly = kinds().filter((kind) => publishDenial(anyGateway, filterOf(EXAMPLE_NAME, kind).replaceAll('+', EXAMPLE_NAME)) !== null)
  return [{ access: 'read', topic: `${TOPIC_ROOT}/#` }, ...hubOnly.map((kind) => ({ access: 'write' as const, topic: filterOf('+', kind) }))]
}

/** What a user may read: what the hooks let them subscribe to, in each room they may see, without readings. */
export function userRules (user: HubUser): AclRule[] {
  const identity: MqttIdentity = { kind: 'user', username: user.name, user }
  const rooms = user.rooms === '*' ? ['+'] : [...user.rooms]
  return rooms.flatMap((room) => kinds()
    .filter((kind) => kind !== 'readings')
    .flatMap((kind) => rule(subscribeDenial(identity, filterOf(room, kind)) === null, false, filterOf(room, kind)) ?? []))
}

/** Mosquitto reads `user NAME` to the end of the line and password files split at ':'. */
function checkUsername (username: string, where: string): void {
  if (!/^[^\s:]+$/u.test(username) || /\p{Cc}/u.test(username)) {
    throw new TypeError(`${where}: the MQTT user name "${username}" cannot be used with Mosquitto (no spaces, control characters or ":")`)
  }
}

/** Every account of the ACL, hub first. Throws a TypeError naming the config entry when one cannot work. */
export function mosquittoAccounts (config: MosquittoAclConfig): MosquittoAccount[] {
  const hub = config.broker.username
  if (hub === undefined) {
    throw new TypeError('broker.username is not set: with allow_anonymous false the hub needs its own account at the broker (broker: { mode: external, url, username, password })')
  }
  checkUsername(hub, 'broker.username')
  const accounts: MosquittoAccount[] = [{ username: hub, kind: 'hub', of: 'hub' }]
  config.gateways.forEach((g, i) => {
    const username = g.username ?? g.room
    checkUsername(username, `gateways[${i}]`)
    accounts.push({ username, kind: 'gateway', of: g.room })
  })
  config.users.forEach((u, i) => {
    checkUsername(u.name, `users[${i}]`)
    accounts.push({ username: u.name, kind: 'user', of: u.role })
  })
  const seen = new Set<string>()
  for (const a of accounts) {
    if (seen.has(a.username)) throw new TypeError(`the MQTT user name "${a.username}" is used twice (broker.username, gateways and users share the broker's user names)`)
    seen.add(a.username)
  }
  return accounts
}

/** The acl_file text: a `user` block per account, no rule for anonymous clients. */
export function mosquittoAcl (config: MosquittoAclConfig): string {
  const hub = mosquittoAccounts(config)[0] as MosquittoAccount
  const block = (title: string, username: string, rules: AclRule[]): string =>
    [`# ${title}`, `user ${username}`, ...rules.map((r) => `topic ${r.access} ${r.topic}`)].join('\n')
  const blocks = [
    block('the hub', hub.username, hubRules()),
    ...config.gateways.map((g) => block(`the gateway of ${g.room}`, g.username ?? g.room, gatewayRules(g.room, g.username ?? g.room))),
    ...new UserDirectory(config.users).users.map((u) => block(`user ${u.name} (${u.role})`, u.name, userRules(u)))
  ]
  return [
    '# Mosquitto acl_file for helserom (made by `helserom mosquitto-acl` from hub.yaml): the same rules as',
    '# the hub\'s embedded broker. No lines before the first `user`: anonymous clients may do nothing.',
    '',
    blocks.join('\n\n'),
    ''
  ].join('\n')
}
