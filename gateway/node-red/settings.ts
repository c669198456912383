// Node-RED's runtime settings for a room: the user dir in the gateway's data folder, our node
// package from flows/, the editor behind a login checked against the config's scrypt hashes,
// Node-RED's log lines into the gateway's log, and what our nodes need to know about the room.
import type { Logger } from 'pino'
import { describeHashProblem, verifyPassword } from '../../protocol/credentials.js'
import type { LocalizedText } from '../../protocol/messages.js'
import type { NodeRedUser } from './config.js'

/** What the helserom nodes read from `RED.settings.helserom` when they run inside a gateway. */
export interface HelseromNodeSettings {
  room: string
  roomName: string
  timezone: string
  /** The gateway's local broker, reachable from this process. */
  mqttUrl: string
  /** The local admin token: lets the command node send commands. Never shown in the editor. */
  adminToken?: string
  /** Lets the nodes read readings from the local broker when there is no admin token. Never shown. */
  readerToken?: string
  profiles: Record<string, { label: LocalizedText, preset?: string }>
  devices: Array<{ id: string, kind: string, name: string }>
}

export interface SettingsInput {
  userDir: string
  /** The folder of our node package (flows/), loaded as a Node-RED module. */
  nodesDir: string
  users: readonly NodeRedUser[]
  title: string
  log: Logger
  helserom: HelseromNodeSettings
}

/** Problems with the editor users, as `nodeRed.users[i].field: message`; empty when fine. */
export function userProblems (users: readonly NodeRedUser[]): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  users.forEach((user, i) => {
    const hash = describeHashProblem(user.passwordHash, ['scrypt'])
    if (hash !== null) problems.push(`nodeRed.users[${i}].passwordHash: ${hash}`)
    if (seen.has(user.username)) problems.push(`nodeRed.users[${i}].username: "${user.username}" is listed twice`)
    seen.add(user.username)
  })
  return problems
}

/** Runs one promise-returning job at a time, in order. */
function oneAtATime (): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return (job) => {
    const run = tail.then(job, job)
    tail = run.catch(() => undefined)
    return run
  }
}

/** Node-RED's `adminAuth` with our users: its `users` and `authenticate` hooks, scrypt instead of bcrypt. */
export function editorLogin (users: readonly NodeRedUser[]): Record<string, unknown> {
  const byName = new Map(users.map((u) => [u.username, u]))
  const profile = (u: NodeRedUser): { username: string, permissions: string } => ({ username: u.username, permissions: u.permissions })
  // One scrypt costs 32 MiB (N=2^15, r=8): a burst of login attempts must not fill a small Pi's memory.
  const serially = oneAtATime()
  const decoy = users[0]?.passwordHash ?? ''
  return {
    type: 'credentials',
    // A working day; the default is a week, long for a shared machine in a clinic.
    sessionExpiryTime: 12 * 3600,
    users: async (username: unknown) => {
      const user = typeof username === 'string' ? byName.get(username) : undefined
      return user !== undefined ? profile(user) : null
    },
    authenticate: async (username: unknown, password: unknown) => {
      if (typeof username !== 'string' || typeof password !== 'string') return null
      const user = byName.get(username)
      // An unknown name costs as much as a wrong password, so the time taken does not tell which names exist.
      const ok = await serially(async () => await verifyPassword(password, user?.passwordHash ?? decoy))
      return ok && user !== undefined ? profile(user) : null
    }
  }
}

interface NodeRedLogMessage {
  level: number
  msg?: unknown
  type?: string
  id?: string
  name?: string
}

/** Node-RED's numeric levels (@node-red/util log.js) onto pino's. */
const levelOf: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  10: 'fatal', 20: 'error', 30: 'warn', 40: 'info', 50: 'debug', 60: 'trace'
}

function forwardLog (log: Logger): (msg: NodeRedLogMessage) => void {
  return (msg) => {
    const level = levelOf[msg.level]
    if (level === undefined) return // audit and metric events are off
    const text = msg.msg instanceof Error ? msg.msg.message : typeof msg.msg === 'string' ? msg.msg : JSON.stringify(msg.msg)
    if (text === undefined || text.trim() === '') return
    const node = msg.type !== undefined ? `${msg.type}:${msg.name ?? msg.id ?? ''}` : undefined
    log[level](node !== undefined ? { node } : {}, text.trim())
  }
}

export function nodeRedSettings (input: SettingsInput): Record<string, unknown> & { httpNodeRoot: string, httpAdminRoot: string | false } {
  const editor = input.users.length > 0
  return {
    userDir: input.userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // A Node-RED module by folder: no copy, no symlink and no npm install in the user dir.
    nodesDir: [input.nodesDir],
    httpAdminRoot: editor ? '/' : false,
    httpNodeRoot: '/',
    disableEditor: !editor,
    ...(editor ? { adminAuth: editorLogin(input.users) } : {}),
    logging: {
      gateway: { level: 'info', metrics: false, audit: false, handler: () => forwardLog(input.log) }
    },
    editorTheme: {
      page: { title: input.title },
      header: { title: input.title },
      projects: { enabled: false },
      tours: false
    },
    // A clinic's box does not ask the internet about updates, and does not install modules by itself.
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false },
    helserom: input.helserom
  }
}
