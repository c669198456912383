// helserom readiness: the room's readiness (green/amber/red, the reasons, the next consultation)
// as messages. Emits on every change, only when the level changes, or when a consultation starts
// and ends.
module.exports = function (RED) {
  'use strict'
  const { ConsultationWatch, minutesUntil } = require('./lib/consultation-watch')
  const { LEVEL, connectionStatus, follow, roomOf } = require('./lib/status')
  const { topics } = require('./lib/topics')

  /** What makes two readiness messages the same for "every change" (not their timestamps). */
  function sameness (readiness) {
    const { ts, since, ...rest } = readiness
    return JSON.stringify(rest)
  }

  function HelseromReadinessNode (config) {
    RED.nodes.createNode(this, config)
    const node = this
    const emitOn = ['change', 'level', 'consultation'].includes(config.emitOn) ? config.emitOn : 'change'
    const room = roomOf(RED, node, config.room)
    if (room === null) return
    const link = room.link
    const watch = new ConsultationWatch()
    let started = false
    let lastKey = null
    let lastLevel = null
    let ticker = null

    function about (now) {
      return { room: room.room, roomName: room.roomName, timezone: room.timezone, ts: now }
    }

    function show () {
      const readiness = link.readiness
      if (link.state !== 'connected' || readiness === null) return node.status(connectionStatus(link.state))
      const level = LEVEL[readiness.level]
      const text = emitOn === 'consultation' && watch.running !== null ? `${level.text} · consultation running` : level.text
      node.status({ fill: level.fill, shape: level.shape, text })
    }

    function sendEvent ({ event, session }, now) {
      node.send({
        topic: `consultation/${event}`,
        event,
        payload: session,
        profile: session.profile,
        preset: room.profilePreset(session.profile),
        readiness: link.readiness,
        ...about(now)
      })
    }

    function onReadiness (readiness) {
      if (!started) return
      const now = Date.now()
      if (emitOn === 'consultation') {
        for (const event of watch.update(readiness.session, now)) sendEvent(event, now)
      } else {
        const previousLevel = lastLevel
        lastLevel = readiness.level
        const key = emitOn === 'level' ? readiness.level : sameness(readiness)
        if (key !== lastKey) {
          lastKey = key
          const session = readiness.session || null
          node.send({
            topic: topics.readiness(room.room),
            payload: readiness,
            level: readiness.level,
            previousLevel,
            profile: readiness.profile,
            preset: room.profilePreset(readiness.profile),
            session,
            minutesToSession: session ? minutesUntil(session, now) : null,
            ...about(now)
          })
        }
      }
      show()
    }

    const unfollow = follow(RED, room, {
      start: () => {
        started = true
        if (link.readiness !== null) onReadiness(link.readiness)
        if (emitOn === 'consultation') {
          // Nothing is published at the minute a consultation starts or ends: look every second.
          ticker = setInterval(() => {
            const now = Date.now()
            for (const event of watch.tick(now)) sendEvent(event, now)
            show()
          }, 1000)
        }
      },
      onState: show
    })
    link.on('readiness', onReadiness)

    node.on('close', function (done) {
      if (ticker !== null) clearInterval(ticker)
      unfollow()
      link.off('readiness', onReadiness)
      done()
    })
  }

  RED.nodes.registerType('helserom readiness', HelseromReadinessNode)
}
