'use strict'
// What every helserom node shares: finding its room (config) node, and showing the room
// connection with node.status() the same way everywhere.

const CONNECTION = {
  idle: { fill: 'grey', shape: 'ring', text: 'not connected' },
  connecting: { fill: 'yellow', shape: 'ring', text: 'connecting' },
  connected: { fill: 'green', shape: 'dot', text: 'connected' },
  disconnected: { fill: 'red', shape: 'ring', text: 'disconnected' },
  refused: { fill: 'red', shape: 'ring', text: 'refused: check the token' },
  closed: { fill: 'grey', shape: 'ring', text: 'closed' }
}

/** Readiness levels as the light shows them. */
const LEVEL = {
  green: { fill: 'green', shape: 'dot', text: 'green · Klar' },
  amber: { fill: 'yellow', shape: 'dot', text: 'amber · Obs' },
  red: { fill: 'red', shape: 'dot', text: 'red · Ikke klar' }
}

/** Device health states. */
const HEALTH = { ok: 'green', degraded: 'yellow', down: 'red', unknown: 'grey' }

function connectionStatus (state) {
  return CONNECTION[state] || CONNECTION.idle
}

/** The node's room config node with a usable connection, or null after saying why. */
function roomOf (RED, node, roomId) {
  const room = RED.nodes.getNode(roomId)
  const problem = !room ? 'choose a room (a helserom-room config node)' : room.problem
  if (problem) {
    node.status({ fill: 'red', shape: 'ring', text: problem.length > 40 ? 'not configured' : problem })
    node.error(problem)
    return null
  }
  room.link.open()
  return room
}

/**
 * Calls `start` once the flows run (a message sent earlier could go to a node not there yet),
 * then `onState` on every change of the connection. Returns what to call on close.
 */
function follow (RED, room, { start, onState }) {
  const started = () => start()
  RED.events.once('flows:started', started)
  room.link.on('state', onState)
  onState(room.link.state)
  return () => {
    RED.events.off('flows:started', started)
    room.link.off('state', onState)
  }
}

module.exports = { CONNECTION, LEVEL, HEALTH, connectionStatus, roomOf, follow }
