'use strict'
// The wire contract's topics for these nodes. The contract lives in protocol/topics.ts; Node-RED
// loads plain CommonJS, so the few topics used are repeated here, and
// test/node-red/node-lib.test.ts checks they match the contract's.

const ROOT = 'helserom/v1'
const SLUG = /^[a-z0-9-]{1,64}$/
const COMMAND_NAME = /^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/

function isSlug (value) {
  return typeof value === 'string' && SLUG.test(value)
}

function isCommandName (value) {
  return typeof value === 'string' && value.length <= 64 && COMMAND_NAME.test(value)
}

function slug (value, what) {
  if (!isSlug(value)) throw new TypeError(`${what} "${value}" is not a slug ([a-z0-9-], 1–64 characters)`)
  return value
}

function commandName (value) {
  if (!isCommandName(value)) throw new TypeError(`command name "${value}" is not valid (e.g. ptz.gotoPreset)`)
  return value
}

const room = (r) => `${ROOT}/${slug(r, 'room')}`

const topics = {
  readiness: (r) => `${room(r)}/readiness`,
  health: (r, device) => `${room(r)}/devices/${slug(device, 'device')}/health`,
  readings: (r, device) => `${room(r)}/devices/${slug(device, 'device')}/readings`,
  command: (r, name) => `${room(r)}/cmd/${commandName(name)}`,
  commandResult: (r, name) => `${room(r)}/cmd/${commandName(name)}/result`,
  /** Subscription filters: every device's health or readings, every command's result. */
  allHealth: (r) => `${room(r)}/devices/+/health`,
  allReadings: (r) => `${room(r)}/devices/+/readings`,
  allResults: (r) => `${room(r)}/cmd/+/result`
}

/** What a topic of this room is: { kind: 'readiness' } or { kind: 'health'|'readings'|'result', device|name }, or null. */
function parseRoomTopic (r, topic) {
  const prefix = `${room(r)}/`
  if (!topic.startsWith(prefix)) return null
  const parts = topic.slice(prefix.length).split('/')
  if (parts.length === 1 && parts[0] === 'readiness') return { kind: 'readiness' }
  if (parts.length === 3 && parts[0] === 'devices' && isSlug(parts[1]) && (parts[2] === 'health' || parts[2] === 'readings')) {
    return { kind: parts[2], device: parts[1] }
  }
  if (parts.length === 3 && parts[0] === 'cmd' && isCommandName(parts[1]) && parts[2] === 'result') return { kind: 'result', name: parts[1] }
  return null
}

module.exports = { ROOT, topics, parseRoomTopic, isSlug, isCommandName }
