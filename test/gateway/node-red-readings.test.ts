// The local broker gives readings only to a client with a secret. The gateway's own Node-RED gets
// one from the gateway, so a flow that uses readings works in a room with no admin token (where no
// command can be sent). One gateway for the file: Node-RED keeps process-wide state.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { nodeRedOf } from '../../gateway/node-red/index.js'
import { tempDir, waitFor } from '../helpers/index.js'
import { startWebhookReceiver } from '../node-red/helpers.js'
import { roomConfig, startGateway } from './room-fixture.js'
import { scriptedDriver, scriptFor } from './scripted-driver.js'

const webhook = await startWebhookReceiver(t)

// Every reading of the oximeter is posted to a webhook.
const flowFile = join(tempDir(t), 'readings-to-webhook.json')
writeFileSync(flowFile, JSON.stringify([
  { id: 'aa00000000000001', type: 'tab', label: 'Readings', disabled: false, info: '' },
  { id: 'aa00000000000002', type: 'helserom-room', name: 'Dette rommet', broker: '', room: '' },
  { id: 'aa00000000000003', type: 'helserom device', z: 'aa00000000000001', name: 'oximeter', room: 'aa00000000000002', device: 'spo2-1', what: 'readings', x: 100, y: 100, wires: [['aa00000000000004']] },
  { id: 'aa00000000000004', type: 'http request', z: 'aa00000000000001', name: 'post', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: webhook.url, tls: '', persist: false, proxy: '', authType: '', senderr: false, headers: [], x: 300, y: 100, wires: [] }
]))

scriptFor('spo2-1').readingsPerSecond = 5
const gateway = await startGateway(t, roomConfig(t, {
  room: 'rodoy-1',
  hub: { url: 'mqtt://127.0.0.1:1' },
  // No adminToken: nobody in the room may send commands.
  local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0 },
  devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'scripted' }],
  profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1'] } },
  network: { enabled: false },
  check: { enabled: false },
  nodeRed: { enabled: true, port: 0, flows: [flowFile] }
}), { scripted: scriptedDriver })

t.test('a flow inside the gateway gets the readings, without an admin token', async (t) => {
  const nodeRed = nodeRedOf(gateway)
  t.ok(nodeRed !== undefined, 'Node-RED runs')
  const state = await nodeRed!.ready
  t.ok(state.running, state.running ? 'flows run' : state.problem)
  const posted = await waitFor('readings posted by the flow', () => webhook.received.length >= 3 ? webhook.received : undefined, { timeoutMs: 30_000 })
  t.match(posted[0], { values: { value: Number }, boot: gateway.boot }, 'the reading as the gateway published it')
  t.equal(gateway.adminToken, undefined, 'the room has no admin token')
})
