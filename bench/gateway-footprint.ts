// Gateway footprint: memory (RSS) and CPU of a room's gateway with six simulated devices — an ONVIF
// PTZ camera, a Jodapro RTSP stream, a HoloLens 2, a pulse oximeter on a serial pty, a Nonin oximeter
// behind a serial device server, and the box itself (a simulated Raspberry Pi) — connected to a hub,
// with its network monitor probing the hub every 5 s; beside an empty Node-RED (no flows) started
// in the same run. Both run compiled JavaScript in a process of their own and are sampled over the
// same window. The simulators and the hub run elsewhere and are not counted.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { startHoloLensSimulator } from '../drivers/hololens/simulator.js'
import { startHostSimulator } from '../drivers/host/simulator.js'
import { startOnvifCameraSimulator } from '../drivers/onvif-camera/simulator.js'
import { startSerialSensorSimulator } from '../drivers/serial-sensor/index.js'
import { startVideoStreamSimulator } from '../drivers/video-stream/simulator.js'
import { projectFile } from '../protocol/project-files.js'
import { freePort, tempDir, waitFor } from '../test/helpers/index.js'
import { socatPtyPair } from '../test/helpers/servers.js'
import type { GatewayProcessInput, GatewayProcessReady, GatewayProcessStatus } from './processes/gateway-process.js'
import { benchRoomConfig, startBenchHub } from './lib/bench-hub.js'
import { startChild } from './lib/children.js'
import { withCleanup } from './lib/cleanup.js'
import { measureUsage } from './lib/proc-stats.js'
import type { BenchResult } from './lib/report.js'
import { sleep } from './lib/wait.js'

export interface FootprintOptions {
  warmupMs?: number
  windowMs?: number
  log?: (line: string) => void
}

export async function gatewayFootprint (options: FootprintOptions = {}): Promise<BenchResult> {
  const warmupMs = options.warmupMs ?? 10_000
  const windowMs = options.windowMs ?? 20_000
  return await withCleanup(async (cleanup) => {
    const room = 'bench-1'
    const hub = await startBenchHub(cleanup, { rooms: [room], probeEcho: true })
    const stop = async (s: { stop: () => Promise<void> }): Promise<void> => { cleanup.teardown(async () => await s.stop()) }
    const camera = await startOnvifCameraSimulator({}); await stop(camera)
    const jodapro = await startVideoStreamSimulator({ stream: 'rtsp' }); await stop(jodapro)
    const hololens = await startHoloLensSimulator({ batteryPct: 84 }); await stop(hololens)
    const pty = await socatPtyPair(cleanup)
    const oximeter = await startSerialSensorSimulator({ ttyPath: pty.simulatorPath, devicePath: pty.devicePath, protocol: 'masimo-ascii' }); await stop(oximeter)
    const nonin = await startSerialSensorSimulator({ tcpPort: 0, protocol: 'nonin-ascii' }); await stop(nonin)
    const box = await startHostSimulator({ platform: 'raspberry-pi' }); await stop(box)
    const devices = [
      { id: 'cam-1', name: 'Kamera', kind: 'onvif-camera', ...camera.deviceConfig },
      { id: 'jodapro-1', name: 'Jodapro', kind: 'video-stream', ...jodapro.deviceConfig },
      { id: 'hololens-1', name: 'HoloLens', kind: 'hololens', ...hololens.deviceConfig },
      { id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig },
      { id: 'spo2-2', name: 'Pulsoksymeter 2', kind: 'serial-sensor', ...nonin.deviceConfig },
      { id: 'box', name: 'Boksen', kind: 'host', ...box.deviceConfig }
    ]

    const gatewayStart = performance.now()
    const gateway = await startChild<GatewayProcessReady>(cleanup, 'gateway-process', {
      config: benchRoomConfig(cleanup, { url: hub.child.ready.urls.mqtt, http: hub.child.ready.urls.http, password: hub.passwords[room]! }, room, {
        devices,
        profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['cam-1', 'jodapro-1'] } },
        network: { enabled: true },
        check: { enabled: true }
      })
    } satisfies GatewayProcessInput, { mode: 'bundle' })
    const gatewayReadyMs = performance.now() - gatewayStart

    // Node-RED as its CLI starts it, with a fresh user folder: no flows, no extra nodes.
    const userDir = tempDir(cleanup, 'helserom-node-red-')
    const port = await freePort()
    const redStart = performance.now()
    const red = spawn(process.execPath, [projectFile('node_modules', 'node-red', 'red.js'), '--userDir', userDir, '--port', String(port), '--no-telemetry', join(userDir, 'flows.json')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let redOutput = ''
    red.stdout.on('data', (c: Buffer) => { redOutput = (redOutput + c.toString()).slice(-5000) })
    red.stderr.on('data', (c: Buffer) => { redOutput = (redOutput + c.toString()).slice(-5000) })
    cleanup.teardown(async () => {
      if (red.exitCode !== null) return
      const exited = new Promise((resolve) => red.once('exit', resolve))
      red.kill('SIGTERM')
      await exited
    })
    await waitFor('Node-RED to answer', async () => {
      if (red.exitCode !== null) throw new Error(`Node-RED exited: ${redOutput}`)
      const res = await fetch(`http://127.0.0.1:${port}/flows`).catch(() => null)
      return res?.ok === true
    }, { timeoutMs: 60_000, intervalMs: 100 })
    const redReadyMs = performance.now() - redStart

    const gatewayStatus = async (): Promise<GatewayProcessStatus> => await gateway.request<GatewayProcessStatus>('status')
    await waitFor('the gateway connected, its devices reporting', async () => {
      const s = await gatewayStatus()
      return s.uplinkConnected && Object.values(s.devices).every((d) => d !== 'unknown')
    }, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => {}) // measured either way; the states are reported below

    await sleep(warmupMs)
    const g = measureUsage([gateway.pid])
    const r = measureUsage([red.pid!])
    await sleep(windowMs)
    const gw = g.stop()
    const nr = r.stop()
    const status = await gatewayStatus()
    options.log?.(`  gateway: ${gw.rssMaxMiB.toFixed(0)} MiB, ${gw.cpuPct.toFixed(2)} % CPU; devices ${JSON.stringify(status.devices)}, readiness ${status.readiness}, uplink ${status.uplinkConnected} · Node-RED: ${nr.rssMaxMiB.toFixed(0)} MiB, ${nr.cpuPct.toFixed(2)} % CPU`)
    return {
      name: 'gateway-footprint',
      title: 'Gateway footprint: a room\'s gateway with six simulated devices vs an empty Node-RED',
      ours: 'gateway, 6 devices',
      peer: 'Node-RED 4, no flows',
      rows: [
        { figure: 'RSS, mean over the window', unit: 'MiB', ours: gw.rssMeanMiB, peer: nr.rssMeanMiB, better: 'lower' },
        { figure: 'RSS, highest', unit: 'MiB', ours: gw.rssMaxMiB, peer: nr.rssMaxMiB, better: 'lower' },
        // The kernel counts CPU in 10 ms ticks: over the window, less than one tick is below this.
        { figure: 'CPU, mean over the window', unit: '% of a core', ours: gw.cpuPct, peer: nr.cpuPct > 0 ? nr.cpuPct : `< ${(1 / windowMs * 1000).toFixed(2)}`, better: 'lower' },
        { figure: 'start to ready', unit: 'ms', ours: gatewayReadyMs, peer: redReadyMs, better: 'lower' }
      ],
      notes: [
        `${warmupMs / 1000} s after both were up, sampled every 0.5 s for ${windowMs / 1000} s; both as plain JavaScript (the gateway bundled with esbuild, as production runs compiled code)`,
        `the gateway's devices: ${Object.entries(status.devices).map(([d, s]) => `${d} ${s}`).join(', ')}; readiness ${status.readiness ?? '?'}; network monitor and pre-session check on; uplink to a hub in another process`,
        'the gateway works the whole time (polls the camera, probes the streams, reads two sensors at 1 Hz, spools and publishes); Node-RED idles'
      ],
      data: { gateway: gw, nodeRed: nr, gatewayReadyMs, redReadyMs, status }
    }
  })
}
