// A stopped gateway leaves nothing of Node-RED's running: its process ends by itself, with no
// process.exit(), even after someone logged in to the editor (Node-RED 4.1 would otherwise keep
// a session-expiry timer alive for the session's lifetime). Without editor users, Node-RED runs
// the flows with its editor and admin API off.
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { hashPassword } from '../../protocol/credentials.js'
import { exampleFlowFiles } from '../../gateway/node-red/index.js'
import { tempDir, waitFor } from '../helpers/index.js'
import { adminGet, editorLogin } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/room-process.ts', import.meta.url))

interface RoomProcess {
  child: ChildProcess
  events: Array<Record<string, any>>
  exit: Promise<{ code: number | null, signal: string | null }>
  output: () => string
}

function startRoomProcess (t: Test, room: Record<string, unknown>): RoomProcess {
  const child = spawn(process.execPath, ['--import=tsx', fixture, '--then', 'hold'], {
    env: { ...process.env, HELSEROM_TEST_ROOM: JSON.stringify(room) },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const events: Array<Record<string, any>> = []
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-5000) })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try { events.push(JSON.parse(line)) } catch { stderr += `\n${line}` }
  })
  const exit = new Promise<{ code: number | null, signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { child, events, exit, output: () => stderr }
}

async function roomConfig (t: Test, nodeRed: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    room: 'donna-1',
    name: 'Helserom Dønna',
    site: 'Dønna kommune',
    dataDir: tempDir(t),
    hub: { url: 'mqtt://127.0.0.1:9' }, // nobody there: the gateway keeps trying, as offline rooms do
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: 'local-admin-token-for-tests' },
    profiles: { hud: { label: { nb: 'Hud og sår', en: 'Skin and wounds' }, requires: [] } },
    check: { enabled: false },
    network: { enabled: false },
    nodeRed: { enabled: true, port: 0, flows: exampleFlowFiles(), ...nodeRed }
  }
}

/** Closes its stdin (the fixture's signal to stop) and waits for the process to end by itself. */
async function stopAndExit (t: Test, room: RoomProcess): Promise<void> {
  room.child.stdin?.end()
  const ended = await Promise.race([room.exit, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000).unref())])
  if (ended === null) {
    t.fail(`the process did not exit by itself within 30 s of stopping (events: ${JSON.stringify(room.events.map((e) => e.event))})\n${room.output()}`)
    return
  }
  t.ok(room.events.some((e) => e.event === 'stopped'), 'the gateway stopped')
  t.same(ended, { code: 0, signal: null }, 'and its process ended by itself')
}

t.test('after an editor login, a stopped gateway\'s process still exits by itself', async (t) => {
  const room = startRoomProcess(t, await roomConfig(t, {
    users: [{ username: 'kommune-it', passwordHash: await hashPassword('riktig passord') }]
  }))
  const started = await waitFor('the gateway started', () => room.events.find((e) => e.event === 'started'), { timeoutMs: 60_000 })
  t.same(started.flows, { running: true })
  const editor = started.urls['Node-RED editor'] as string
  const login = await editorLogin(editor, 'kommune-it', 'riktig passord')
  t.ok(login.token, 'logged in to the editor')
  t.equal((await adminGet(editor, 'flows', login.token)).status, 200)
  await stopAndExit(t, room)
})

t.test('without editor users, the flows run and the editor is off', async (t) => {
  const room = startRoomProcess(t, await roomConfig(t, { users: [] }))
  const started = await waitFor('the gateway started', () => room.events.find((e) => e.event === 'started'), { timeoutMs: 60_000 })
  t.same(started.flows, { running: true }, 'the flows run')
  t.same(started.urls, {}, 'no editor URL to show anyone')
  const base = `http://127.0.0.1:${started.nodeRedPort as number}/`
  t.equal((await fetch(base)).status, 404, 'no editor page')
  t.equal((await adminGet(base, 'flows', null)).status, 404, 'no admin API')
  await stopAndExit(t, room)
})
