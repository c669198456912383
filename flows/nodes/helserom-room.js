// helserom-room: the config node for one room. It holds the connection to the room's local
// broker (one per room node, shared by every node that uses it) and what is known of the room:
// inside a helserom gateway, the gateway tells it the broker, room, admin token, profiles and
// devices (RED.settings.helserom); in any other Node-RED, Broker, Room and Token are filled in.
// The broker gives readings (patient data) only to a client with a secret: the admin token, or
// inside the gateway without one, the reader secret the gateway gives its own Node-RED.
module.exports = function (RED) {
  'use strict'
  const mqtt = require('mqtt')
  const { RoomLink } = require('./lib/room-link')
  const { isSlug } = require('./lib/topics')

  function HelseromRoomNode (config) {
    RED.nodes.createNode(this, config)
    const node = this
    // Only when Broker is left empty is this the gateway we run in, and only then does its token apply.
    const gateway = !config.broker && RED.settings.helserom ? RED.settings.helserom : null
    node.room = (config.room || '').trim() || (gateway ? gateway.room : '')
    node.broker = (config.broker || '').trim() || (gateway ? gateway.mqttUrl : '')
    node.roomName = (gateway && gateway.roomName) || node.room
    node.timezone = (gateway && gateway.timezone) || undefined
    const token = (node.credentials && node.credentials.token) || (gateway && gateway.adminToken) || undefined
    // Reading only: the link logs in with it, but still knows it may not send commands.
    const readerToken = token === undefined && gateway ? gateway.readerToken : undefined
    const connect = readerToken
      ? (url, options) => mqtt.connect(url, { ...options, username: 'node-red', password: readerToken })
      : undefined

    node.problem = !node.broker
      ? 'no broker: outside a helserom gateway, set Broker (e.g. mqtt://gateway:1884)'
      : !isSlug(node.room) ? `room "${node.room}" is not a room id (e.g. rodoy-1)` : null
    node.link = node.problem
      ? null
      : new RoomLink({ url: node.broker, room: node.room, token, clientId: `node-red-${node.room}-${node.id}`.slice(0, 64), ...(connect ? { connect } : {}) })

    /** The camera preset of a consultation profile, when the room config names one. */
    node.profilePreset = function (profile) {
      const p = gateway && profile ? gateway.profiles[profile] : undefined
      return p && p.preset ? p.preset : null
    }

    /** The room's PTZ camera when it has exactly one; null otherwise. */
    node.camera = function () {
      const ids = new Set((gateway ? gateway.devices : []).filter((d) => d.kind === 'onvif-camera').map((d) => d.id))
      if (node.link) for (const [id, health] of node.link.devices) if (health.kind === 'onvif-camera') ids.add(id)
      return ids.size === 1 ? [...ids][0] : null
    }

    node.on('close', function (done) {
      if (node.link === null) return done()
      node.link.close().then(() => done(), () => done())
    })
  }

  RED.nodes.registerType('helserom-room', HelseromRoomNode, {
    credentials: { token: { type: 'password' } }
  })
}
