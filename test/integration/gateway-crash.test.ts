// Store-and-forward across a crash: the hub goes away, readings keep coming, the gateway process
// is killed with SIGKILL and started again, then the hub returns. Every reading of both runs
// (boots) arrives, each once, in order per run, the spooled ones marked historical.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { Hub } from '../../cloud/hub.js'
import type { ReadingEvent } from '../../cloud/ingest.js'
import { startSerialSensorSimulator } from '../../drivers/serial-sensor/simulator.js'
import { projectFile } from '../../protocol/project-files.js'
import { freePort, sleep, tempDir, testLogger, waitFor } from '../helpers/index.js'
import { passwords, testConfig } from '../cloud/hub-fixtures.js'

t.test('readings survive kill -9 of the gateway during a hub outage', async (t) => {
  const mqttPort = await freePort()
  const hubConfig = await testConfig(t, { mqtt: { host: '127.0.0.1', port: mqttPort } })
  const readings: ReadingEvent[] = []
  const atSecondHub: ReadingEvent[] = []
  let hubs = 0
  const startHub = async (): Promise<Hub> => {
    const hub = new Hub(hubConfig, { logger: testLogger() })
    const instance = ++hubs
    t.teardown(async () => await hub.stop())
    hub.ingest.on('reading', (e) => { readings.push(e); if (instance === 2) atSecondHub.push(e) })
    await hub.start()
    return hub
  }
  let hub = await startHub()
  const oximeter = await startSerialSensorSimulator({ tcpPort: 0, intervalMs: 100 })
  t.teardown(async () => await oximeter.stop())

  const dir = tempDir(t, 'helserom-crash-')
  const configFile = join(dir, 'room.yaml')
  writeFileSync(configFile, stringify({
    room: 'rodoy-1', name: 'Helserom Rødøy', site: 'Rødøy kommune',
    hub: { url: `mqtt://127.0.0.1:${mqttPort}`, username: 'rodoy-1', password: '${HELSEROM_HUB_PASSWORD}' },
    local: { host: '127.0.0.1', mqttPort: 0, httpPort: 0 },
    dataDir: join(dir, 'data'),
    devices: [{ id: 'spo2-1', name: 'Pulsoksymeter', kind: 'serial-sensor', ...oximeter.deviceConfig, expectedIntervalMs: 100 }],
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1'] } }
  }))
  const children: ChildProcess[] = []
  t.teardown(() => { for (const c of children) c.kill('SIGKILL') })
  const startGatewayProcess = (): ChildProcess => {
    const child = spawn(process.execPath, [projectFile('bin', 'helserom.js'), 'gateway', '--config', configFile], {
      env: { ...process.env, HELSEROM_HUB_PASSWORD: passwords['rodoy-1'], HELSEROM_LOG_LEVEL: 'warn' },
      stdio: 'ignore'
    })
    children.push(child)
    return child
  }

  const first = startGatewayProcess()
  await waitFor('live readings from the first run', () => readings.length >= 20, { timeoutMs: 30_000 })
  const firstBoot = readings[0]!.reading.boot
  const seenBeforeOutage = readings.length

  await hub.stop()
  await sleep(3000) // spooling to disk
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  t.comment('the gateway was killed with SIGKILL while the hub was down')

  startGatewayProcess()
  await sleep(3000) // the second run spools too, behind what the first left
  hub = await startHub()

  await waitFor('readings of the second run after the replay', () => readings.some((e) => e.reading.boot !== firstBoot && e.reading.seq >= 30), { timeoutMs: 40_000 })
  const byBoot = new Map<string, number[]>()
  for (const e of readings) byBoot.set(e.reading.boot, [...(byBoot.get(e.reading.boot) ?? []), e.reading.seq])
  t.equal(byBoot.size, 2, 'readings of two runs (boots)')
  for (const [boot, seqs] of byBoot) {
    t.equal(new Set(seqs).size, seqs.length, `run ${boot}: no reading twice`)
    t.same(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), `run ${boot}: no gap, in order`)
  }
  const firstRun = byBoot.get(firstBoot) ?? []
  t.ok(firstRun.length >= seenBeforeOutage + 20, `the first run's spooled readings arrived after its death (${firstRun.length - seenBeforeOutage} of them)`)
  // Everything the dead first run left in the spool reached the hub only after the outage.
  const replayedFirstRun = atSecondHub.filter((e) => e.reading.boot === firstBoot)
  t.ok(replayedFirstRun.length > 0 && replayedFirstRun.every((e) => e.historical), `the first run's replayed readings are all marked historical (${replayedFirstRun.length})`)
  const historical = readings.filter((e) => e.historical).length
  t.comment(`first run: ${firstRun.length} readings (${seenBeforeOutage} live before the outage); second run so far: ${readings.length - firstRun.length}; historical: ${historical}`)
})
