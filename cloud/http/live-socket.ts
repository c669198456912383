// WebSocket /ws: fleet changes pushed to dashboards, live readings to specialists and IT.
// Protocol (JSON text frames):
//   client → {type:'auth', token}                 unless the upgrade carried ?token= or a bearer header
//            {type:'subscribe', rooms:[slug…] | ['*']}   ('*': every room the user may see)
//            {type:'subscribe', rooms:[slug…], console:true}   the consultation console of those
//                                                     rooms (dashboards/consult): while it stays
//                                                     subscribed, a specialist there is present
//                                                     for the room's light ("Spesialisten er klar");
//                                                     a fleet page's subscription is not
//            {type:'unsubscribe', rooms:[…]}
//            {type:'ping'}
//   server → {type:'hello', user:{name, role}}
//            {type:'snapshot', rooms:[RoomView…]}  at once after each subscribe
//            {type:'room', room, part, device?, state: RoomView}   after every change
//            {type:'reading', room, device, reading, receivedAt}  live readings (specialist and it
//                                                     only); receivedAt: when the hub got it (hub
//                                                     clock), since the gateway's `ts` may be skewed
//            {type:'incidents', incidents:[Incident…]}  the active incidents, after each snapshot (it, specialist)
//            {type:'incident', kind, incident}        after every incident change (opened, escalated,
//                                                     acknowledged, resolved …; it and specialist)
//            {type:'error', error:{code, message}}    {type:'pong'}
// A client that does not authenticate within 10 s is closed (4401). A slow client never delays the
// others: sends are never awaited; past half of http.wsMaxBufferedBytes unsent, readings to it are
// skipped (downsampled); past the whole bound it is closed (4408). Pings every http.wsPingSeconds;
// a client that missed the previous pong is terminated.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { canSeeReadings, canSeeRoom, type HubUser, type UserDirectory } from '../auth/users.js'
import type { FleetState } from '../fleet-state.js'
import type { Ingest, ReadingEvent, RoomChangeEvent } from '../ingest.js'
import type { IncidentEngine } from '../incidents/engine.js'
import type { HubMetrics } from '../metrics.js'
import { roomView, staffParts } from '../room-view.js'
import type { ViewAudit } from './room-routes.js'

/** A consultation console opened (open: true) or closed in a room, by whom. */
export interface ConsoleReport {
  user: string
  role: string
  room: string
  open: boolean
}

export interface LiveSocketOptions {
  users: UserDirectory
  fleet: FleetState
  ingest: Ingest
  metrics: HubMetrics
  maxBufferedBytes: number
  pingMs: number
  authTimeoutMs?: number
  audit?: (entry: ViewAudit) => void
  /** Consultation consoles opening and closing (the specialist's presence, cloud/register/presence.ts). */
  console?: (report: ConsoleReport) => void
  /** Incident changes to push (it and specialist: incidents are for those who act on them). */
  incidents?: Pick<IncidentEngine, 'on' | 'list'>
}

interface LiveClient {
  socket: WebSocket
  user: HubUser | null
  rooms: '*' | Set<string>
  alive: boolean
  /** Rooms whose live view was audited (each gets its live-end when it stops). */
  live: Set<string>
  /** Rooms this client is the consultation console of (each reported closed when it stops). */
  consoles: Set<string>
}

const CLOSE_AUTH = 4401
const CLOSE_SLOW = 4408
const OPEN = 1

export const liveSocket: FastifyPluginAsync<LiveSocketOptions> = async (app, opts) => {
  if (opts.users === undefined || opts.fleet === undefined || opts.ingest === undefined || opts.metrics === undefined) {
    throw new TypeError('liveSocket needs users, fleet, ingest and metrics')
  }
  if (!(opts.maxBufferedBytes >= 1024)) throw new TypeError(`maxBufferedBytes must be at least 1024, got ${String(opts.maxBufferedBytes)}`)
  if (!(opts.pingMs >= 10)) throw new TypeError(`pingMs must be at least 10, got ${String(opts.pingMs)}`)
  const { users, fleet, ingest, metrics, audit, incidents } = opts
  const reportConsole = opts.console
  const authTimeoutMs = opts.authTimeoutMs ?? 10_000
  const clients = new Set<LiveClient>()

  const send = (client: LiveClient, text: string, droppable: boolean): void => {
    const socket = client.socket
    if (socket.readyState !== OPEN) return
    const buffered = socket.bufferedAmount
    if (buffered > opts.maxBufferedBytes) {
      metrics.wsDropped.inc({ what: 'client' })
      app.log.warn({ user: client.user?.name, buffered }, 'closed a WebSocket client that does not keep up')
      clients.delete(client)
      socket.close(CLOSE_SLOW, 'too slow')
      // a client this far behind may not read its close frame either
      setTimeout(() => socket.terminate(), 1000).unref()
      return
    }
    if (droppable && buffered > opts.maxBufferedBytes / 2) {
      metrics.wsDropped.inc({ what: 'reading' })
      return
    }
    socket.send(text)
  }

  const sendJson = (client: LiveClient, message: unknown): void => send(client, JSON.stringify(message), false)
  const sendError = (client: LiveClient, code: string, message: string): void => sendJson(client, { type: 'error', error: { code, message } })

  const subscribed = (client: LiveClient, room: string): boolean =>
    client.user !== null && canSeeRoom(client.user, room) && (client.rooms === '*' || client.rooms.has(room))

  const onRoom = (event: RoomChangeEvent): void => {
    let full: string | undefined
    let staff: string | undefined
    for (const client of clients) {
      const user = client.user
      if (user === null || !subscribed(client, event.room)) continue
      if (user.role === 'staff') {
        if (!staffParts.has(event.part)) continue
        staff ??= JSON.stringify({ type: 'room', room: event.room, part: event.part, state: roomView(event.state, user) })
        send(client, staff, false)
      } else {
        full ??= JSON.stringify({ type: 'room', room: event.room, part: event.part, ...(event.device !== undefined ? { device: event.device } : {}), state: roomView(event.state, user) })
        send(client, full, false)
      }
    }
  }

  const onReading = (event: ReadingEvent): void => {
    if (event.historical) return
    let text: string | undefined
    for (const client of clients) {
      const user = client.user
      if (user === null || !subscribed(client, event.room) || !canSeeReadings(user, event.room)) continue
      text ??= JSON.stringify({ type: 'reading', room: event.room, device: event.device, reading: event.reading, receivedAt: event.receivedAt })
      send(client, text, true)
    }
  }

  const offRoom = ingest.on('room', onRoom)
  const offReading = ingest.on('reading', onReading)
  const offIncident = incidents?.on('change', (event) => {
    let text: string | undefined
    for (const client of clients) {
      const user = client.user
      if (user === null || user.role === 'staff' || !subscribed(client, event.incident.room)) continue
      text ??= JSON.stringify({ type: 'incident', kind: event.kind, incident: event.incident })
      send(client, text, false)
    }
  })

  /** The live views of `client` in `rooms` (every one when omitted) have ended: audit their end. */
  const endLive = (client: LiveClient, rooms?: Iterable<string>): void => {
    const user = client.user
    if (user === null) return
    for (const room of [...(rooms ?? client.consoles)]) {
      if (client.consoles.delete(room)) reportConsole?.({ user: user.name, role: user.role, room, open: false })
    }
    if (audit === undefined) return
    for (const room of [...(rooms ?? client.live)]) {
      if (!client.live.delete(room)) continue
      audit({ user: user.name, role: user.role, room, what: 'live-end' })
    }
  }

  const pinger = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        metrics.wsDropped.inc({ what: 'timeout' })
        clients.delete(client)
        client.socket.terminate()
        continue
      }
      client.alive = false
      client.socket.ping()
    }
  }, opts.pingMs)
  pinger.unref()

  app.addHook('onClose', async () => {
    clearInterval(pinger)
    offRoom()
    offReading()
    offIncident?.()
    for (const client of clients) { endLive(client); client.socket.terminate() }
    clients.clear()
    metrics.wsClients.set(0)
  })

  const authenticated = (client: LiveClient, user: HubUser): void => {
    client.user = user
    sendJson(client, { type: 'hello', user: { name: user.name, role: user.role } })
  }

  const subscribe = (client: LiveClient, rooms: unknown, asConsole: unknown): void => {
    const user = client.user
    if (user === null) return sendError(client, 'unauthorized', 'send {type:"auth", token} first')
    if (!Array.isArray(rooms) || rooms.length === 0 || rooms.length > 1000 || !rooms.every((r) => typeof r === 'string')) {
      return sendError(client, 'bad_request', 'rooms must be a list of room slugs, or ["*"]')
    }
    if (asConsole !== undefined && typeof asConsole !== 'boolean') return sendError(client, 'bad_request', 'console must be true or false')
    if (asConsole === true && rooms.includes('*')) return sendError(client, 'bad_request', 'a console is the console of named rooms, not of "*"')
    let added: string[]
    if (rooms.includes('*')) {
      client.rooms = '*'
      added = fleet.list().map((r) => r.room).filter((r) => canSeeRoom(user, r))
    } else {
      added = []
      for (const room of rooms as string[]) {
        if (!fleet.has(room)) { sendError(client, 'not_found', `room "${room}" is not configured at this hub`); continue }
        if (!canSeeRoom(user, room)) { sendError(client, 'forbidden', `${user.name} may not see room "${room}"`); continue }
        if (client.rooms !== '*') client.rooms.add(room)
        added.push(room)
      }
    }
    const views = added.map((room) => fleet.get(room)).filter((s) => s !== undefined).map((s) => roomView(s, user))
    sendJson(client, { type: 'snapshot', rooms: views })
    if (incidents !== undefined && user.role !== 'staff') sendJson(client, { type: 'incidents', incidents: incidents.list({ state: 'active', rooms: new Set(added) }) })
    if (audit !== undefined) {
      for (const room of added) {
        if (!canSeeReadings(user, room) || client.live.has(room)) continue
        client.live.add(room)
        audit({ user: user.name, role: user.role, room, what: 'live' })
      }
    }
    if (asConsole === true) {
      for (const room of added) {
        if (!canSeeReadings(user, room) || client.consoles.has(room)) continue
        client.consoles.add(room)
        reportConsole?.({ user: user.name, role: user.role, room, open: true })
      }
    }
  }

  const unsubscribe = (client: LiveClient, rooms: unknown): void => {
    if (!Array.isArray(rooms)) return sendError(client, 'bad_request', 'rooms must be a list')
    if (rooms.includes('*')) { client.rooms = new Set(); endLive(client) } else if (client.rooms !== '*') {
      for (const r of rooms) client.rooms.delete(String(r))
      endLive(client, rooms.map(String))
    }
  }

  const onMessage = async (client: LiveClient, data: Buffer): Promise<void> => {
    let message: { type?: unknown, token?: unknown, rooms?: unknown, console?: unknown }
    try {
      message = JSON.parse(data.toString('utf8')) as typeof message
      if (message === null || typeof message !== 'object') throw new Error('not an object')
    } catch {
      return sendError(client, 'bad_request', 'messages are JSON objects with a type')
    }
    switch (message.type) {
      case 'auth': {
        if (client.user !== null) return sendError(client, 'bad_request', 'already authenticated')
        const user = typeof message.token === 'string' ? await users.authenticateToken(message.token) : null
        if (user === null) {
          metrics.authDenied.inc({ surface: 'ws', action: 'auth', reason: 'bad-token' })
          sendError(client, 'unauthorized', 'the token is not valid')
          client.socket.close(CLOSE_AUTH, 'unauthorized')
          return
        }
        return authenticated(client, user)
      }
      case 'subscribe': return subscribe(client, message.rooms, message.console)
      case 'unsubscribe': return unsubscribe(client, message.rooms)
      case 'ping': return sendJson(client, { type: 'pong' })
      default: return sendError(client, 'bad_request', `unknown message type ${JSON.stringify(message.type)}`)
    }
  }

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket: WebSocket, request: FastifyRequest) => {
    const client: LiveClient = { socket, user: null, rooms: new Set(), alive: true, live: new Set(), consoles: new Set() }
    clients.add(client)
    metrics.wsClients.set(clients.size)
    socket.on('pong', () => { client.alive = true })
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return sendError(client, 'bad_request', 'send JSON text frames')
      onMessage(client, data).catch((err: unknown) => request.log.error({ err }, 'websocket message failed'))
    })
    socket.on('close', () => {
      endLive(client)
      clients.delete(client)
      metrics.wsClients.set(clients.size)
    })
    socket.on('error', (err) => request.log.debug({ err: err.message }, 'websocket error'))
    if (request.user !== null) {
      authenticated(client, request.user)
    } else {
      const timer = setTimeout(() => {
        if (client.user === null && socket.readyState === OPEN) {
          metrics.authDenied.inc({ surface: 'ws', action: 'auth', reason: 'timeout' })
          socket.close(CLOSE_AUTH, 'authenticate first')
        }
      }, authTimeoutMs)
      timer.unref()
      socket.once('close', () => clearTimeout(timer))
    }
  })
}
