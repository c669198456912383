// External broker mode with access control: the acl_file `helserom mosquitto-acl` writes from the
// hub config, loaded into the real Debian Mosquitto (allow_anonymous false, a password_file made
// with mosquitto_passwd -b), keeps each room's gateway inside its own room as the embedded broker's
// hooks do, and the hub with its own account still works through it.
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MqttClient } from 'mqtt'
import t from 'tap'
import { hashToken } from '../../cloud/auth/passwords.js'
import { mosquittoAccounts, mosquittoAcl } from '../../cloud/broker/mosquitto-acl.js'
import { readHubConfig } from '../../cloud/config.js'
import type { CommandResultEvent } from '../../cloud/ingest.js'
import { tempDir, waitFor, type Teardown } from '../helpers/index.js'
import { startMosquitto, type Mosquitto } from '../helpers/servers.js'
import { connectClient, connectGateway, getJson, healthMsg, passwords, publishJson, readingMsg, readinessMsg, startTestHub, statusMsg, subscribeGranted, testConfig, tokens } from './hub-fixtures.js'

const HUB_ACCOUNT = { username: 'helserom-hub', password: 'hub-broker-password-0123' }
const HELSEROM = join(dirname(fileURLToPath(import.meta.url)), '../../bin/helserom.js')

/** The block of lines after `user NAME` in an ACL text, up to the next blank line. */
function userBlock (acl: string, username: string): string[] {
  const lines = acl.split('\n')
  const start = lines.indexOf(`user ${username}`)
  if (start < 0) return []
  const end = lines.indexOf('', start)
  return lines.slice(start + 1, end < 0 ? undefined : end)
}

t.test('the ACL text: each gateway only in its own room, the hub what it publishes, users without readings', async (t) => {
  const config = await testConfig(t, { broker: { mode: 'external', url: 'mqtt://127.0.0.1:1883', ...HUB_ACCOUNT } })
  const acl = mosquittoAcl(config)
  const firstUser = acl.split('\n').findIndex((l) => l.startsWith('user '))
  t.same(acl.split('\n').slice(0, firstUser).filter((l) => l !== '' && !l.startsWith('#')), [], 'no rule for anonymous clients')
  t.notMatch(acl, /^pattern /m, 'no pattern lines: they would apply to every account, the hub\'s and users\' too')

  t.same(userBlock(acl, 'rodoy-1').sort(), [
    'topic write helserom/v1/rodoy-1/status',
    'topic write helserom/v1/rodoy-1/readiness',
    'topic write helserom/v1/rodoy-1/network',
    'topic write helserom/v1/rodoy-1/check',
    'topic write helserom/v1/rodoy-1/devices/+/health',
    'topic write helserom/v1/rodoy-1/devices/+/readings',
    'topic write helserom/v1/rodoy-1/cmd/+/result',
    'topic read helserom/v1/rodoy-1/schedule',
    'topic read helserom/v1/rodoy-1/support',
    'topic read helserom/v1/rodoy-1/cmd/+'
  ].sort(), 'the gateway of rodoy-1 (user name = room)')
  t.ok(userBlock(acl, 'donna-gw').every((l) => l.includes('helserom/v1/donna-1/')), 'the gateway of donna-1 under its own user name, only in donna-1')
  t.same(userBlock(acl, HUB_ACCOUNT.username).sort(), [
    'topic read helserom/v1/#',
    'topic write helserom/v1/+/schedule',
    'topic write helserom/v1/+/support',
    'topic write helserom/v1/+/cmd/+'
  ].sort(), 'the hub reads everything and writes only what gateways may not')
  t.same(userBlock(acl, 'sykepleier-1').sort(), ['topic read helserom/v1/rodoy-1/readiness', 'topic read helserom/v1/rodoy-1/status'], 'staff: readiness and status of their rooms')
  t.ok(userBlock(acl, 'it-vakt').every((l) => l.startsWith('topic read helserom/v1/+/')), 'it: every room, read only')
  for (const user of ['it-vakt', 'spesialist-1', 'sykepleier-1', 'spesialist-2']) {
    const block = userBlock(acl, user)
    t.ok(block.length > 0, `${user} has a block`)
    t.notOk(block.some((l) => l.includes('readings')), `${user} gets no readings over MQTT`)
  }
})

t.test('hub configs the ACL cannot serve are refused with the entry that is wrong', async (t) => {
  const config = await testConfig(t, { broker: { mode: 'external', url: 'mqtt://127.0.0.1:1883' } })
  t.throws(() => mosquittoAcl(config), /broker\.username is not set/)
  t.throws(() => mosquittoAcl({ ...config, broker: { username: 'rodoy-1' } }), /"rodoy-1" is used twice/)
  t.throws(() => mosquittoAcl({ ...config, broker: HUB_ACCOUNT, gateways: [{ room: 'rodoy-1', username: 'rodoy 1' }] }), /gateways\[0\].*"rodoy 1"/)
  t.same(mosquittoAccounts({ ...config, broker: HUB_ACCOUNT }).map((a) => `${a.kind}:${a.username}`).slice(0, 3), ['hub:helserom-hub', 'gateway:rodoy-1', 'gateway:donna-gw'])
})

/** Mosquitto with the generated ACL and a password file made with mosquitto_passwd -b. */
async function mosquittoWithAcl (t: Teardown, acl: string, accounts: Record<string, string>): Promise<Mosquitto> {
  const dir = tempDir(t, 'helserom-mosquitto-acl-')
  chmodSync(dir, 0o755) // Mosquitto started as root reads these as the `mosquitto` user
  const aclFile = join(dir, 'acl')
  const passwordFile = join(dir, 'passwords')
  writeFileSync(aclFile, acl, { mode: 0o644 })
  Object.entries(accounts).forEach(([username, password], i) => {
    const made = spawnSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwordFile, username, password], { encoding: 'utf8' })
    if (made.status !== 0) throw new Error(`mosquitto_passwd failed for ${username}: ${made.stderr}`)
  })
  chmodSync(passwordFile, 0o644)
  return await startMosquitto(t, { passwordFile, aclFile })
}

/** Collects what a client receives, in order. */
function received (client: MqttClient): Array<{ topic: string, payload: string }> {
  const got: Array<{ topic: string, payload: string }> = []
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }))
  return got
}

t.test('on Mosquitto with the generated ACL', async (t) => {
  const base = await testConfig(t)
  const mosquitto = await mosquittoWithAcl(t, mosquittoAcl({ ...base, broker: HUB_ACCOUNT }), {
    [HUB_ACCOUNT.username]: HUB_ACCOUNT.password,
    'rodoy-1': passwords['rodoy-1'],
    'donna-gw': passwords['donna-1'],
    'spesialist-1': tokens.specialist,
    'sykepleier-1': tokens.staff
  })

  await t.test('anonymous and wrong passwords are refused', async (t) => {
    await t.rejects(connectClient(t, mosquitto.url), /Not authorized/i, 'no user name')
    await t.rejects(connectClient(t, mosquitto.url, { username: 'rodoy-1', password: passwords['donna-1'] }), /Bad username or password|Not authorized/i, 'another room\'s password')
  })

  await t.test('a gateway publishing for another room reaches nobody; its own room does', async (t) => {
    const watcher = await connectClient(t, mosquitto.url, { ...HUB_ACCOUNT, clientId: 'acl-watcher' })
    const seen = received(watcher)
    t.same(await subscribeGranted(watcher, ['helserom/v1/#']), [1])
    const rodoy = await connectGateway(t, mosquitto.url, 'rodoy-1')
    const donna = await connectGateway(t, mosquitto.url, 'donna-1')

    // MQTT 3.1.1 has no way to refuse a publish but closing; Mosquitto acknowledges and drops it.
    await publishJson(rodoy, 'helserom/v1/donna-1/readiness', readinessMsg('green'), true)
    await publishJson(rodoy, 'helserom/v1/donna-1/devices/spo2-1/readings', readingMsg(0))
    await publishJson(rodoy, 'helserom/v1/rodoy-1/schedule', [], true) // the hub's topic
    await publishJson(rodoy, 'helserom/v1/rodoy-1/cmd/check.run', { id: 'x', ts: Date.now() })
    await publishJson(rodoy, 'helserom/v1/rodoy-1/readiness', readinessMsg('amber'))
    await publishJson(donna, 'helserom/v1/donna-1/readiness', readinessMsg('red'), true)
    // One connection's messages arrive in order: once both rooms' own messages are in, a forged
    // one would have been before them.
    await waitFor('both rooms\' own readiness', () => seen.some((m) => m.topic === 'helserom/v1/rodoy-1/readiness') && seen.some((m) => m.topic === 'helserom/v1/donna-1/readiness'))
    t.same(seen.map((m) => m.topic).sort(), ['helserom/v1/donna-1/readiness', 'helserom/v1/rodoy-1/readiness'], 'only each gateway\'s own room')
    t.match(seen.find((m) => m.topic === 'helserom/v1/donna-1/readiness')?.payload, /"level":"red"/, 'donna-1 readiness is donna-1\'s own, not the forged green')


    // Mosquitto 2.0 grants every subscription (SUBACK without 0x80, unlike the hooks) and applies
    // the read rules to what it delivers, retained messages included.
    const atRodoy = received(rodoy)
    await subscribeGranted(rodoy, ['helserom/v1/donna-1/cmd/+', 'helserom/v1/donna-1/schedule', 'helserom/v1/#', 'helserom/v1/rodoy-1/cmd/+'])
    await publishJson(watcher, 'helserom/v1/donna-1/cmd/check.run', { id: 'for-donna', ts: Date.now() })
    await publishJson(watcher, 'helserom/v1/donna-1/schedule', [], true)
    await publishJson(watcher, 'helserom/v1/rodoy-1/cmd/check.run', { id: 'for-rodoy', ts: Date.now() })
    await waitFor('rodoy-1\'s own command at its gateway', () => atRodoy.some((m) => m.topic === 'helserom/v1/rodoy-1/cmd/check.run'))
    t.same([...new Set(atRodoy.map((m) => m.topic))], ['helserom/v1/rodoy-1/cmd/check.run'], 'nothing of donna-1, and none of the retained state of either room')
  })

  await t.test('users read what their role allows, never readings, and publish nothing', async (t) => {
    const specialist = await connectClient(t, mosquitto.url, { username: 'spesialist-1', password: tokens.specialist })
    const staff = await connectClient(t, mosquitto.url, { username: 'sykepleier-1', password: tokens.staff })
    const atSpecialist = received(specialist)
    const atStaff = received(staff)
    await subscribeGranted(specialist, ['helserom/v1/#'])
    await subscribeGranted(staff, ['helserom/v1/#'])
    const rodoy = await connectGateway(t, mosquitto.url, 'rodoy-1')
    const donna = await connectGateway(t, mosquitto.url, 'donna-1')
    await publishJson(donna, 'helserom/v1/donna-1/network', { rttMs: 20, jitterMs: 2, lossPct: 0, upMbps: 10, downMbps: 10, ifaceUtilPct: 1, ts: Date.now() })
    await publishJson(specialist, 'helserom/v1/rodoy-1/readiness', readinessMsg('green'))
    await publishJson(rodoy, 'helserom/v1/rodoy-1/devices/spo2-1/readings', readingMsg(0))
    await publishJson(rodoy, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('ok'))
    await publishJson(rodoy, 'helserom/v1/rodoy-1/readiness', readinessMsg('red'))
    const marker = (m: { topic: string, payload: string }): boolean => m.topic === 'helserom/v1/rodoy-1/readiness' && JSON.parse(m.payload).level === 'red'
    await waitFor('the last readiness at both users', () => atSpecialist.some(marker) && atStaff.some(marker))

    const specialistTopics = new Set(atSpecialist.map((m) => m.topic))
    t.ok(specialistTopics.has('helserom/v1/rodoy-1/devices/cam-1/health'), 'the specialist sees device health of their room')
    t.notOk([...specialistTopics].some((topic) => topic.endsWith('/readings')), 'the specialist gets no readings over MQTT')
    t.notOk([...specialistTopics].some((topic) => topic.includes('/donna-1/')), 'nor anything of a room they may not see')
    t.ok([...new Set(atStaff.map((m) => m.topic))].every((topic) => topic === 'helserom/v1/rodoy-1/readiness' || topic === 'helserom/v1/rodoy-1/status'), 'staff: readiness and status of their room only')
    t.notOk([...atSpecialist, ...atStaff].some((m) => m.topic.endsWith('/readiness') && JSON.parse(m.payload).level === 'green'), 'the specialist\'s own publish went nowhere')
  })

  await t.test('the hub in external mode works through it with its own account', async (t) => {
    const config = await testConfig(t, { broker: { mode: 'external', url: mosquitto.url, ...HUB_ACCOUNT } })
    const hub = await startTestHub(t, config)
    await waitFor('the hub connected to mosquitto', () => hub.broker.connected)
    const gw = await connectGateway(t, mosquitto.url, 'rodoy-1')
    await publishJson(gw, 'helserom/v1/rodoy-1/status', statusMsg(true, 'boot-acl'), true)
    await publishJson(gw, 'helserom/v1/rodoy-1/devices/cam-1/health', healthMsg('ok'), true)
    await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('amber'), true)
    const room = await waitFor('rodoy-1 in /api/rooms', async () => {
      const { body } = await getJson(`${hub.urls!.http}/api/rooms/rodoy-1`, tokens.it)
      return body.readiness?.level === 'amber' ? body : undefined
    })
    t.equal(room.boot, 'boot-acl')

    // schedule: written by the hub, read by the gateway
    t.same(await subscribeGranted(gw, ['helserom/v1/rodoy-1/schedule', 'helserom/v1/rodoy-1/cmd/+']), [1, 1])
    const atGateway = received(gw)
    await hub.publishSchedule('rodoy-1', [])
    await waitFor('the schedule at the gateway', () => atGateway.some((m) => m.topic === 'helserom/v1/rodoy-1/schedule'))

    // a command and its result: cmd/{name} from the hub, cmd/{name}/result from the gateway
    const result = new Promise<CommandResultEvent>((resolve) => hub.ingest.on('commandResult', resolve))
    await hub.broker.publish('helserom/v1/rodoy-1/cmd/check.run', JSON.stringify({ id: 'cmd-acl-1', ts: Date.now() }))
    const command = await waitFor('the command at the gateway', () => atGateway.find((m) => m.topic === 'helserom/v1/rodoy-1/cmd/check.run'))
    await publishJson(gw, 'helserom/v1/rodoy-1/cmd/check.run/result', { id: JSON.parse(command.payload).id, ok: true, ts: Date.now() })
    t.match(await result, { room: 'rodoy-1', name: 'check.run', result: { id: 'cmd-acl-1', ok: true } })

    gw.stream.destroy()
    await waitFor('the Last Will through mosquitto', () => hub.fleet.get('rodoy-1')?.online === false, { timeoutMs: 10_000 })
    t.pass('the Will on status reached the hub')
  })
})

t.test('helserom mosquitto-acl: the file and the operator\'s lines make a broker that works', async (t) => {
  const dir = tempDir(t, 'helserom-mosquitto-acl-cli-')
  chmodSync(dir, 0o755) // Mosquitto started as root reads these as the `mosquitto` user
  const hubYaml = join(dir, 'hub.yaml')
  const aclFile = join(dir, 'helserom.acl')
  const passwordFile = join(dir, 'helserom.passwd')
  const secrets: Record<string, string> = { 'helserom-hub': 'hub-secret-0123456789', 'rodoy-1': 'rodoy-secret-0123456789', 'it-vakt': 'it-token-0123456789abcdef' }
  writeFileSync(hubYaml, [
    'broker: { mode: external, url: "mqtt://127.0.0.1:1883", username: helserom-hub, password: "${HELSEROM_BROKER_PASSWORD}" }',
    'gateways:',
    `  - { room: rodoy-1, name: Helserom Rødøy, passwordHash: "${hashToken(secrets['rodoy-1'] as string)}" }`,
    'users:',
    `  - { name: it-vakt, role: it, tokenHash: "${hashToken(secrets['it-vakt'] as string)}" }`,
    ''
  ].join('\n'))
  const env = { ...process.env, HELSEROM_BROKER_PASSWORD: secrets['helserom-hub'] }
  const run = spawnSync(process.execPath, [HELSEROM, 'mosquitto-acl', '--config', hubYaml, '--out', aclFile, '--password-file', passwordFile], { encoding: 'utf8', env })
  t.equal(run.status, 0, run.stderr)
  t.equal(readFileSync(aclFile, 'utf8'), mosquittoAcl(readHubConfig(hubYaml, { env })), 'the file is the ACL of that hub.yaml')
  for (const line of ['allow_anonymous false', `password_file ${passwordFile}`, `acl_file ${aclFile}`]) t.match(run.stdout, `\n   ${line}\n`, `mosquitto.conf: ${line}`)

  // The printed mosquitto_passwd lines, run as printed, with each password typed in.
  const passwd = run.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('mosquitto_passwd ') && !l.includes(' -b '))
  t.same(passwd.map((l) => l.split('#')[0]?.trim().split(' ').at(-1)), ['helserom-hub', 'rodoy-1', 'it-vakt'], 'a line per account, the hub first')
  for (const line of passwd) {
    const username = line.split('#')[0]?.trim().split(' ').at(-1) as string
    const typed = spawnSync('sh', ['-c', line], { input: `${secrets[username]}\n${secrets[username]}\n`, encoding: 'utf8' })
    t.equal(typed.status, 0, `${line}: ${typed.stderr}`)
  }
  // Step 2 of the printed guide gives the broker's group read access; here a test's files are simply world-readable.
  chmodSync(passwordFile, 0o644)
  chmodSync(aclFile, 0o644)
  const mosquitto = await startMosquitto(t, { passwordFile, aclFile })
  const gw = await connectClient(t, mosquitto.url, { username: 'rodoy-1', password: secrets['rodoy-1'] })
  const hub = await connectClient(t, mosquitto.url, { username: 'helserom-hub', password: secrets['helserom-hub'] })
  const atHub = received(hub)
  await subscribeGranted(hub, ['helserom/v1/#'])
  await publishJson(gw, 'helserom/v1/rodoy-1/readiness', readinessMsg('green'))
  await waitFor('the gateway\'s readiness at the hub account', () => atHub.length > 0)
  t.equal(atHub[0]?.topic, 'helserom/v1/rodoy-1/readiness')

  const noHubAccount = join(dir, 'no-account.yaml')
  writeFileSync(noHubAccount, readFileSync(hubYaml, 'utf8').replace(/, username: helserom-hub, password: "[^"]*"/, ''))
  const refused = spawnSync(process.execPath, [HELSEROM, 'mosquitto-acl', '--config', noHubAccount], { encoding: 'utf8', env })
  t.equal(refused.status, 1)
  t.match(refused.stderr, /no-account\.yaml: broker\.username is not set/, 'a hub without its own broker account is told so')
})
