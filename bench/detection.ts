// Detection: how long until the hub knows.
//   device silent → readiness red at the hub: a pulse oximeter the consultation needs stops sending
//   (1 line a second on its serial pty); timed to the moment a WebSocket client of the hub sees the
//   room turn red, three times. Its peer is the design's bound: the silence window (3 × the sensor's
//   1 s interval) plus one readiness tick (1 s).
//   serial cable back → readings at the hub: the oximeter's pty pair torn down (a USB adapter pulled)
//   and, once the hub shows the device down, created again; timed from the return to the first
//   reading at the WebSocket client. Its peer is the 3 s the issue promises, not a measurement.
//   gateway dies → the hub knows: a gateway process killed with kill -9 (its socket closes), and one
//   frozen with SIGSTOP (its socket stays open: only MQTT keepalive, 15 s, can tell), each against
//   the hub on its embedded aedes and the same hub on Mosquitto, at the same moment.
import { join } from 'node:path'
import { startSerialSensorSimulator } from '../drivers/serial-sensor/index.js'
import { writeMosquittoAuthFiles } from '../cli/fleet-sim/rooms.js'
import { socatPtyPair, startMosquitto } from '../test/helpers/servers.js'
import { tempDir } from '../test/helpers/index.js'
import type { GatewayProcessInput, GatewayProcessReady } from './processes/gateway-process.js'
import { benchRoomConfig, startBenchHub, type BenchHub } from './lib/bench-hub.js'
import { startChild, type ChildHandle } from './lib/children.js'
import { withCleanup, type Cleanup } from './lib/cleanup.js'
import { LiveClient, type LiveReading, type RoomEvent } from './lib/live-client.js'
import type { BenchResult } from './lib/report.js'
import { percentile } from './lib/stats.js'
import { sleep } from './lib/wait.js'
import { chmodSync } from 'node:fs'
import { randomBytes } from 'node:crypto'

export interface DetectionOptions {
  trials?: number
  log?: (line: string) => void
}

/** What the issue promises staff: readings again within 3 s of the cable coming back. */
const CABLE_TARGET_MS = 3000

const nowMs = (): number => performance.timeOrigin + performance.now()

/** Room events of a hub as they arrive, and a way to wait for the next one that matches. */
type Waiter<E> = Array<{ match: (e: E) => boolean, resolve: (at: number) => void }>

/** Room events and readings of a hub as they arrive, and a way to wait for the next one that matches. */
class RoomWatch {
  private readonly roomWaiters: Waiter<RoomEvent> = []
  private readonly readingWaiters: Waiter<LiveReading> = []
  readonly client: LiveClient
  constructor (url: string, token: string, rooms: string[]) {
    this.client = new LiveClient({
      url, token, rooms,
      onRoom: (e) => RoomWatch.settle(this.roomWaiters, e, e.at),
      onReading: (r) => RoomWatch.settle(this.readingWaiters, r, r.at)
    })
  }

  private static settle<E> (waiters: Waiter<E>, event: E, at: number): void {
    for (const w of [...waiters]) if (w.match(event)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(at) }
  }

  private static wait<E> (waiters: Waiter<E>, what: string, match: (e: E) => boolean, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs)
      waiters.push({ match, resolve: (at) => { clearTimeout(timer); resolve(at) } })
    })
  }

  async next (what: string, match: (e: RoomEvent) => boolean, timeoutMs: number): Promise<number> {
    return await RoomWatch.wait(this.roomWaiters, what, match, timeoutMs)
  }

  async nextReading (what: string, match: (r: LiveReading) => boolean, timeoutMs: number): Promise<number> {
    return await RoomWatch.wait(this.readingWaiters, what, match, timeoutMs)
  }
}

async function watch (cleanup: Cleanup, hub: BenchHub, rooms: string[]): Promise<RoomWatch> {
  const w = new RoomWatch(hub.child.ready.urls.ws, hub.itToken, rooms)
  await w.client.connect()
  cleanup.teardown(async () => await w.client.close())
  return w
}

export async function detection (options: DetectionOptions = {}): Promise<BenchResult> {
  const trials = options.trials ?? 3
  return await withCleanup(async (cleanup) => {
    const log = options.log ?? (() => {})
    // Hub on aedes; the same hub on Mosquitto for the death figures.
    const hub = await startBenchHub(cleanup, { rooms: ['bench-1', 'bench-2'], probeEcho: true })
    const mqHub = { username: 'hub-bench', password: randomBytes(12).toString('base64url') }
    const authDir = tempDir(cleanup, 'helserom-bench-mq-')
    chmodSync(authDir, 0o755)
    const b2Password = randomBytes(12).toString('base64url')
    const files = writeMosquittoAuthFiles(authDir, [{ room: 'bench-2', name: 'Benk 2', username: 'bench-2', password: b2Password, sensors: 1 }], mqHub)
    const mosquitto = await startMosquitto(cleanup, files)
    const hubOnMosquitto = await startBenchHub(cleanup, { rooms: ['bench-2'], broker: { mode: 'external', url: mosquitto.url, ...mqHub }, passwords: { 'bench-2': b2Password } })

    // 1. A required sensor goes silent.
    const ptyDir = tempDir(cleanup, 'helserom-bench-pty-')
    let pty = await socatPtyPair(cleanup, ptyDir)
    const oximeter = await startSerialSensorSimulator({ ttyPath: pty.simulatorPath, devicePath: pty.devicePath, protocol: 'masimo-ascii' })
    cleanup.teardown(async () => await oximeter.stop())
    const watch1 = await watch(cleanup, hub, ['bench-1'])
    const greenSeen = watch1.next('green', (e) => e.state.readiness?.level === 'green', 60_000)
    await startChild<GatewayProcessReady>(cleanup, 'gateway-process', {
      config: benchRoomConfig(cleanup, { url: hub.child.ready.urls.mqtt, http: hub.child.ready.urls.http, password: hub.passwords['bench-1']! }, 'bench-1', {
        devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig }],
        profiles: { standard: { label: { nb: 'Standard', en: 'Standard' }, requires: ['spo2-1'] } },
        network: { enabled: true },
        readiness: { recoverAfterMs: 2000 }
      })
    } satisfies GatewayProcessInput, { mode: 'bundle' })
    await greenSeen
    const silentMs: number[] = []
    for (let i = 0; i < trials; i++) {
      await sleep(1500)
      const red = watch1.next('red', (e) => e.state.readiness?.level === 'red', 30_000)
      await oximeter.setScenario('pause')
      const t0 = nowMs()
      silentMs.push(await red - t0)
      const green = watch1.next('green', (e) => e.state.readiness?.level === 'green', 30_000)
      await oximeter.setScenario('normal')
      await green
    }
    log(`  device silent → red at the hub: ${silentMs.map((m) => Math.round(m)).join(', ')} ms`)

    // 1b. Its cable is pulled and plugged back.
    const cableBackMs: number[] = []
    for (let i = 0; i < trials; i++) {
      await sleep(1500)
      const down = watch1.next('device down', (e) => e.state.devices?.['spo2-1']?.state === 'down', 30_000)
      await pty.stop()
      await down
      const reading = watch1.nextReading('a reading after the cable is back', (r) => r.device === 'spo2-1', 30_000)
      const t0 = nowMs()
      pty = await socatPtyPair(cleanup, ptyDir)
      cableBackMs.push(await reading - t0)
      await watch1.next('green', (e) => e.state.readiness?.level === 'green', 30_000)
    }
    log(`  serial cable back → first reading at the hub: ${cableBackMs.map((m) => Math.round(m)).join(', ')} ms`)

    // 2. The gateway dies: one at each hub, killed at the same moment.
    const gatewayAt = async (target: { url: string, password: string }): Promise<ChildHandle<GatewayProcessReady>> => await startChild<GatewayProcessReady>(cleanup, 'gateway-process', {
      config: { ...benchRoomConfig(cleanup, target, 'bench-2', { devices: [{ id: 'load-1', name: 'Last', kind: 'bench-load', ratePerSecond: 1 }] }), dataDir: join(tempDir(cleanup, 'helserom-bench-gw-'), 'data') }
    } satisfies GatewayProcessInput, { mode: 'bundle' })
    const watchA = await watch(cleanup, hub, ['bench-2'])
    const watchM = await watch(cleanup, hubOnMosquitto, ['bench-2'])
    const deaths: Record<'kill' | 'stop', { aedes: number, mosquitto: number }> = { kill: { aedes: 0, mosquitto: 0 }, stop: { aedes: 0, mosquitto: 0 } }
    for (const how of ['kill', 'stop'] as const) {
      const onlineA = watchA.next('online', (e) => e.state.online, 30_000)
      const onlineM = watchM.next('online', (e) => e.state.online, 30_000)
      const a = await gatewayAt({ url: hub.child.ready.urls.mqtt, password: hub.passwords['bench-2']! })
      const m = await gatewayAt({ url: mosquitto.url, password: b2Password })
      await Promise.all([onlineA, onlineM])
      await sleep(2000)
      const offA = watchA.next('offline', (e) => !e.state.online, 60_000)
      const offM = watchM.next('offline', (e) => !e.state.online, 60_000)
      const t0 = nowMs()
      if (how === 'kill') {
        a.child.kill('SIGKILL')
        m.child.kill('SIGKILL')
      } else {
        a.child.kill('SIGSTOP')
        m.child.kill('SIGSTOP')
      }
      const [atA, atM] = await Promise.all([offA, offM])
      deaths[how] = { aedes: atA - t0, mosquitto: atM - t0 }
      // A stopped process still holds its slot: kill it for good (SIGKILL works on a stopped process).
      a.child.kill('SIGKILL')
      m.child.kill('SIGKILL')
      await Promise.all([a.exited, m.exited])
      log(`  gateway ${how === 'kill' ? 'killed (kill -9)' : 'frozen (SIGSTOP)'} → offline at the hub: aedes ${Math.round(deaths[how].aedes)} ms, Mosquitto ${Math.round(deaths[how].mosquitto)} ms`)
    }

    const bound = 3 * 1000 + 1000
    return {
      name: 'detection',
      title: 'Detection: from a fault to the hub showing it (at a WebSocket client)',
      ours: 'hub on embedded aedes',
      peer: 'design bound or target / same hub on Mosquitto',
      rows: [
        { figure: `device silent → readiness red, median of ${trials} (peer: design bound)`, unit: 'ms', ours: percentile(silentMs, 50), peer: bound, better: 'lower' },
        { figure: `device silent → readiness red, worst of ${trials}`, unit: 'ms', ours: Math.max(...silentMs), peer: bound, better: 'lower' },
        { figure: `serial cable back → first reading at the hub, median of ${trials} (peer: the 3 s target)`, unit: 'ms', ours: percentile(cableBackMs, 50), peer: CABLE_TARGET_MS, better: 'lower' },
        { figure: `serial cable back → first reading at the hub, worst of ${trials}`, unit: 'ms', ours: Math.max(...cableBackMs), peer: CABLE_TARGET_MS, better: 'lower' },
        { figure: 'gateway killed (kill -9) → offline at the hub', unit: 'ms', ours: deaths.kill.aedes, peer: deaths.kill.mosquitto, better: 'lower' },
        { figure: 'gateway frozen (SIGSTOP, socket open) → offline', unit: 'ms', ours: deaths.stop.aedes, peer: deaths.stop.mosquitto, better: 'lower' }
      ],
      notes: [
        'cable: the pty pair torn down (as a USB serial adapter vanishes) and created again at the same path once the hub shows the device down; the gateway looks for the port every 250 ms while it is gone; the peer is the target, not a measurement',
        'silent: a Masimo-format oximeter at 1 line/s on a pty stops writing (port left open); the gateway marks it down after 3 silent intervals and readiness turns red at its next tick; the peer of that row is that bound, not a measurement',
        'kill -9: the kernel closes the socket, the broker publishes the Last Will at once; SIGSTOP: nothing is closed, the broker waits 1.5 × the 15 s keepalive before the Last Will',
        'the gateway\'s uplink keepalive is 15 s (gateway/uplink.ts); a shorter one finds a frozen or cut-off gateway sooner at the cost of a ping per interval'
      ],
      data: { silentMs, cableBackMs, cableTargetMs: CABLE_TARGET_MS, deaths, bound }
    }
  })
}
