// Fault: a room's credentials used to squat on another room's MQTT client id. Gateways connect as
// `gateway-<room>` (gateway/gateway.ts), so the id of every room is known; the hub refuses a second
// identity on a client id in use — which must not let one room keep another room's gateway out.
// Found by this test (bench/README.md, "Found by the fault suite"); cloud/auth/mqtt-auth.ts now
// reserves `gateway-<room>` for that room's gateway.
import t from 'tap'
import mqtt from 'mqtt'
import { sleep, waitFor } from '../helpers/index.js'
import { HubUnderTest, OTHER_ROOM, ROOM, startRoomGateway } from './fault-rig.js'


t.test('another room\'s credentials holding gateway-<room> do not keep that room\'s gateway out', async (t) => {
  const hub = new HubUnderTest(t)
  const hubInstance = await hub.start()
  // Refusing the squatter outright is one right answer; letting the room's gateway in anyway another.
  const squatter = await mqtt.connectAsync(hub.mqttUrl, { username: OTHER_ROOM, password: hub.passwords[OTHER_ROOM], clientId: `gateway-${ROOM}`, protocolVersion: 4, reconnectPeriod: 0 })
    .then((client) => { t.teardown(async () => { await client.endAsync(true) }); return `connected as gateway-${ROOM}` }, (err: Error) => `refused (${err.message})`)
  const gateway = await startRoomGateway(t, hub, [{ id: 'load-1', kind: 'bench-load', ratePerSecond: 5 }])
  const connected = await waitFor('the room\'s gateway connected', () => gateway.uplinkConnected, { timeoutMs: 5000 }).then(() => true, () => false)
  await sleep(500)
  t.comment(`injected: ${OTHER_ROOM}'s valid credentials logging in as client id gateway-${ROOM} before ${ROOM}'s gateway started: ${squatter}`)
  t.comment(`result: ${ROOM}'s gateway ${connected ? 'connected' : `could not connect (last error: ${gateway.uplink.lastError ?? '?'})`}; the hub shows ${ROOM} ${hubInstance.fleet.get(ROOM)?.online === true ? 'online' : 'offline'}; lost: nothing (readings wait in the spool: ${gateway.spool.pending})`)
  t.ok(connected, 'the room\'s own gateway gets in')
})
