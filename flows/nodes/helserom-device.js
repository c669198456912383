// helserom device: one device's (or every device's) health or readings as messages. Health can
// be limited to changes of state (ok, degraded, down, unknown), which is what alerts want.
module.exports = function (RED) {
  'use strict'
  const { HEALTH, connectionStatus, follow, roomOf } = require('./lib/status')
  const { isSlug, topics } = require('./lib/topics')

  function formatValues (values, units) {
    return Object.entries(values).slice(0, 3)
      .map(([name, value]) => `${name} ${value === null ? '–' : value}${units && units[name] ? ` ${units[name]}` : ''}`)
      .join(' · ')
  }

  function HelseromDeviceNode (config) {
    RED.nodes.createNode(this, config)
    const node = this
    const device = (config.device || '').trim() // empty: every device of the room
    const what = config.what === 'readings' ? 'readings' : 'health'
    const onlyChanges = config.onlyChanges !== false
    if (device !== '' && !isSlug(device)) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad device id' })
      node.error(`device "${device}" is not a device id (e.g. cam-1)`)
      return
    }
    const room = roomOf(RED, node, config.room)
    if (room === null) return
    const link = room.link
    const wanted = (id) => device === '' || id === device
    const lastState = new Map()
    let started = false
    let lastReading = null
    const release = what === 'readings' ? link.useReadings() : () => {}

    function show () {
      if (link.state !== 'connected') return node.status(connectionStatus(link.state))
      if (what === 'readings') {
        return node.status(lastReading === null ? connectionStatus('connected') : { fill: 'green', shape: 'dot', text: formatValues(lastReading.values, lastReading.units) })
      }
      const seen = [...link.devices].filter(([id]) => wanted(id))
      if (seen.length === 0) return node.status({ fill: 'grey', shape: 'ring', text: device || 'no devices yet' })
      if (device !== '') {
        const health = seen[0][1]
        return node.status({ fill: HEALTH[health.state], shape: 'dot', text: `${health.name || device}: ${health.state}` })
      }
      const bad = seen.filter(([, h]) => h.state !== 'ok').length
      node.status({ fill: bad === 0 ? 'green' : 'yellow', shape: 'dot', text: `${seen.length} devices, ${bad} not ok` })
    }

    function onHealth (id, health) {
      if (!started || !wanted(id) || what !== 'health') return
      const previous = lastState.has(id) ? lastState.get(id) : null
      lastState.set(id, health.state)
      if (!onlyChanges || previous !== health.state) {
        node.send({
          topic: topics.health(room.room, id),
          payload: health,
          device: id,
          name: health.name || id,
          kind: health.kind,
          state: health.state,
          previousState: previous,
          room: room.room,
          roomName: room.roomName
        })
      }
      show()
    }

    function onReading (id, reading) {
      if (!started || !wanted(id) || what !== 'readings') return
      lastReading = reading
      node.send({ topic: topics.readings(room.room, id), payload: reading, device: id, room: room.room })
      show()
    }

    const unfollow = follow(RED, room, {
      start: () => {
        started = true
        for (const [id, health] of link.devices) onHealth(id, health)
        show()
      },
      onState: show
    })
    link.on('health', onHealth)
    link.on('reading', onReading)

    node.on('close', function (done) {
      unfollow()
      link.off('health', onHealth)
      link.off('reading', onReading)
      release()
      done()
    })
  }

  RED.nodes.registerType('helserom device', HelseromDeviceNode)
}
