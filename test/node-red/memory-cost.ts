// What Node-RED costs in memory: two gateways for the same room config, side by side in one run,
// one without Node-RED and one with it (the example flows, an editor user), each in a process of
// its own, against the same simulated camera and pulse oximeter. Prints the resident set (RSS)
// and V8 heap of each once they have settled, and again after someone has opened the editor.
// A measurement, not a test: `node --import=tsx test/node-red/memory-cost.ts [--settle S]`.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startOnvifCameraSimulator } from '../../drivers/onvif-camera/simulator.js'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import { exampleFlowFiles } from '../../gateway/node-red/index.js'
import { hashPassword } from '../../protocol/credentials.js'
import { editorLogin } from './helpers.js'

const settleS = Number(process.argv[process.argv.indexOf('--settle') + 1]) || 20
const fixture = fileURLToPath(new URL('./fixtures/room-process.ts', import.meta.url))
const MB = 1024 * 1024

interface Sample { rss: number, heapUsed: number }

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

function startRoom (room: Record<string, unknown>): { samples: Sample[], started: Promise<Record<string, any>>, stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['--import=tsx', fixture, '--then', 'hold'], {
    env: { ...process.env, HELSEROM_TEST_ROOM: JSON.stringify(room) },
    stdio: ['pipe', 'pipe', 'inherit']
  })
  const samples: Sample[] = []
  const started = new Promise<Record<string, any>>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, any>
      if (event.event === 'started') resolve(event)
      if (event.event === 'memory') samples.push({ rss: event.rss, heapUsed: event.heapUsed })
    })
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return { samples, started, stop: async () => { child.stdin.end(); await exited } }
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

const camera = await startOnvifCameraSimulator()
const oximeter = await startSerialSensorSimulator({ tcpPort: 0, protocol: 'masimo-ascii' })
const dirs: string[] = []
const room = (nodeRed: Record<string, unknown>): Record<string, unknown> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'helserom-memory-'))
  dirs.push(dataDir)
  return {
    room: 'rodoy-1', name: 'Helserom Rødøy', site: 'Rødøy kommune', dataDir,
    hub: { url: 'mqtt://127.0.0.1:9' },
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0, adminToken: 'local-admin-token-for-memory' },
    devices: [
      { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...camera.deviceConfig },
      { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig }
    ],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1', 'spo2-1'], preset: 'patient' } },
    nodeRed
  }
}

const without = startRoom(room({ enabled: false }))
const withNodeRed = startRoom(room({
  enabled: true, port: 0, flows: exampleFlowFiles(), env: { HELSEROM_WEBHOOK_URL: 'http://127.0.0.1:9/hook' },
  users: [{ username: 'kommune-it', passwordHash: await hashPassword('memory test') }]
}))
const [, started] = await Promise.all([without.started, withNodeRed.started])
process.stderr.write(`both started; settling ${settleS} s …\n`)
await sleep(settleS * 1000)
const idle = { without: without.samples.slice(-10), with: withNodeRed.samples.slice(-10) }

// Someone opens the editor: it logs in, loads the page, the palette's node definitions and the flows.
const editor = started.urls['Node-RED editor'] as string
const { token } = await editorLogin(editor, 'kommune-it', 'memory test')
const auth = { authorization: `Bearer ${token ?? ''}` }
await (await fetch(editor)).text()
await (await fetch(new URL('nodes', editor), { headers: { ...auth, accept: 'text/html' } })).text()
await (await fetch(new URL('flows', editor), { headers: { ...auth, accept: 'application/json' } })).text()
await sleep(settleS * 1000)
const opened = { without: without.samples.slice(-10), with: withNodeRed.samples.slice(-10) }

await Promise.all([without.stop(), withNodeRed.stop()])
await camera.stop()
await oximeter.stop()
for (const dir of dirs) rmSync(dir, { recursive: true, force: true })

const row = (label: string, a: Sample[], b: Sample[]): string => {
  const rssA = median(a.map((s) => s.rss)) / MB
  const rssB = median(b.map((s) => s.rss)) / MB
  const heapA = median(a.map((s) => s.heapUsed)) / MB
  const heapB = median(b.map((s) => s.heapUsed)) / MB
  return `${label.padEnd(26)} ${rssA.toFixed(0).padStart(6)} ${rssB.toFixed(0).padStart(6)} ${(rssB - rssA).toFixed(0).padStart(6)}   ` +
    `${heapA.toFixed(0).padStart(5)} ${heapB.toFixed(0).padStart(5)} ${(heapB - heapA).toFixed(0).padStart(5)}`
}
console.log(`Node ${process.version}, ${process.arch}; medians of the last 10 one-second samples, MiB`)
console.log(`${''.padEnd(26)} ${'RSS without'.padStart(6)} with  cost   heap without with cost`)
console.log(row(`idle (after ${settleS} s)`, idle.without, idle.with))
console.log(row('after the editor opened', opened.without, opened.with))
