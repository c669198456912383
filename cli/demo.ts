// `helserom demo` (what `npm start` runs): a hub and the three pilot rooms, each with its
// simulated devices, on loopback, with data in a temporary folder. Prints every URL and the demo
// tokens; Ctrl-C stops everything cleanly. With --node-red, Rødøy runs Node-RED with the example
// flows, and a local webhook receiver stands in for Teams: what the flows send goes to the demo log.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { pino, multistream, destination, type Logger } from 'pino'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Hub } from '../cloud/hub.js'
import { hubConfig } from '../cloud/config.js'
import { Gateway } from '../gateway/gateway.js'
import { roomConfigFromObject } from '../gateway/config.js'
import { generateToken, hashPassword, hashToken } from '../protocol/credentials.js'
import type { RunningSimulator } from '../drivers/contract.js'
import { exampleFlowFiles } from '../gateway/node-red/index.js'
import { demoParties, demoRegister, demoRooms } from './demo-rooms.js'
import { parseOptions, untilStopped } from './options.js'
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js'

/** The preferred port if it is free, else any free one (so a second demo or a busy 8080 still runs). */
async function portNear (preferred: number, anyFree: boolean): Promise<number> {
  const tryPort = async (port: number): Promise<number | null> => await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(null))
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : null))
    })
  })
  if (!anyFree) {
    const wanted = await tryPort(preferred)
    if (wanted !== null) return wanted
  }
  const free = await tryPort(0)
  if (free === null) throw new Error('no free TCP port on 127.0.0.1')
  return free
}

export interface DemoHandle {
  dataDir: string
  logFile: string
  hub: Hub
  gateways: Gateway[]
  tokens: Record<string, string>
  /** With nodeRed: the Teams stand-in the flows post to (unless HELSEROM_WEBHOOK_URL names another). */
  webhook: WebhookReceiver | null
  stop: () => Promise<void>
}

export interface DemoOptions {
  dataDir?: string
  hubHttpPort?: number
  hubMqttPort?: number
  /** Take any free port everywhere (tests, or a second demo beside the first). */
  freePorts?: boolean
  logLevel?: string
  /** Run Node-RED with the example flows in the Rødøy room. */
  nodeRed?: boolean
}

/** Starts the whole demo; used by the command and by the tests. */
export async function startDemo (options: DemoOptions = {}): Promise<DemoHandle> {
  const ownData = options.dataDir === undefined
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'helserom-demo-')))
  mkdirSync(dataDir, { recursive: true })
  // The full log goes to a file; the console shows only errors, so the URLs stay readable.
  const logFile = join(dataDir, 'demo.log')
  const log = pino({ name: 'demo', level: options.logLevel ?? process.env.HELSEROM_LOG_LEVEL ?? 'info' }, multistream([
    { level: 'info', stream: destination({ dest: logFile, sync: false, mkdir: true }) },
    { level: 'error', stream: process.stderr }
  ]))
  const anyFree = options.freePorts ?? false
  const simulators: RunningSimulator[] = []
  const gateways: Gateway[] = []
  let hub: Hub | null = null
  let webhook: WebhookReceiver | null = null

  const stop = async (): Promise<void> => {
    for (const gateway of gateways.splice(0)) await gateway.stop().catch((err) => log.warn({ err }, 'gateway stop failed'))
    for (const simulator of simulators.splice(0)) await simulator.stop().catch((err) => log.warn({ err }, 'simulator stop failed'))
    await hub?.stop().catch((err) => log.warn({ err }, 'hub stop failed'))
    await webhook?.close()
    if (ownData) rmSync(dataDir, { recursive: true, force: true })
  }

  try {
    const tokens = { it: generateToken(), specialist: generateToken(), staff: generateToken(), nodeRed: generateToken() }
    const passwords = Object.fromEntries(demoRooms.map((r) => [r.room, generateToken()]))
    const hubHttp = await portNear(options.hubHttpPort ?? 8080, anyFree)
    const hubMqtt = await portNear(options.hubMqttPort ?? 1883, anyFree)
    hub = new Hub(hubConfig({
      http: { host: '127.0.0.1', port: hubHttp },
      // on loopback, any MQTT client may watch the rooms' status and readiness (not readings)
      mqtt: { host: '127.0.0.1', port: hubMqtt, anonymousState: true },
      dataDir: join(dataDir, 'hub'),
      parties: demoParties,
      gateways: demoRooms.map((r) => ({ room: r.room, name: r.name, site: r.site, passwordHash: hashToken(passwords[r.room]!), register: demoRegister(r, Date.now()) })),
      users: [
        { name: 'it-vakt', role: 'it', tokenHash: hashToken(tokens.it) },
        { name: 'spesialist', role: 'specialist', tokenHash: hashToken(tokens.specialist), rooms: ['*'] },
        { name: 'sykepleier-rodoy', role: 'staff', tokenHash: hashToken(tokens.staff), rooms: ['rodoy-1'] }
      ]
    }), { logger: log.child({ part: 'hub' }), store: 'from-config' })
    const hubUrls = await hub.start()
    const webhookUrl = process.env.HELSEROM_WEBHOOK_URL ?? (options.nodeRed === true ? (webhook = await startDemoWebhook(log, await portNear(9000, anyFree))).url : undefined)

    const now = Date.now()
    for (const [i, room] of demoRooms.entries()) {
      const devices = []
      for (const device of room.devices) {
        const simulator = await device.start()
        simulators.push(simulator)
        devices.push({ id: device.id, name: device.name, kind: device.kind, ...simulator.deviceConfig, ...device.extra })
      }
      const config = roomConfigFromObject(`demo:${room.room}`, {
        room: room.room,
        name: room.name,
        site: room.site,
        hub: { url: hubUrls.mqtt, username: room.room, password: passwords[room.room], http: hubUrls.http },
        local: { host: '127.0.0.1', mqttPort: await portNear(1884 + i, anyFree), httpPort: await portNear(8081 + i, anyFree), adminToken: tokens.it },
        dataDir: join(dataDir, room.room),
        support: { phone: '75 12 34 56' },
        readiness: { recoverAfterMs: 5000 },
        devices,
        defaultProfile: room.defaultProfile,
        profiles: room.profiles,
        ...(options.nodeRed === true && room.room === 'rodoy-1'
          ? {
              nodeRed: {
                enabled: true,
                port: await portNear(1880, anyFree),
                users: [{ username: 'kommune-it', passwordHash: await hashPassword(tokens.nodeRed) }],
                flows: exampleFlowFiles(),
                ...(webhookUrl !== undefined ? { env: { HELSEROM_WEBHOOK_URL: webhookUrl } } : {})
              }
            }
          : {})
      })
      const gateway = new Gateway(config, { log: log.child({ part: 'gateway' }) })
      gateways.push(gateway)
      await gateway.start()
      // The day's consultations come from the hub, as in production (retained `schedule`).
      await hub.publishSchedule(room.room, room.schedule(now))
    }
    return { dataDir, logFile, hub, gateways, tokens, webhook, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The Teams stand-in: every message the flows send becomes one line of the demo log. */
async function startDemoWebhook (log: Logger, port: number): Promise<WebhookReceiver> {
  const hookLog = log.child({ part: 'webhook' })
  return await startWebhookReceiver({
    port,
    onMessage: (body) => {
      const facts = typeof body.helserom === 'object' && body.helserom !== null ? body.helserom as Record<string, unknown> : {}
      hookLog.info({ message: facts, summary: body.summary ?? body.text ?? null }, `webhook message: ${String(body.summary ?? body.text ?? facts.alert ?? 'no summary')}`)
    },
    onRefused: (why) => hookLog.warn({ why }, 'webhook request refused')
  })
}

export async function runDemo (args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    data: { type: 'string' },
    'hub-http': { type: 'string' },
    'hub-mqtt': { type: 'string' },
    'free-ports': { type: 'boolean' },
    'node-red': { type: 'boolean' }
  })
  console.log('Starting the helserom demo: a hub and three rooms with simulated devices …')
  const demo = await startDemo({
    dataDir: values.data,
    hubHttpPort: values['hub-http'] !== undefined ? Number(values['hub-http']) : undefined,
    hubMqttPort: values['hub-mqtt'] !== undefined ? Number(values['hub-mqtt']) : undefined,
    freePorts: values['free-ports'],
    nodeRed: values['node-red']
  })
  const urls = demo.hub.urls!
  const lines = [
    '',
    'Hub (hospital)',
    `  fleet dashboard (IT)   ${urls.http}/?token=${demo.tokens.it}`,
    `  rooms API              ${urls.http}/api/rooms   (Authorization: Bearer <IT token>)`,
    `  API docs               ${urls.docs}`,
    `  metrics                ${urls.metrics}`,
    `  MQTT                   ${urls.mqtt}   (status and readiness for anyone; more: user it-vakt, password = the IT token)`,
    '',
    'Rooms'
  ]
  for (const gateway of demo.gateways) {
    lines.push(`  ${gateway.config.name} (${gateway.room})`)
    lines.push(`    readiness light      ${gateway.urls.light}`)
    lines.push(`    light at the hub     ${urls.http}/light/${gateway.room}?token=${demo.tokens.it}`)
    lines.push(`    consultation console ${urls.http}/consult/${gateway.room}?token=${demo.tokens.specialist}`)
    lines.push(`    local API · MQTT     ${gateway.urls.http}/api/readiness · ${gateway.urls.mqtt}`)
    for (const [name, url] of Object.entries(gateway.extensionUrls())) lines.push(`    ${name.padEnd(20)} ${url}`)
  }
  if (demo.webhook !== null) lines.push('', 'Webhook (stands in for Teams)', `  ${demo.webhook.url}   what the Node-RED flows send goes to the log`)
  lines.push('', `Log: ${demo.logFile}`, '', 'Demo tokens', `  IT            ${demo.tokens.it}`, `  specialist    ${demo.tokens.specialist}`, `  staff (Rødøy) ${demo.tokens.staff}`,
    ...(demo.gateways.some((g) => g.extensionUrls()['Node-RED editor'] !== undefined) ? [`  Node-RED      kommune-it / ${demo.tokens.nodeRed}`] : []), '', 'Ctrl-C stops everything.')
  console.log(lines.join('\n'))
  await untilStopped()
  console.log('Stopping …')
  await demo.stop()
  return 0
}
