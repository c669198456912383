// Sensor to browser: a serial line written on a pseudo-terminal (as a pulse oximeter writes it on
// its cable) until its value arrives at a WebSocket client of the hub — through the gateway's
// serial driver, spool, uplink, the hub's broker, ingest and live relay — beside a bare MQTT path in
// the same run: a line written to `mosquitto_pub -l` until `mosquitto_sub` prints it, through a
// Mosquitto broker. Both at QoS 1, interleaved, so both see the same machine at the same moments.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { SerialPort } from 'serialport'
import { socatPtyPair, startMosquitto } from '../test/helpers/servers.js'
import type { GatewayProcessInput, GatewayProcessReady } from './processes/gateway-process.js'
import { startBenchHub, benchRoomConfig } from './lib/bench-hub.js'
import { startChild } from './lib/children.js'
import { withCleanup } from './lib/cleanup.js'
import { LiveClient } from './lib/live-client.js'
import type { BenchResult } from './lib/report.js'
import { summarise } from './lib/stats.js'
import { sleep } from './lib/wait.js'

export interface SensorToBrowserOptions {
  /** Lines per second on each path (default 20). */
  rate?: number
  /** How long to measure (default 25 s). */
  durationMs?: number
  log?: (line: string) => void
}

const nowMs = (): number => performance.timeOrigin + performance.now()

export async function sensorToBrowser (options: SensorToBrowserOptions = {}): Promise<BenchResult> {
  const rate = options.rate ?? 20
  const durationMs = options.durationMs ?? 25_000
  return await withCleanup(async (cleanup) => {
    const room = 'bench-1'
    const hub = await startBenchHub(cleanup, { rooms: [room] })
    const pty = await socatPtyPair(cleanup)
    await startChild<GatewayProcessReady>(cleanup, 'gateway-process', {
      config: benchRoomConfig(cleanup, { url: hub.child.ready.urls.mqtt, password: hub.passwords[room]! }, room, {
        devices: [{
          id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', path: pty.devicePath, protocol: 'kv-line',
          fieldMap: { MARK: { name: 'mark', unit: '1' }, SPO2: { name: 'spo2', unit: '%' } },
          expectedIntervalMs: Math.max(100, Math.round(1000 / rate))
        }]
      })
    } satisfies GatewayProcessInput, { mode: 'bundle' })

    // Ours: the WebSocket client of the hub.
    const writtenAt = new Map<number, number>()
    const ours: number[] = []
    const live = new LiveClient({
      url: hub.child.ready.urls.ws,
      token: hub.itToken,
      rooms: [room],
      onReading: (r) => {
        const mark = r.reading.values.mark
        const at = typeof mark === 'number' ? writtenAt.get(mark) : undefined
        if (at !== undefined) { ours.push(r.at - at); writtenAt.delete(mark as number) }
      }
    })
    await live.connect()
    cleanup.teardown(async () => await live.close())
    const port = new SerialPort({ path: pty.simulatorPath, baudRate: 9600, autoOpen: false })
    port.on('error', () => {})
    await new Promise<void>((resolve, reject) => port.open((err) => err === null ? resolve() : reject(err)))
    cleanup.teardown(async () => await new Promise<void>((resolve) => port.close(() => resolve())))

    // Peer: mosquitto_pub -l → Mosquitto → mosquitto_sub.
    const broker = await startMosquitto(cleanup)
    const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'bench/line', '-q', '1'], { stdio: ['ignore', 'pipe', 'inherit'] })
    cleanup.teardown(() => { sub.kill() })
    const pub = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'bench/line', '-q', '1', '-l'], { stdio: ['pipe', 'ignore', 'inherit'] })
    cleanup.teardown(() => { pub.stdin?.end(); pub.kill() })
    const sentAt = new Map<number, number>()
    const peer: number[] = []
    createInterface({ input: sub.stdout! }).on('line', (line) => {
      const at = nowMs()
      const n = Number(line)
      const t0 = sentAt.get(n)
      if (t0 !== undefined) { peer.push(at - t0); sentAt.delete(n) }
    })
    await sleep(1000) // both subscribers in place

    // Warm-up lines are not counted: the first ones meet cold caches on both paths.
    let mark = 0
    const total = Math.round(durationMs * rate / 1000)
    const warmup = Math.round(rate * 2)
    const tickMs = 1000 / rate
    const started = performance.now()
    for (let i = 0; i < warmup + total; i++) {
      mark++
      const counted = i >= warmup
      const t = nowMs()
      if (counted) writtenAt.set(mark, t)
      port.write(`MARK=${mark} SPO2=${95 + (mark % 4)}\r\n`)
      if (counted) sentAt.set(mark, nowMs())
      if (!pub.stdin!.write(`${mark}\n`)) await once(pub.stdin!, 'drain')
      const next = started + (i + 1) * tickMs
      await sleep(Math.max(0, next - performance.now()))
    }
    await sleep(2000)
    const o = summarise(ours)
    const p = summarise(peer)
    const lostOurs = total - o.n
    const lostPeer = total - p.n
    options.log?.(`  ours: ${o.n}/${total} arrived, p50 ${o.p50.toFixed(2)} ms, p99 ${o.p99.toFixed(2)} ms · peer: ${p.n}/${total}, p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms`)
    return {
      name: 'sensor-to-browser',
      title: 'Sensor to browser: a line on a pty → the value at a hub WebSocket client',
      ours: 'pty → gateway → hub → WebSocket',
      peer: 'mosquitto_pub -l → Mosquitto → mosquitto_sub',
      rows: [
        { figure: 'latency p50', unit: 'ms', ours: o.p50, peer: p.p50, better: 'lower' },
        { figure: 'latency p99', unit: 'ms', ours: o.p99, peer: p.p99, better: 'lower' },
        { figure: 'latency max', unit: 'ms', ours: o.max, peer: p.max, better: 'lower' },
        { figure: 'lines lost', unit: 'lines', ours: `${lostOurs} of ${total}`, peer: `${lostPeer} of ${total}` }
      ],
      notes: [
        `${total} lines at ${rate}/s on each path, interleaved (after ${warmup} uncounted warm-up lines); QoS 1 on both; the gateway and the hub each in a process of their own`,
        'ours includes the serial driver\'s parsing, the write to the on-disk spool before sending, the hub\'s validation, de-duplication and fleet update, and the WebSocket relay'
      ],
      data: { ours, peer }
    }
  })
}
