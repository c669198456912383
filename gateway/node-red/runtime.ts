// The node-red package embedded on its own HTTP server ("embedding into an existing app" in the
// Node-RED docs), with the express that node-red itself depends on. node-red is CommonJS without
// type declarations, so the few parts used are typed here. It keeps module-level state (one
// runtime, one registry, one settings object): a process runs at most one at a time.
import { createRequire } from 'node:module'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { EventEmitter } from 'node:events'
import { dirname, join } from 'node:path'

type Handler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

interface ExpressApp {
  /** As a plain request listener: express answers 404 itself when no route matches. */
  (req: IncomingMessage, res: ServerResponse): void
  use: (path: string, handler: Handler) => void
  disable: (setting: string) => void
}

interface NodeRedModule {
  init: (server: Server, settings: Record<string, unknown>) => void
  start: () => Promise<void>
  stop: () => Promise<void>
  readonly httpAdmin: Handler | undefined
  readonly httpNode: Handler
  readonly events: EventEmitter
}

/** How the flows came up: running, or why not (missing node types, flows stopped by a user …). */
export type FlowsState = { running: true } | { running: false, problem: string }

export interface EmbeddedNodeRed {
  readonly port: number
  /** Settles once Node-RED has loaded its nodes and started (or failed to start) its flows. */
  readonly ready: Promise<FlowsState>
  stop: () => Promise<void>
}

export interface EmbedOptions {
  host: string
  port: number
  /** Node-RED runtime settings; `httpAdminRoot: false` turns the editor and admin API off. */
  settings: Record<string, unknown> & { httpNodeRoot: string, httpAdminRoot: string | false }
  /** Who runs it, for the message when a second one is asked for. */
  owner: string
}

const requireHere = createRequire(import.meta.url)
/** How long a stop waits for a start still under way (Node-RED starts in seconds even on a Pi). */
const STOP_WAIT_MS = 60_000
let runningFor: string | null = null

interface EditorSessions {
  init: (adminAuth: Record<string, unknown>, storage: { getSessions: () => Promise<object>, saveSessions: () => Promise<void> }) => Promise<void>
  get: (token: string) => Promise<unknown>
}

/**
 * Node-RED 4.1 arms a timer for the next editor session's expiry (a week by default) and never
 * clears it on stop, so a process whose editor anyone logged in to cannot exit until then. Its
 * session module has no stop; re-initialised with an empty store, its next lookup runs its own
 * expiry sweep, which clears the timer and arms none. The sessions saved on disk are untouched.
 */
async function releaseEditorSessionTimer (): Promise<void> {
  const editorApi = createRequire(requireHere.resolve('node-red')).resolve('@node-red/editor-api')
  const sessions = requireHere(join(dirname(editorApi), 'auth', 'tokens.js')) as EditorSessions
  await sessions.init({}, { getSessions: async () => ({}), saveSessions: async () => {} })
  await sessions.get('')
}

function loadNodeRed (): { RED: NodeRedModule, express: () => ExpressApp } {
  const RED = requireHere('node-red') as NodeRedModule
  // node-red's own express, whatever the install hoisted: the versions its apps were built with.
  const express = createRequire(requireHere.resolve('node-red'))('express') as () => ExpressApp
  return { RED, express }
}

/** Resolves when Node-RED reports its flows started, or reports why they did not. */
function flowsOutcome (events: EventEmitter): Promise<FlowsState> {
  return new Promise((resolve) => {
    const started = (): void => { done(); resolve({ running: true }) }
    const state = (event: { id?: string, payload?: { state?: string, error?: string, types?: string[] } }): void => {
      const payload = event.id === 'runtime-state' ? event.payload : undefined
      if (payload === undefined || (payload.error === undefined && payload.state !== 'stop' && payload.state !== 'safe')) return
      done()
      const types = payload.types !== undefined ? `: ${payload.types.join(', ')}` : ''
      resolve({ running: false, problem: `${payload.error ?? `flows ${payload.state ?? 'stopped'}`}${types}` })
    }
    const done = (): void => { events.off('flows:started', started); events.off('runtime-event', state) }
    events.on('flows:started', started)
    events.on('runtime-event', state)
  })
}

async function listen (server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : port
}

async function close (server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections() // editors keep HTTP connections open; close() alone would wait for them
  await closed
}

/** Starts Node-RED; resolves once its port listens (nodes and flows follow: see `ready`). */
export async function embedNodeRed (options: EmbedOptions): Promise<EmbeddedNodeRed> {
  if (runningFor !== null) {
    throw new Error(`Node-RED already runs in this process (for ${runningFor}); it keeps global state, so one process can run only one`)
  }
  runningFor = options.owner
  const { RED, express } = loadNodeRed()
  const app = express()
  app.disable('x-powered-by')
  const server = createServer(app)
  let port: number
  try {
    RED.init(server, options.settings)
    if (options.settings.httpAdminRoot !== false && RED.httpAdmin !== undefined) app.use(options.settings.httpAdminRoot, RED.httpAdmin)
    app.use(options.settings.httpNodeRoot, RED.httpNode)
    port = await listen(server, options.port, options.host)
  } catch (err) {
    runningFor = null
    throw new Error(`Node-RED could not start on ${options.host}:${options.port}: ${(err as Error).message}`)
  }
  const outcome = flowsOutcome(RED.events)
  const ready = RED.start().then(async () => await outcome, (err: Error) => ({ running: false as const, problem: err.message }))
  let stopping: Promise<void> | null = null
  const stop = async (): Promise<void> => {
    // A runtime stopped while still starting would start its flows afterwards, with nobody to stop
    // them; but a start that never settles must not keep the gateway from stopping either.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([ready, new Promise((resolve) => { timer = setTimeout(resolve, STOP_WAIT_MS) })])
    clearTimeout(timer)
    await RED.stop()
    await close(server)
    await releaseEditorSessionTimer()
    runningFor = null
  }
  return {
    port,
    ready,
    stop: async () => { stopping ??= stop(); await stopping }
  }
}
