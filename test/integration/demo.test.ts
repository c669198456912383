// `helserom demo` (what `npm start` runs), as a newcomer would run it: it prints URLs and a token,
// /api/rooms shows the three pilot rooms with readiness within 15 s, every room's retained
// readiness and status are there for any MQTT client on the hub port, and Ctrl-C stops it cleanly.
import t from 'tap'
import { spawn } from 'node:child_process'
import mqtt from 'mqtt'
import { projectFile } from '../../protocol/project-files.js'
import { tempDir, waitFor } from '../helpers/index.js'

t.test('the demo starts a hub and three rooms, and stops on Ctrl-C', async (t) => {
  const data = tempDir(t, 'helserom-demo-test-')
  const child = spawn(process.execPath, [projectFile('bin', 'helserom.js'), 'demo', '--free-ports', '--data', data], {
    env: { ...process.env, HELSEROM_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { child.kill('SIGKILL') })

  const started = Date.now()
  await waitFor('the demo to print its URLs', () => output.includes('Ctrl-C stops everything'), { timeoutMs: 60_000 })
  const api = /rooms API\s+(http:\/\/\S+)\/api\/rooms/.exec(output)?.[1]
  const token = /IT\s+(\S{40,})/.exec(output)?.[1]
  const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(output)?.[1]
  t.ok(api !== undefined && token !== undefined && mqttUrl !== undefined, 'it prints the API, a token and the MQTT port')
  t.match(output, /readiness light\s+http:\/\/127\.0\.0\.1:\d+\/light/)

  const rooms = await waitFor('three rooms with readiness', async () => {
    const res = await fetch(`${api!}/api/rooms`, { headers: { authorization: `Bearer ${token!}` } })
    if (!res.ok) return undefined
    const body = await res.json() as { rooms?: Array<{ room: string, readiness: { level: string } | null }> } | Array<{ room: string, readiness: { level: string } | null }>
    const list = Array.isArray(body) ? body : body.rooms ?? []
    return list.length === 3 && list.every((r) => r.readiness !== null) ? list : undefined
  }, { timeoutMs: 15_000 })
  t.same(rooms.map((r) => r.room).sort(), ['bronnoysund-1', 'donna-1', 'rodoy-1'])
  t.comment(`three rooms with readiness ${Date.now() - started} ms after start: ${rooms.map((r) => `${r.room} ${r.readiness!.level}`).join(', ')}`)

  const client = mqtt.connect(mqttUrl!, { username: 'it-vakt', password: token!, reconnectPeriod: 0 })
  t.teardown(() => { client.end(true) })
  const retained = new Map<string, Record<string, unknown>>()
  client.on('message', (topic, payload, packet) => { if (packet.retain) retained.set(topic, JSON.parse(payload.toString())) })
  await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject) })
  await client.subscribeAsync('helserom/v1/#', { qos: 1 })
  for (const room of ['rodoy-1', 'donna-1', 'bronnoysund-1']) {
    const status = await waitFor(`retained status of ${room}`, () => retained.get(`helserom/v1/${room}/status`))
    t.equal(status.online, true, `${room} online`)
    const readiness = await waitFor(`retained readiness of ${room}`, () => retained.get(`helserom/v1/${room}/readiness`))
    t.match(readiness.level, /^(green|amber|red)$/, `${room} readiness ${String(readiness.level)}`)
  }

  child.kill('SIGINT')
  t.equal(await exited, 0, 'Ctrl-C stops everything with exit code 0')
})
