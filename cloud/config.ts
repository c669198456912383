// The hub's configuration: the TypeBox schema of the hub YAML (DESIGN.md, "Command line and
// configuration"), loaded through protocol/config-file.ts so that every problem is reported as
// `FILE:LINE path: message`, plus the checks a schema cannot express (duplicates, cross references,
// files that must exist). Relative paths (dataDir, TLS files) are resolved against the config file's folder.
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { SLUG_PATTERN } from '../protocol/topics.js'
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../protocol/validate.js'
import { loadConfigFile, parseConfigText, readConfigFile, type ConfigPath, type ConfigProblem, type LoadResult } from '../protocol/config-file.js'
import { describeHashProblem } from './auth/passwords.js'
import { AuditConfig } from './audit/config.js'
import { AlertsConfig, describeTimezoneProblem, OpeningHours } from './incidents/config.js'
import { parseOpeningHours } from './incidents/opening-hours.js'
import { NotifyTargets } from './notify/config.js'
import { checkRegisterConfig, Parties, RegisterSettings, RoomRegisterConfig } from './register/config.js'
import { ScheduleImportConfig } from './schedule/config.js'

const Slug = Type.String({ pattern: SLUG_PATTERN, description: 'a slug of lowercase letters, digits and "-" (e.g. rodoy-1)' })
const Port = Type.Integer({ minimum: 0, maximum: 65535, description: 'a TCP port (1–65535; 0 picks a free port, for tests)' })
const Host = Type.String({ minLength: 1, description: 'an address to listen on, e.g. 0.0.0.0 (every interface) or 127.0.0.1' })
const Text = (description: string): ReturnType<typeof Type.String> => Type.String({ minLength: 1, maxLength: 200, description })
const Url = (description: string): ReturnType<typeof Type.String> => Type.String({ pattern: '^[a-z][a-z0-9+.-]*://\\S+$', description })
const Strict = { additionalProperties: false } as const

export const HttpConfig = Type.Object({
  host: Type.String({ ...Host, default: '0.0.0.0' }),
  port: Type.Integer({ ...Port, default: 8080 }),
  /** Largest request body accepted; a bigger one is refused with 413. */
  bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024, description: 'the largest HTTP request body in bytes (1024–67108864)' }),
  /** A WebSocket client whose unsent data exceeds this is first downsampled, then dropped. */
  wsMaxBufferedBytes: Type.Integer({ minimum: 16 * 1024, default: 1024 * 1024, description: 'bytes a slow WebSocket client may have unsent before it is dropped (at least 16384)' }),
  /** Seconds between WebSocket pings; a client that has not answered the previous ping is closed. */
  wsPingSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'seconds between WebSocket pings (1–3600)' })
}, { ...Strict, default: {}, description: 'the HTTP API: { host, port }' })

export const TlsConfig = Type.Object({
  port: Type.Integer({ ...Port, default: 8883 }),
  cert: Type.String({ minLength: 1, description: 'path to the PEM certificate (chain) of the hub' }),
  key: Type.String({ minLength: 1, description: 'path to the PEM private key of the hub' }),
  ca: Type.Optional(Type.String({ minLength: 1, description: 'path to a PEM CA bundle (only for client certificates)' }))
}, { ...Strict, description: 'MQTT over TLS: { port, cert, key }' })

export const MqttConfig = Type.Object({
  host: Type.String({ ...Host, default: '0.0.0.0' }),
  port: Type.Integer({ ...Port, default: 1883 }),
  /** A client sending a bigger MQTT packet is disconnected before the packet is buffered. */
  maxPacketBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024, default: DEFAULT_MAX_PAYLOAD_BYTES + 4096, description: 'the largest MQTT packet in bytes (1024–268435456)' }),
  tls: Type.Optional(TlsConfig),
  /** Rooms' status and readiness for clients without credentials: the light's information, no more. */
  anonymousState: Type.Boolean({ default: false, description: 'true or false: let MQTT clients without credentials read every room\'s status and readiness (default false; the demo turns it on)' })
}, { ...Strict, default: {}, description: 'the MQTT listener of the embedded broker: { host, port, tls, anonymousState }' })

export const BrokerConfig = Type.Object({
  mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')], { default: 'embedded', description: '"embedded" (the hub is the broker) or "external" (Mosquitto, EMQX …)' }),
  /** external: the broker the hub connects to as a client. */
  url: Type.Optional(Url('an MQTT URL, e.g. mqtt://127.0.0.1:1883 or mqtts://broker:8883')),
  username: Type.Optional(Text('the hub\'s user name at the external broker')),
  password: Type.Optional(Type.String({ minLength: 1, description: 'the hub\'s password at the external broker (use ${VAR})' })),
  clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 23, description: 'the hub\'s MQTT client id at the external broker (1–23 characters; default helserom-hub). The broker keeps this session\'s messages while the hub is down, so each hub on one broker needs its own' })),
  /** embedded + redis: aedes instances sharing state through Redis (a clustered hub). */
  redis: Type.Optional(Url('a Redis URL, e.g. redis://127.0.0.1:6379'))
}, { ...Strict, default: {}, description: 'which MQTT broker the gateways talk to: { mode: embedded } or { mode: external, url }' })

export const StoreConfig = Type.Object({
  kind: Type.Union([Type.Literal('embedded'), Type.Literal('influxdb')], { default: 'embedded', description: '"embedded" or "influxdb"' }),
  url: Type.Optional(Url('the InfluxDB URL with the database, e.g. http://127.0.0.1:8086/helserom')),
  /** Store patients' sensor readings at the hub. Off by default: DESIGN.md, "Data that is personal". */
  clinical: Type.Boolean({ default: false, description: 'true or false: keep clinical readings at the hub (default false)' }),
  // Tuning, read by cloud/store/index.ts (createTelemetryStore); each kind ignores the other's.
  retentionDays: Type.Optional(Type.Integer({ minimum: 1, description: 'influxdb: days raw points are kept (default 30)' })),
  downsampledRetentionDays: Type.Optional(Type.Integer({ minimum: 1, description: 'influxdb: days the 5-minute means are kept (default 730)' })),
  batchSize: Type.Optional(Type.Integer({ minimum: 1, description: 'influxdb: points per write (default 5000)' })),
  flushIntervalMs: Type.Optional(Type.Integer({ minimum: 10, description: 'ms between writes of a partial batch (default 1000)' })),
  bufferMaxBytes: Type.Optional(Type.Integer({ minimum: 1024, description: 'influxdb: bytes of the outage buffer in dataDir (default 268435456)' })),
  requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, description: 'influxdb: ms before a request counts as failed (default 10000)' })),
  maxPointsPerSeries: Type.Optional(Type.Integer({ minimum: 1, description: 'embedded: points kept per series (default 50000)' })),
  maxPointsTotal: Type.Optional(Type.Integer({ minimum: 1, description: 'embedded: points kept in total (default 1000000)' })),
  persist: Type.Optional(Type.Boolean({ description: 'embedded: keep history across restarts in dataDir (default true)' }))
}, { ...Strict, default: {}, description: 'where history is kept: { kind: embedded } or { kind: influxdb, url }' })

export const GatewayConfig = Type.Object({
  room: Slug,
  name: Text('the room\'s name as people know it, e.g. Helserom Rødøy'),
  site: Type.Optional(Text('where the room is, e.g. Rødøy kommune')),
  /** Defaults to the room slug. */
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the gateway\'s MQTT user name (default: the room)' })),
  passwordHash: Type.String({ minLength: 1, description: 'a hash from `helserom hash-password` (scrypt$… for a chosen password, sha256$… for a generated one)' }),
  /** When the room is staffed; outside, incidents are recorded, not notified (default: alerts.openingHours). */
  openingHours: Type.Optional(OpeningHours),
  /** The room's equipment register: its support party, network, box and devices (cloud/register). */
  register: Type.Optional(RoomRegisterConfig)
}, { ...Strict, description: 'a gateway: { room, name, site, username, passwordHash, openingHours, register }' })

export const Role = Type.Union([Type.Literal('it'), Type.Literal('staff'), Type.Literal('specialist')], { description: 'one of: it, staff, specialist' })
export type Role = Static<typeof Role>

export const UserConfig = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\s:]+$', description: 'a user name without spaces or ":"' }),
  role: Role,
  tokenHash: Type.String({ minLength: 1, description: 'a token hash from `helserom hash-password --token` (sha256$… or scrypt$…)' }),
  /** staff and specialist: the rooms they may see; `'*'` for every room. it: always every room. */
  rooms: Type.Optional(Type.Array(Type.String({ pattern: `(${SLUG_PATTERN})|^\\*$`, description: 'a room slug, or "*" for every room' }), { minItems: 1 }))
}, { ...Strict, description: 'a user: { name, role, tokenHash, rooms }' })

export const HubConfigSchema = Type.Object({
  http: HttpConfig,
  mqtt: MqttConfig,
  broker: BrokerConfig,
  store: StoreConfig,
  dataDir: Type.String({ minLength: 1, default: './data/hub', description: 'a folder for the hub\'s own data (relative to the config file)' }),
  gateways: Type.Array(GatewayConfig, { default: [], description: 'a list of gateways' }),
  users: Type.Array(UserConfig, { default: [], description: 'a list of users' }),
  alerts: AlertsConfig,
  notify: NotifyTargets,
  audit: AuditConfig,
  scheduleImport: ScheduleImportConfig,
  /** Support parties, referenced by the register entries of `gateways[].register`. */
  parties: Parties,
  register: RegisterSettings
}, { ...Strict, description: 'a hub config' })

export type HubConfig = Static<typeof HubConfigSchema>
export type GatewayConfig = Static<typeof GatewayConfig>
export type UserConfig = Static<typeof UserConfig>

export interface HubConfigOptions {
  env?: Record<string, string | undefined>
  /** Relative paths are resolved against this folder (default: the config file's folder). */
  baseDir?: string
}

/** Cross checks the schema cannot express; each problem is reported at its path. */
export function checkHubConfig (config: HubConfig, report: (path: ConfigPath, message: string) => void, baseDir = process.cwd()): void {
  const rooms = new Map<string, number>()
  const usernames = new Map<string, string>()
  config.gateways.forEach((g, i) => {
    const first = rooms.get(g.room)
    if (first !== undefined) report(['gateways', i, 'room'], `room "${g.room}" is already configured (gateways[${first}])`)
    else rooms.set(g.room, i)
    const username = g.username ?? g.room
    const taken = usernames.get(username)
    if (taken !== undefined) report(['gateways', i, g.username !== undefined ? 'username' : 'room'], `MQTT user name "${username}" is already used by ${taken}`)
    else usernames.set(username, `gateways[${i}]`)
    // sha256 only for generated secrets (`hash-password --generate`): 256 random bits need no slow
    // hash, and a fleet logs back in at once after a hub restart instead of over minutes.
    const hashProblem = describeHashProblem(g.passwordHash, ['scrypt', 'sha256'])
    if (hashProblem !== null) report(['gateways', i, 'passwordHash'], hashProblem)
  })

  config.users.forEach((u, i) => {
    const taken = usernames.get(u.name)
    if (taken !== undefined) report(['users', i, 'name'], `name "${u.name}" is already used by ${taken} (users and gateways share the MQTT user names)`)
    else usernames.set(u.name, `users[${i}]`)
    const hashProblem = describeHashProblem(u.tokenHash, ['sha256', 'scrypt'])
    if (hashProblem !== null) report(['users', i, 'tokenHash'], hashProblem)
    if (u.role === 'it') {
      if (u.rooms !== undefined) report(['users', i, 'rooms'], 'an it user sees every room; remove rooms')
      return
    }
    if (u.rooms === undefined) {
      report(['users', i, 'rooms'], `a ${u.role} user must list the rooms they may see (rooms: ["*"] for every room)`)
      return
    }
    u.rooms.forEach((r, j) => {
      if (r === '*') {
        if (u.rooms !== undefined && u.rooms.length > 1) report(['users', i, 'rooms', j], '"*" already means every room; list nothing else')
      } else if (!rooms.has(r)) {
        report(['users', i, 'rooms', j], `no gateway has room "${r}" (known rooms: ${[...rooms.keys()].join(', ') || 'none'})`)
      }
    })
  })

  const b = config.broker
  if (b.mode === 'external') {
    if (b.url === undefined) report(['broker'], 'mode external needs url (e.g. mqtt://127.0.0.1:1883)')
    if (b.redis !== undefined) report(['broker', 'redis'], 'redis belongs to mode embedded (a clustered hub); an external broker clusters itself')
    if (config.mqtt.anonymousState) report(['mqtt', 'anonymousState'], 'belongs to the embedded broker; an external broker decides that itself (Mosquitto: allow_anonymous and an ACL)')
  } else {
    for (const field of ['url', 'username', 'password', 'clientId'] as const) {
      if (b[field] !== undefined) report(['broker', field], `${field} belongs to mode external; remove it or set mode: external`)
    }
    if (b.redis !== undefined && !/^rediss?:\/\/[^/\s]+(\/\d{1,2})?$/.test(b.redis)) report(['broker', 'redis'], 'redis must be redis://host:port (or rediss:// for TLS), optionally with /db, e.g. redis://127.0.0.1:6379')
  }

  config.gateways.forEach((g, i) => {
    if (g.openingHours === undefined) return
    try { parseOpeningHours(g.openingHours) } catch (err) { report(['gateways', i, 'openingHours'], (err as Error).message) }
  })
  if (config.alerts.openingHours !== undefined) {
    try { parseOpeningHours(config.alerts.openingHours) } catch (err) { report(['alerts', 'openingHours'], (err as Error).message) }
  }
  for (const [path, zone] of [[['alerts', 'timezone'], config.alerts.timezone], [['scheduleImport', 'timezone'], config.scheduleImport.timezone]] as const) {
    const problem = describeTimezoneProblem(zone)
    if (problem !== null) report([...path], problem)
  }
  config.notify.forEach((n, i) => {
    if (n.kind !== 'teams' && n.format !== undefined) report(['notify', i, 'format'], 'format belongs to kind teams')
    if (n.kind !== 'webhook' && n.secret !== undefined) report(['notify', i, 'secret'], 'secret belongs to kind webhook (Teams URLs carry their own secret)')
    n.rooms?.forEach((r, j) => {
      if (r !== '*' && !rooms.has(r)) report(['notify', i, 'rooms', j], `no gateway has room "${r}" (known rooms: ${[...rooms.keys()].join(', ') || 'none'})`)
    })
  })

  checkRegisterConfig(config, report)

  const s = config.store
  if (s.kind === 'influxdb' && s.url === undefined) report(['store'], 'kind influxdb needs url (e.g. http://127.0.0.1:8086/helserom)')
  if (s.kind === 'embedded' && s.url !== undefined) report(['store', 'url'], 'url belongs to kind influxdb; remove it or set kind: influxdb')

  const tls = config.mqtt.tls
  if (tls !== undefined) {
    for (const field of ['cert', 'key', 'ca'] as const) {
      const file = tls[field]
      if (file !== undefined && !existsSync(resolvePath(baseDir, file))) report(['mqtt', 'tls', field], `file not found: ${resolvePath(baseDir, file)}`)
    }
    if (tls.port !== 0 && tls.port === config.mqtt.port) report(['mqtt', 'tls', 'port'], `port ${tls.port} is already the plain MQTT port`)
  }
  const httpPort = config.http.port
  if (httpPort !== 0 && config.broker.mode === 'embedded' && (httpPort === config.mqtt.port || httpPort === tls?.port)) {
    report(['http', 'port'], `port ${httpPort} is already used by MQTT`)
  }
}

function resolvePath (baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path)
}

/** Makes dataDir and the TLS file paths absolute, against `baseDir`. */
export function resolveHubPaths (config: HubConfig, baseDir: string): HubConfig {
  const tls = config.mqtt.tls
  return {
    ...config,
    dataDir: resolvePath(baseDir, config.dataDir),
    mqtt: {
      ...config.mqtt,
      ...(tls !== undefined
        ? { tls: { ...tls, cert: resolvePath(baseDir, tls.cert), key: resolvePath(baseDir, tls.key), ...(tls.ca !== undefined ? { ca: resolvePath(baseDir, tls.ca) } : {}) } }
        : {})
    }
  }
}

/** Loads a hub config file: the value (paths resolved) or every problem found. Never throws for the file's content. */
export function loadHubConfig (file: string, options: HubConfigOptions = {}): LoadResult<HubConfig> {
  const baseDir = options.baseDir ?? dirname(resolve(file))
  const result = loadConfigFile(file, HubConfigSchema, {
    env: options.env,
    extraChecks: (value, report) => checkHubConfig(value, report, baseDir)
  })
  return result.ok ? { ok: true, value: resolveHubPaths(result.value, baseDir) } : result
}

/** As loadHubConfig, from YAML text (tests, and configs that do not come from a file). */
export function parseHubConfig (file: string, text: string, options: HubConfigOptions = {}): LoadResult<HubConfig> {
  const baseDir = options.baseDir ?? dirname(resolve(file))
  const result = parseConfigText(file, text, HubConfigSchema, {
    env: options.env,
    extraChecks: (value, report) => checkHubConfig(value, report, baseDir)
  })
  return result.ok ? { ok: true, value: resolveHubPaths(result.value, baseDir) } : result
}

/** As loadHubConfig, but throws a ConfigFileError that lists every problem. */
export function readHubConfig (file: string, options: HubConfigOptions = {}): HubConfig {
  const baseDir = options.baseDir ?? dirname(resolve(file))
  const value = readConfigFile(file, HubConfigSchema, {
    env: options.env,
    extraChecks: (v, report) => checkHubConfig(v, report, baseDir)
  })
  return resolveHubPaths(value, baseDir)
}

/** For `helserom check-config FILE`: every problem as `FILE:LINE path: message`; empty when the file is good. */
export function checkHubConfigFile (file: string, options: HubConfigOptions = {}): string[] {
  const result = loadHubConfig(file, options)
  return result.ok ? [] : result.problems.map((p: ConfigProblem) => p.toString())
}

/** A hub config built in code (tests, the demo): defaults filled in, checked like a file. Throws on a problem. */
export function hubConfig (partial: Partial<Record<keyof HubConfig, unknown>>, baseDir = process.cwd()): HubConfig {
  const value = Value.Default(HubConfigSchema, structuredClone(partial)) as HubConfig
  const problems: string[] = []
  for (const error of Value.Errors(HubConfigSchema, value)) problems.push(`${error.path || '(root)'}: ${error.message}`)
  if (problems.length === 0) checkHubConfig(value, (path, message) => problems.push(`${path.join('.')}: ${message}`), baseDir)
  if (problems.length > 0) throw new TypeError(`invalid hub config:\n${problems.join('\n')}`)
  return resolveHubPaths(value, baseDir)
}

/** True when a parsed YAML document looks like a hub config rather than a room config (for check-config). */
export function looksLikeHubConfig (value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return !('room' in v) && ('gateways' in v || 'users' in v || 'broker' in v || 'mqtt' in v)
}
