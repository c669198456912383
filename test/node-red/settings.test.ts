// The `nodeRed` config and the Node-RED settings made from it: off by default, the editor login
// checked against scrypt hashes from `helserom hash-password`, no editor at all without users,
// and the node package in flows/ laid out as Node-RED loads it.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { RoomConfig } from '../../gateway/config.js'
import { NodeRedConfig } from '../../gateway/node-red/config.js'
import { editorLogin, nodeRedSettings, userProblems } from '../../gateway/node-red/settings.js'
import { nodeRedOf, nodeRedPackageDir } from '../../gateway/node-red/index.js'
import { hashPassword } from '../../protocol/credentials.js'
import { testLogger } from '../helpers/index.js'
import { roomConfig, startGateway } from '../gateway/room-fixture.js'

const profiles = { hud: { label: { nb: 'Hud', en: 'Skin' }, requires: [] } }
const cheap = { N: 1024, r: 8, p: 1 } // hashing cost does not matter here

t.test('off by default, on port 1880, with no users, flows or variables', async (t) => {
  const room = Value.Default(RoomConfig, { room: 'r1', name: 'R', site: 'S', hub: { url: 'mqtt://h' }, profiles }) as RoomConfig
  t.same(room.nodeRed, { enabled: false, port: 1880, users: [], flows: [], env: {} })
})

t.test('the schema refuses what cannot work', async (t) => {
  const errors = (value: unknown): string[] => [...Value.Errors(NodeRedConfig, Value.Default(NodeRedConfig, value))].map((e) => e.path)
  t.same(errors({ users: [{ username: 'it', passwordHash: 'hunter2' }] }), ['/users/0/passwordHash'], 'a password is not a hash')
  t.same(errors({ env: { 'webhook-url': 'x' } }), ['/env/webhook-url'], 'variable names are NAME_LIKE_THIS')
  t.same(errors({ port: 70000 }).slice(0, 1), ['/port'])
})

t.test('user problems name the config path', async (t) => {
  const good = await hashPassword('x', cheap)
  t.same(userProblems([{ username: 'it', passwordHash: good, permissions: '*' }]), [])
  t.match(userProblems([
    { username: 'it', passwordHash: 'scrypt$not$a$hash', permissions: '*' },
    { username: 'it', passwordHash: good, permissions: 'read' }
  ]), [/^nodeRed\.users\[0\]\.passwordHash: is not a hash from `helserom hash-password`/, /^nodeRed\.users\[1\]\.username: "it" is listed twice/])
})

t.test('the editor login checks scrypt hashes and gives Node-RED\'s permissions', async (t) => {
  const auth = editorLogin([
    { username: 'kommune-it', passwordHash: await hashPassword('riktig', cheap), permissions: '*' },
    { username: 'les', passwordHash: await hashPassword('lese', cheap), permissions: 'read' }
  ]) as { type: string, users: (u: unknown) => Promise<unknown>, authenticate: (u: unknown, p: unknown) => Promise<unknown> }
  t.equal(auth.type, 'credentials')
  t.same(await auth.authenticate('kommune-it', 'riktig'), { username: 'kommune-it', permissions: '*' })
  t.same(await auth.authenticate('les', 'lese'), { username: 'les', permissions: 'read' })
  t.equal(await auth.authenticate('kommune-it', 'feil'), null)
  t.equal(await auth.authenticate('ukjent', 'riktig'), null)
  t.equal(await auth.authenticate({ username: 'kommune-it' }, undefined), null, 'only user name and password')
  t.same(await auth.users('les'), { username: 'les', permissions: 'read' }, 'no hash handed to Node-RED')
  t.equal(await auth.users('ukjent'), null)
  const all = await Promise.all(['riktig', 'feil', 'riktig'].map(async (p) => await auth.authenticate('kommune-it', p)))
  t.same(all.map((u) => u !== null), [true, false, true], 'attempts made at once are each answered')
})

t.test('settings: our node package by folder, editor only with users, nothing phoning home', async (t) => {
  const base = {
    userDir: '/data/node-red', nodesDir: nodeRedPackageDir, title: 'Node-RED · R', log: testLogger(),
    helserom: { room: 'r1', roomName: 'R', timezone: 'Europe/Oslo', mqttUrl: 'mqtt://127.0.0.1:1884', profiles: {}, devices: [] }
  }
  const off = nodeRedSettings({ ...base, users: [] })
  t.equal(off.httpAdminRoot, false, 'no users: no admin API')
  t.equal(off.disableEditor, true, 'and no editor')
  t.notOk('adminAuth' in off)
  const on = nodeRedSettings({ ...base, users: [{ username: 'it', passwordHash: await hashPassword('x', cheap), permissions: '*' }] })
  t.equal(on.httpAdminRoot, '/')
  t.match(on.adminAuth, { type: 'credentials', sessionExpiryTime: 43_200 })
  t.same(on.nodesDir, [nodeRedPackageDir])
  t.match(on, { userDir: '/data/node-red', flowFile: 'flows.json', telemetry: { enabled: false }, externalModules: { autoInstall: false }, helserom: { room: 'r1' } })
})

t.test('a gateway with the default config runs no Node-RED', async (t) => {
  const gateway = await startGateway(t, roomConfig(t, { room: 'r1', hub: { url: 'mqtt://127.0.0.1:9' }, profiles, check: { enabled: false }, network: { enabled: false } }), {})
  t.equal(nodeRedOf(gateway), undefined)
  t.same(gateway.extensionUrls(), {})
})

t.test('a malformed hash stops the start, naming where it is', async (t) => {
  const config = roomConfig(t, {
    room: 'r1', hub: { url: 'mqtt://127.0.0.1:9' }, profiles, check: { enabled: false }, network: { enabled: false },
    nodeRed: { enabled: true, port: 0, users: [{ username: 'it', passwordHash: 'scrypt$1$2$3$x$y' }] }
  })
  await t.rejects(startGateway(t, config, {}), { message: /nodeRed\.users\[0\]\.passwordHash/ })
})

t.test('the node package: a .js and .html per node, registered under node-red, help in English and Norwegian', async (t) => {
  const pkg = JSON.parse(readFileSync(join(nodeRedPackageDir, 'package.json'), 'utf8')) as { type: string, 'node-red': { nodes: Record<string, string> } }
  t.equal(pkg.type, 'commonjs', 'plain CommonJS, as Node-RED loads it')
  const nodes = Object.values(pkg['node-red'].nodes)
  t.equal(nodes.length, 4)
  for (const file of nodes) {
    const html = join(nodeRedPackageDir, file.replace(/\.js$/, '.html'))
    t.ok(existsSync(join(nodeRedPackageDir, file)) && existsSync(html), `${file} and its .html`)
    const text = readFileSync(html, 'utf8')
    t.match(text, /data-help-name=/, `${file}: help text`)
    t.match(text, /<h3>Norsk<\/h3>/, `${file}: in Norwegian too`)
  }
})

t.test('a port already taken stops the start, saying which', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())))
  const port = (taken.address() as AddressInfo).port
  const config = roomConfig(t, {
    room: 'r1', hub: { url: 'mqtt://127.0.0.1:9' }, profiles, check: { enabled: false }, network: { enabled: false },
    nodeRed: { enabled: true, port }
  })
  await t.rejects(startGateway(t, config, {}), { message: new RegExp(`Node-RED could not start on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`) })
})
