// Node-RED in the room (issue 7): a GatewayExtension that runs Node-RED inside the gateway when
// the room config says `nodeRed: { enabled: true }`, on its own port, with the editor behind a
// login, the user dir in the gateway's data folder and the helserom nodes from flows/. The nodes
// talk to the gateway only through its local broker, as any other local consumer does.
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import type { Gateway } from '../gateway.js'
import type { GatewayExtension } from '../extensions.js'
import type { NodeRedConfig } from './config.js'
import { seedFlows } from './flow-seed.js'
import { embedNodeRed, type EmbeddedNodeRed, type FlowsState } from './runtime.js'
import { nodeRedSettings, userProblems, type HelseromNodeSettings } from './settings.js'

/** flows/: our Node-RED node package, its example flows and its README. */
export const nodeRedPackageDir = fileURLToPath(new URL('../../flows/', import.meta.url))

/** The example flows shipped in flows/examples/, as absolute paths (for `nodeRed.flows`). */
export function exampleFlowFiles (): string[] {
  const dir = join(nodeRedPackageDir, 'examples')
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f))
}

const running = new WeakMap<Gateway, NodeRedExtension>()

/** The Node-RED extension of a running gateway, if it has one (tests and the demo await `ready`). */
export function nodeRedOf (gateway: Gateway): NodeRedExtension | undefined {
  return running.get(gateway)
}

export class NodeRedExtension implements GatewayExtension {
  readonly name = 'node-red'
  private embedded: EmbeddedNodeRed | null = null
  private url = ''
  private readonly envBefore = new Map<string, string | undefined>()
  /** Settles when the flows run (or failed to start); resolved at once when never started. */
  ready: Promise<FlowsState> = Promise.resolve({ running: false, problem: 'not started' })

  constructor (private readonly config: NodeRedConfig) {}

  async start (gateway: Gateway): Promise<void> {
    const log = nodeRedLog(gateway)
    const problems = userProblems(this.config.users)
    if (problems.length > 0) throw new Error(`Node-RED not started: ${problems.join('; ')}`)
    const userDir = join(gateway.dataDir, 'node-red')
    mkdirSync(userDir, { recursive: true })
    const seeded = seedFlows({ userDir, flowFile: 'flows.json', files: this.config.flows })
    if (seeded === 'kept-edited') log.info({ userDir }, 'Node-RED: keeping the flows deployed from the editor (delete flows.json to start again from nodeRed.flows)')
    if (gateway.adminToken === undefined) log.warn('Node-RED: without local.adminToken the helserom command node cannot send commands')
    this.applyEnv()
    const host = this.config.host ?? gateway.config.local.host
    try {
      this.embedded = await embedNodeRed({
        host,
        port: this.config.port,
        owner: `room ${gateway.room}`,
        settings: nodeRedSettings({
          userDir,
          nodesDir: nodeRedPackageDir,
          users: this.config.users,
          title: `Node-RED · ${gateway.config.name}`,
          log,
          helserom: nodeSettings(gateway)
        })
      })
    } catch (err) {
      this.restoreEnv()
      throw err
    }
    running.set(gateway, this)
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
    this.url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${this.embedded.port}/`
    this.ready = this.embedded.ready.then((state) => {
      if (state.running) log.info({ url: this.url, editor: this.config.users.length > 0, seeded }, 'Node-RED flows running')
      else log.error({ problem: state.problem }, 'Node-RED runs, but its flows did not start')
      return state
    })
    if (this.config.users.length === 0) log.warn('Node-RED runs flows only: no nodeRed.users, so the editor and its admin API are off')
  }

  /** The port Node-RED listens on (0 until started). */
  get port (): number {
    return this.embedded?.port ?? 0
  }

  urls (): Record<string, string> {
    return this.url !== '' && this.config.users.length > 0 ? { 'Node-RED editor': this.url } : {}
  }

  async stop (): Promise<void> {
    const embedded = this.embedded
    this.embedded = null
    if (embedded !== null) await embedded.stop()
    this.restoreEnv()
  }

  /** Node-RED reads environment variables from the process it runs in, which is the gateway's. */
  private applyEnv (): void {
    for (const [name, value] of Object.entries(this.config.env)) {
      this.envBefore.set(name, process.env[name])
      process.env[name] = value
    }
  }

  private restoreEnv (): void {
    for (const [name, value] of this.envBefore) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    this.envBefore.clear()
  }
}

function nodeRedLog (gateway: Gateway): Logger {
  return gateway.log.child({ component: 'node-red' })
}

/** What our nodes learn about the room when they run inside its gateway. */
function nodeSettings (gateway: Gateway): HelseromNodeSettings {
  const config = gateway.config
  return {
    room: config.room,
    roomName: config.name,
    timezone: config.timezone,
    mqttUrl: gateway.urls.mqtt,
    ...(gateway.adminToken !== undefined ? { adminToken: gateway.adminToken } : {}),
    readerToken: gateway.localReaderToken,
    profiles: Object.fromEntries(Object.entries(config.profiles).map(([id, p]) => [id, {
      label: p.label, ...(p.preset !== undefined ? { preset: p.preset } : {})
    }])),
    devices: config.devices.map((d) => ({ id: d.id, kind: d.kind, name: d.name }))
  }
}

/** The extension factory: null unless the room config enables Node-RED. */
export function nodeRedExtension (gateway: Gateway): GatewayExtension | null {
  return gateway.config.nodeRed.enabled ? new NodeRedExtension(gateway.config.nodeRed) : null
}
