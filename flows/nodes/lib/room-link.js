'use strict'
// One MQTT connection to a room's local broker, shared by every helserom node that uses the same
// room (config) node. It follows the room's readiness and device health (retained, so the current
// state arrives at once), subscribes to readings only while some node wants them, and sends
// commands, matching each `cmd/{name}/result` to its request by the correlation id.
const { EventEmitter } = require('node:events')
const { randomUUID } = require('node:crypto')
const mqtt = require('mqtt')
const { topics, parseRoomTopic } = require('./topics')

const LEVELS = ['green', 'amber', 'red']
const HEALTH_STATES = ['ok', 'degraded', 'down', 'unknown']

// The gateway validates everything it publishes; these checks only keep a stranger's message
// (anyone on the broker who may publish) from crashing a flow.
const isObject = (m) => typeof m === 'object' && m !== null && !Array.isArray(m)
const valid = {
  readiness: (m) => isObject(m) && LEVELS.includes(m.level) && typeof m.ts === 'number',
  health: (m) => isObject(m) && HEALTH_STATES.includes(m.state) && typeof m.kind === 'string',
  readings: (m) => isObject(m) && isObject(m.values) && typeof m.ts === 'number',
  result: (m) => isObject(m) && typeof m.id === 'string' && typeof m.ok === 'boolean'
}

function parseJson (payload) {
  try {
    return JSON.parse(payload.toString('utf8'))
  } catch {
    return undefined
  }
}

/**
 * Events: 'state' (state, detail) with state one of idle, connecting, connected, disconnected,
 * refused, closed; 'readiness' (message); 'health' (device, message, previous); 'reading'
 * (device, message); 'invalid' (topic).
 */
class RoomLink extends EventEmitter {
  constructor ({ url, room, token, clientId, connect = mqtt.connect }) {
    super()
    this.url = url
    this.room = room
    this.token = token || undefined
    this.clientId = clientId
    this.connect = connect
    this.state = 'idle'
    this.detail = ''
    this.readiness = null
    /** Device id → its latest health message. */
    this.devices = new Map()
    this.invalid = 0
    this.client = null
    this.readingUsers = 0
    this.pending = new Map()
  }

  /** Connects, once; later calls do nothing. */
  open () {
    if (this.client !== null || this.state === 'closed') return
    this.setState('connecting')
    const client = this.connect(this.url, {
      clientId: this.clientId,
      // The local broker lets anyone read; the admin token (as password) is needed to send commands.
      ...(this.token !== undefined ? { username: 'node-red', password: this.token } : {}),
      clean: true,
      resubscribe: false, // subscribed again on every connect below
      reconnectPeriod: 2000,
      connectTimeout: 10_000
    })
    this.client = client
    client.on('connect', () => this.onConnect())
    client.on('reconnect', () => { if (this.state !== 'refused') this.setState('connecting') })
    client.on('close', () => { if (this.state === 'connected' || this.state === 'connecting') this.setState('disconnected') })
    client.on('error', (err) => {
      // MQTT 3.1.1 CONNACK 4 and 5: bad user name or password, not authorised.
      if (err.code === 4 || err.code === 5) this.setState('refused', 'the broker refused the token')
      else this.detail = err.message
    })
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
  }

  onConnect () {
    const filters = [topics.readiness(this.room), topics.allHealth(this.room), topics.allResults(this.room)]
    if (this.readingUsers > 0) filters.push(topics.allReadings(this.room))
    this.client.subscribe(filters, { qos: 1 }, (err) => {
      if (err) this.setState('disconnected', `subscribe failed: ${err.message}`)
      // Only now: a command sent before its result topic is subscribed could be answered unheard.
      else this.setState('connected')
    })
  }

  onMessage (topic, payload) {
    const what = parseRoomTopic(this.room, topic)
    if (what === null) return
    const message = parseJson(payload)
    if (!valid[what.kind](message)) {
      this.invalid++
      this.emit('invalid', topic)
      return
    }
    if (what.kind === 'readiness') {
      this.readiness = message
      this.emit('readiness', message)
    } else if (what.kind === 'health') {
      const previous = this.devices.get(what.device)
      this.devices.set(what.device, message)
      this.emit('health', what.device, message, previous)
    } else if (what.kind === 'readings') {
      this.emit('reading', what.device, message)
    } else {
      const request = this.pending.get(message.id)
      if (request === undefined) return // someone else's command
      this.pending.delete(message.id)
      clearTimeout(request.timer)
      request.resolve(message)
    }
  }

  /** Subscribes to every device's readings until the returned function is called. */
  useReadings () {
    this.readingUsers++
    if (this.readingUsers === 1 && this.state === 'connected') this.client.subscribe(topics.allReadings(this.room), { qos: 1 })
    let released = false
    return () => {
      if (released) return
      released = true
      this.readingUsers--
      if (this.readingUsers === 0 && this.state === 'connected') this.client.unsubscribe(topics.allReadings(this.room))
    }
  }

  /** Sends `cmd/{name}` and resolves with its result ({ id, ok, result?, error?, ts }). */
  request (name, { device, args } = {}, timeoutMs = 20_000) {
    return new Promise((resolve, reject) => {
      if (this.token === undefined) {
        throw new Error('commands need the gateway\'s local admin token (local.adminToken in the room config, or Token on the room node)')
      }
      if (this.state !== 'connected') throw new Error(`not connected to the room's broker (${this.state})`)
      const topic = topics.command(this.room, name)
      const id = randomUUID()
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`no answer to ${name} within ${Math.round(timeoutMs / 1000)} s`))
      }, timeoutMs)
      this.pending.set(id, { resolve, reject, timer })
      const body = { id, ...(device ? { device } : {}), args: args || {}, by: 'node-red', ts: Date.now() }
      this.client.publish(topic, JSON.stringify(body), { qos: 1 }, (err) => {
        if (!err || !this.pending.has(id)) return
        this.pending.delete(id)
        clearTimeout(timer)
        reject(new Error(`could not send ${name}: ${err.message}`))
      })
    })
  }

  setState (state, detail = '') {
    if (state === this.state && detail === this.detail) return
    this.state = state
    this.detail = detail
    this.emit('state', state, detail)
  }

  /** Ends the connection and fails every command still waiting. */
  async close () {
    this.setState('closed')
    for (const request of this.pending.values()) {
      clearTimeout(request.timer)
      request.reject(new Error('the room connection was closed'))
    }
    this.pending.clear()
    const client = this.client
    this.client = null
    this.removeAllListeners()
    if (client !== null) await new Promise((resolve) => client.end(true, {}, () => resolve()))
  }
}

module.exports = { RoomLink }
