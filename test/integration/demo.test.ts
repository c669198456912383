// `helserom demo` (what `npm start` runs), as a newcomer would run it: it prints URLs and a token,
// /api/rooms shows the three pilot rooms with readiness within 15 s, every room's retained
// readiness and status are there for any MQTT client on the hub port, and Ctrl-C stops it cleanly.
// `demo --node-red` adds Node-RED in Rødøy behind a login, with a course profile for the course flow
// and a local webhook receiver whose messages land in the demo log.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
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
  for (const room of ['rodoy-1', 'donna-1', 'bronnoysund-1']) t.match(output, new RegExp(`light at the hub\\s+http://127\\.0\\.0\\.1:\\d+/light/${room}\\?token=`), `the hub's remote view of ${room}'s light`)
  t.notMatch(output, /Node-RED|Webhook/, 'no Node-RED unless asked for')

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

t.test('demo --node-red: the editor behind a login, a webhook receiver writing to the log, and a clean stop', async (t) => {
  const data = tempDir(t, 'helserom-demo-node-red-')
  // the demo's own receiver, not one the environment may name
  const { HELSEROM_WEBHOOK_URL: _ignored, ...inherited } = process.env
  const env = { ...inherited, HELSEROM_LOG_LEVEL: 'info' }
  const child = spawn(process.execPath, [projectFile('bin', 'helserom.js'), 'demo', '--free-ports', '--node-red', '--data', data], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { child.kill('SIGKILL') })

  await waitFor('the demo to print its URLs', () => output.includes('Ctrl-C stops everything'), { timeoutMs: 90_000 })
  const editor = /Node-RED editor\s+(http:\/\/\S+)/.exec(output)?.[1]
  const hook = /Webhook \(stands in for Teams\)\s+(http:\/\/\S+)/.exec(output)?.[1]
  const logFile = /Log: (\S+)/.exec(output)?.[1]
  const api = /rooms API\s+(http:\/\/\S+)\/api\/rooms/.exec(output)?.[1]
  const token = /IT\s+(\S{40,})/.exec(output)?.[1]
  t.ok(editor !== undefined && hook !== undefined && logFile !== undefined, 'it prints the editor, the webhook and the log', { output })
  t.match(output, /Node-RED\s+kommune-it \/ \S+/, 'and the editor login')

  const login = await (await fetch(new URL('auth/login', editor))).json() as { type?: string }
  t.equal(login.type, 'credentials', 'the editor asks for a user name and password')
  t.equal((await fetch(new URL('flows', editor))).status, 401, 'and shows no flows without them')

  // what a flow sends to the webhook shows in the demo log
  const posted = await fetch(hook!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', summary: 'Prøvemelding fra testen', helserom: { alert: 'test', room: 'rodoy-1' } }) })
  t.equal(posted.status, 202)
  const line = await waitFor('the message in the demo log', () => readFileSync(logFile!, 'utf8').split('\n').find((l) => l.includes('Prøvemelding fra testen')), { timeoutMs: 10_000 })
  t.match(JSON.parse(line), { part: 'webhook', msg: 'webhook message: Prøvemelding fra testen', message: { alert: 'test', room: 'rodoy-1' } })
  t.equal((await fetch(hook!, { method: 'POST', body: 'not json' })).status, 400, 'a body that is not JSON is refused')

  // the course flow has a course to act on: Rødøy's next consultation is one
  const rodoy = await waitFor('Rødøy\'s readiness', async () => {
    const res = await fetch(`${api!}/api/rooms/rodoy-1`, { headers: { authorization: `Bearer ${token!}` } })
    const body = await res.json() as { readiness: { profile: string | null, session: { id: string } | null, reasons: Array<{ code: string }> } | null }
    return body.readiness?.session !== null && body.readiness?.session !== undefined ? body.readiness : undefined
  }, { timeoutMs: 15_000 })
  t.match(rodoy, { profile: 'lms-kurs', session: { id: 'rodoy-kurs' } }, 'the course is the room\'s next consultation')
  t.notOk(rodoy.reasons.some((r) => r.code === 'profile.unknown'), 'and its profile is one the room knows')

  child.kill('SIGINT')
  t.equal(await exited, 0, 'Ctrl-C stops everything, Node-RED included, with exit code 0')
})
