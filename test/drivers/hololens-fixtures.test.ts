// The HoloLens driver against replies recorded from a real HoloLens (OS 14393, via
// microsoft/WindowsDevicePortalWrapper's mock data): a test-only HTTPS server serves each file of
// test/fixtures/recorded/hololens-device-portal at the path its name spells, and the parsers, the
// DevicePortalClient and the driver must read them as the device meant them — including the
// system perf reply wrapped as {"Reason": "<escaped JSON>"}. Also: replies that are not what a
// HoloLens sends must not crash anything.
import t, { type Test } from 'tap'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { holoLensDriver } from '../../drivers/hololens/index.js'
import { DevicePortalClient } from '../../drivers/hololens/device-portal-client.js'
import { parseCertPin, pinOfDer } from '../../drivers/hololens/cert-pin.js'
import {
  decodeJson, parseBattery, parseDeviceFamily, parseIpConfig, parseMachineName, parseMrcFiles, parseMrcStatus,
  parseOsInfo, parsePowerState, parseSystemPerf, parseThermalStage, primaryAdapter
} from '../../drivers/hololens/replies.js'
import { runDriver } from './driver-contract.js'
import { waitFor } from '../helpers/index.js'

const FIXTURES = new URL('../fixtures/recorded/hololens-device-portal/', import.meta.url)
const SUFFIX = '_HoloLens_rs1_release.dat'
const cert = readFileSync(new URL('../../drivers/hololens/sim-tls/cert.pem', import.meta.url))
const key = readFileSync(new URL('../../drivers/hololens/sim-tls/key.pem', import.meta.url))
const pin = pinOfDer(new X509Certificate(cert).raw)

run()

function fixture (path: string): Buffer {
  return readFileSync(new URL(path.replace(/^\//, '').replace(/\//g, '_') + SUFFIX, FIXTURES))
}

function json (path: string): unknown {
  const decoded = decodeJson(fixture(path))
  if (!decoded.ok) throw new Error(`${path}: ${decoded.error}`)
  return decoded.value
}

interface ReplayServer { url: string, requests: Array<{ path: string, authorized: boolean }>, override: Map<string, string> }

/** Serves /api/a/b as the file api_a_b_HoloLens_rs1_release.dat; `override` replaces a path's body. */
async function replayServer (t: Test): Promise<ReplayServer> {
  const requests: ReplayServer['requests'] = []
  const override = new Map<string, string>()
  const server: Server = createServer({ cert, key }, (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname
    requests.push({ path, authorized: /^Basic /.test(req.headers.authorization ?? '') })
    const body = override.get(path)
    if (body !== undefined) { res.writeHead(200, { 'Content-Type': 'application/json' }).end(body); return }
    try {
      const data = fixture(path)
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': data.length }).end(data)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `https://127.0.0.1:${port}`, requests, override }
}

function run (): void {
  t.test('the parsers read every recorded reply', async (t) => {
    const battery = parseBattery(json('/api/power/battery'))
    t.ok(battery !== null, 'battery parsed')
    t.equal(battery?.acOnline, true, 'on AC power')
    t.equal(battery?.charging, false, 'full battery on the charger is not taking charge')
    t.equal(battery?.remainingCapacity, 14921)
    t.equal(battery?.maximumCapacity, 15079)
    t.equal(Math.round((battery?.pct ?? 0) * 100) / 100, 98.95, 'remaining / maximum capacity')
    t.equal(battery?.estimatedSeconds, null, '0xFFFFFFFF means no estimate')

    t.equal(parseThermalStage(json('/api/holographic/thermal/stage')), 0)
    t.same(parsePowerState(json('/api/power/state')), { lowPowerState: false, lowPowerStateAvailable: true })
    t.same(parseOsInfo(json('/api/os/info')), {
      computerName: 'MyHoloLens',
      language: 'en-us',
      osEdition: 'WindowsHolographic',
      osVersion: '14393.0.x86fre.rs1_release.160715-1616',
      platform: 'HoloLens'
    })
    t.equal(parseMachineName(json('/api/os/machinename')), 'MyHoloLens')
    t.equal(parseDeviceFamily(json('/api/os/devicefamily')), 'Windows.Holographic')

    const adapters = parseIpConfig(json('/api/networking/ipconfig'))
    t.equal(adapters?.length, 2, 'Bluetooth PAN and Wi-Fi')
    t.same(primaryAdapter(adapters ?? [])?.address, '192.168.0.121', 'the Wi-Fi address, not the unconfigured PAN')
    t.equal(primaryAdapter(adapters ?? [])?.adapter.type, 'IEEE 802.11')

    t.same(parseMrcStatus(json('/api/holographic/mrc/status')), { isRecording: false, mrcProcess: 'Running' })
    const files = parseMrcFiles(json('/api/holographic/mrc/files'))
    t.equal(files?.length, 4)
    t.equal(files?.[0]?.fileName, '20160725_150432_HoloLens.mp4')
  })

  t.test('system perf: the wrapped reply and the plain one read alike', async (t) => {
    const wrapped = json('/api/resourcemanager/systemperf') as Record<string, unknown>
    t.type(wrapped.Reason, 'string', 'the recorded REST reply is wrapped')
    const perf = parseSystemPerf(wrapped)
    t.equal(perf?.cpuLoadPct, 20)
    t.equal(perf?.memoryUsedPct, Math.round(((502146 - 275897) / 502146) * 1000) / 10)
    t.equal(perf?.gpuLoadPct, 7.1)
    t.equal(perf?.networkInBytes, 0)
    const plain = parseSystemPerf(json('/WebSocket/api/resourcemanager/systemperf'))
    t.equal(plain?.cpuLoadPct, 47, 'the WebSocket recording is plain JSON')
    t.equal(plain?.networkInBytes, 1000)
  })

  t.test('DevicePortalClient reads the recorded replies over HTTPS with a pinned certificate', async (t) => {
    const server = await replayServer(t)
    const client = new DevicePortalClient({ origin: new URL(server.url), username: 'u', password: 'p', pin: parseCertPin(pin), timeoutMs: 3000 })
    t.equal(Math.round((await client.battery()).pct ?? 0), 99)
    t.equal(await client.thermalStage(), 0)
    t.equal((await client.osInfo()).osVersion, '14393.0.x86fre.rs1_release.160715-1616')
    t.equal(await client.deviceFamily(), 'Windows.Holographic')
    t.equal(await client.machineName(), 'MyHoloLens')
    t.equal((await client.ipConfig()).length, 2)
    t.equal((await client.systemPerf()).cpuLoadPct, 20, 'wrapped system perf unwrapped')
    t.equal((await client.mrcStatus()).mrcProcess, 'Running')
    t.ok(server.requests.every((r) => r.authorized), 'every request carried Basic credentials')
  })

  t.test('the driver turns the recorded replies into health, metrics and device info', async (t) => {
    const server = await replayServer(t)
    const config = { id: 'hololens-1', name: 'HoloLens', kind: 'hololens', url: server.url, username: 'u', password: 'p', certFingerprint: pin, pollIntervalMs: 200, streamCheckIntervalMs: 0 }
    const { sink } = await runDriver(t, holoLensDriver, config)
    const health = await waitFor('health with device info', () => sink.healths.find((h) => h.info !== undefined))
    t.equal(health.state, 'ok', 'a full battery on the charger, normal temperature')
    t.equal(health.reason ?? null, null)
    t.match(health.metrics, {
      reachable: true,
      batteryPct: 99,
      charging: true,
      thermalStage: 0,
      ipAddress: '192.168.0.121',
      cpuLoadPct: 20,
      mrcProcess: 'Running',
      machineName: 'MyHoloLens',
      deviceFamily: 'Windows.Holographic',
      lowPowerState: false
    })
    t.equal(health.metrics?.batteryMinutesLeft, null, 'on the charger: no minutes-left figure')
    t.notOk('streamKbps' in (health.metrics ?? {}), 'streamKbps only when measured')
    t.same(health.info, { vendor: 'Microsoft', model: 'HoloLens', firmware: '14393.0.x86fre.rs1_release.160715-1616', hardware: 'Windows.Holographic' })
  })

  t.test('replies that are not what a HoloLens sends do not crash the driver', async (t) => {
    const server = await replayServer(t)
    server.override.set('/api/holographic/thermal/stage', '{"CurrentStage" : "hot"}')
    server.override.set('/api/resourcemanager/systemperf', '{"Reason" : "{not json"}')
    server.override.set('/api/networking/ipconfig', '[1, 2, 3]')
    const config = { id: 'hololens-1', name: 'HoloLens', kind: 'hololens', url: server.url, username: 'u', password: 'p', certFingerprint: pin, pollIntervalMs: 200, streamCheckIntervalMs: 0 }
    const { sink } = await runDriver(t, holoLensDriver, config)
    const ok = await waitFor('health ok despite odd extras', () => sink.healths.find((h) => h.state === 'ok'))
    t.equal(ok.metrics?.thermalStage, null, 'an unreadable thermal stage is unknown, not 0')
    t.notOk('cpuLoadPct' in (ok.metrics ?? {}))
    t.notOk('ipAddress' in (ok.metrics ?? {}))

    server.override.set('/api/power/battery', '<html>Internal error</html>')
    const bad = await waitFor('degraded on an unreadable battery', () => sink.lastHealth?.state === 'degraded' ? sink.lastHealth : undefined)
    t.equal(bad.reason?.code, 'hololens.bad-reply')
    t.match(bad.reason?.message.en, /\/api\/power\/battery/)
    t.equal(bad.metrics?.batteryPct, null)

    server.override.set('/api/power/battery', '{"Unexpected": true}')
    await waitFor('still degraded on a battery reply of the wrong shape', () => sink.lastHealth?.reason?.code === 'hololens.bad-reply' && sink.healths.length > 3)
    server.override.delete('/api/power/battery')
    await waitFor('ok again once the battery reads', () => sink.lastHealth?.state === 'ok')
    t.same(sink.failures, [], 'nothing reported as a driver failure')
  })
}
