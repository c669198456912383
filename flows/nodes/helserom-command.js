// helserom command: sends a command to the room's gateway for each message (camera to a preset,
// move, stop, snapshot, run the pre-session check, or any command named in msg.command) and
// passes the message on with the result. A refused or failed command is an error that a catch
// node sees, with msg.reason saying why in Norwegian and English.
module.exports = function (RED) {
  'use strict'
  const { connectionStatus, follow, roomOf } = require('./lib/status')
  const { isCommandName, isSlug } = require('./lib/topics')

  const CAMERA_COMMANDS = ['ptz.gotoPreset', 'ptz.move', 'ptz.stop', 'snapshot']
  const COMMANDS = [...CAMERA_COMMANDS, 'check.run', 'msg']

  const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
  const numberOr = (text, fallback) => (text === '' || text === undefined || text === null) ? fallback : Number(text)

  function HelseromCommandNode (config) {
    RED.nodes.createNode(this, config)
    const node = this
    const command = COMMANDS.includes(config.command) ? config.command : 'ptz.gotoPreset'
    const timeoutMs = Math.max(1, Number(config.timeout) || 20) * 1000
    const room = roomOf(RED, node, config.room)
    if (room === null) return
    const link = room.link
    let closed = false
    let busy = 0

    /** The command, device and arguments for one message; throws saying what is missing. */
    function requestFor (msg) {
      const name = command === 'msg' ? msg.command : command
      if (!isCommandName(name)) throw new Error(`no command to send: msg.command is ${JSON.stringify(msg.command)} (e.g. ptz.gotoPreset)`)
      let device = (config.device || '').trim() || msg.device || undefined
      if (device === undefined && CAMERA_COMMANDS.includes(name)) device = room.camera() || undefined
      if (device === undefined && CAMERA_COMMANDS.includes(name)) throw new Error('which camera? The room has none or several: set Device on the node, or msg.device')
      if (device !== undefined && !isSlug(device)) throw new Error(`device "${device}" is not a device id`)
      const payload = isObject(msg.payload) ? msg.payload : {}
      let args
      switch (name) {
        case 'ptz.gotoPreset': {
          const preset = (config.preset || '').trim() || msg.preset
          if (typeof preset !== 'string' || preset === '') throw new Error('no preset: set Preset on the node, or msg.preset (e.g. patient)')
          args = { preset }
          break
        }
        case 'ptz.move':
          args = {
            pan: numberOr(config.pan, payload.pan ?? 0),
            tilt: numberOr(config.tilt, payload.tilt ?? 0),
            zoom: numberOr(config.zoom, payload.zoom ?? 0),
            ...(payload.timeoutMs !== undefined ? { timeoutMs: payload.timeoutMs } : {})
          }
          break
        case 'snapshot':
          args = { includeImage: config.includeImage === true }
          break
        default:
          args = isObject(msg.args) ? msg.args : {}
      }
      return { name, device: CAMERA_COMMANDS.includes(name) || command === 'msg' ? device : undefined, args }
    }

    function show (state) {
      if (busy === 0) node.status(connectionStatus(state === undefined ? link.state : state))
    }

    node.on('input', function (msg, send, done) {
      let request
      try {
        request = requestFor(msg)
      } catch (err) {
        node.status({ fill: 'red', shape: 'ring', text: err.message.slice(0, 40) })
        done(err)
        return
      }
      const label = request.name === 'ptz.gotoPreset' ? `preset ${request.args.preset}` : request.name
      busy++
      node.status({ fill: 'blue', shape: 'dot', text: `${label} …` })
      link.request(request.name, { device: request.device, args: request.args }, timeoutMs).then((result) => {
        busy--
        if (closed) return done()
        msg.result = result
        if (!result.ok) {
          msg.reason = result.error || null
          const why = (result.error && result.error.message && result.error.message.en) || `${request.name} failed`
          node.status({ fill: 'red', shape: 'ring', text: `${label}: ${why}`.slice(0, 60) })
          return done(new Error(`${request.name}: ${why}`))
        }
        msg.payload = result.result === undefined ? null : result.result
        node.status({ fill: 'green', shape: 'dot', text: `${label} ✓` })
        send(msg)
        done()
      }, (err) => {
        busy--
        if (closed) return done()
        node.status({ fill: 'red', shape: 'ring', text: `${label}: ${err.message}`.slice(0, 60) })
        done(err)
      })
    })

    const unfollow = follow(RED, room, { start: () => {}, onState: show })

    node.on('close', function (done) {
      closed = true
      unfollow()
      done()
    })
  }

  RED.nodes.registerType('helserom command', HelseromCommandNode)
}
