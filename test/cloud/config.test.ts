import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkHubConfigFile, hubConfig, loadHubConfig, looksLikeHubConfig } from '../../cloud/config.js'
import { tempDir, type Teardown } from '../helpers/index.js'

const example = new URL('../../cloud/hub.example.yaml', import.meta.url).pathname
const HASH = 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
const TOKEN = 'sha256$g9/EpgtoHl/BROz5zYNihHoc8DEhgXv9ed9wD3AVEcI='

/** A valid minimal config; `lines` replace or add to it. */
function yaml (...lines: string[]): string {
  return [
    'http: { port: 8080 }',
    'gateways:',
    `  - { room: rodoy-1, name: Helserom Rødøy, passwordHash: "${HASH}" }`,
    'users:',
    `  - { name: it-vakt, role: it, tokenHash: "${TOKEN}" }`,
    ...lines,
    ''
  ].join('\n')
}

function problemsOf (t: Teardown, text: string, env: Record<string, string> = {}): { file: string, problems: string[] } {
  const dir = tempDir(t)
  const file = join(dir, 'hub.yaml')
  writeFileSync(file, text)
  return { file, problems: checkHubConfigFile(file, { env }) }
}

t.test('the commented example is valid and gets its defaults', async (t) => {
  const result = loadHubConfig(example, { env: {} })
  if (!result.ok) t.fail(result.problems.map(String).join('\n'))
  else {
    const c = result.value
    t.equal(c.gateways.length, 2)
    t.equal(c.users.length, 3)
    t.equal(c.broker.mode, 'embedded')
    t.equal(c.store.clinical, false)
    t.equal(c.http.wsPingSeconds, 30)
    t.equal(c.alerts.leadMinutes, 60)
    t.ok(c.dataDir.startsWith('/'), 'dataDir is made absolute against the file\'s folder')
  }
  t.same(checkHubConfigFile(example, { env: {} }), [])
})

t.test('a minimal config gets every default', async (t) => {
  const { problems } = problemsOf(t, yaml())
  t.same(problems, [])
  const c = hubConfig({ gateways: [{ room: 'a-1', name: 'A', passwordHash: HASH }] })
  t.equal(c.mqtt.port, 1883)
  t.equal(c.mqtt.anonymousState, false, 'no MQTT without credentials unless asked for')
  t.equal(c.mqtt.maxPacketBytes > 256 * 1024, true)
  t.equal(c.http.bodyLimit, 1024 * 1024)
  t.same(c.users, [])
  t.same(c.notify, [])
})

t.test('each kind of problem is reported as FILE:LINE path: message', async (t) => {
  const cases: Array<{ name: string, text: string, expect: RegExp, env?: Record<string, string> }> = [
    { name: 'misspelt field', text: yaml('alerts: { leadMinuts: 30 }'), expect: /:6 alerts\.leadMinuts: unknown field \(did you mean "leadMinutes"\?\)/ },
    { name: 'wrong type', text: yaml().replace('port: 8080', 'port: eighty'), expect: /:1 http\.port: expected a whole number, got "eighty"/ },
    { name: 'out of range', text: yaml().replace('port: 8080', 'port: 70000'), expect: /:1 http\.port: must be at most 65535, got 70000/ },
    { name: 'missing required', text: yaml('  - { room: donna-1, name: Dønna }').replace('users:\n', '').replace(/(  - \{ name: it-vakt.*\n)/, '') + `users:\n  - { name: it-vakt, role: it, tokenHash: "${TOKEN}" }\n`, expect: /gateways\[1\]\.passwordHash: is required/ },
    { name: 'bad slug', text: yaml().replace('room: rodoy-1', 'room: Rødøy'), expect: /:3 gateways\[0\]\.room: expected a slug of lowercase letters, digits and "-" \(e\.g\. rodoy-1\), got "Rødøy"/ },
    { name: 'bad role', text: yaml().replace('role: it', 'role: admin'), expect: /:5 users\[0\]\.role: expected one of: it, staff, specialist, got "admin"/ },
    { name: 'duplicate room', text: yaml().replace('users:', `  - { room: rodoy-1, name: Igjen, username: other, passwordHash: "${HASH}" }\nusers:`), expect: /:4 gateways\[1\]\.room: room "rodoy-1" is already configured \(gateways\[0\]\)/ },
    { name: 'duplicate user name', text: yaml(`  - { name: it-vakt, role: it, tokenHash: "${TOKEN}" }`), expect: /:6 users\[1\]\.name: name "it-vakt" is already used by users\[0\]/ },
    { name: 'user named like a gateway', text: yaml(`  - { name: rodoy-1, role: it, tokenHash: "${TOKEN}" }`), expect: /users\[1\]\.name: name "rodoy-1" is already used by gateways\[0\]/ },
    { name: 'specialist room no gateway has', text: yaml(`  - { name: sp, role: specialist, rooms: [rodoy-1, bodo-9], tokenHash: "${TOKEN}" }`), expect: /:6 users\[1\]\.rooms\[1\]: no gateway has room "bodo-9" \(known rooms: rodoy-1\)/ },
    { name: 'staff without rooms', text: yaml(`  - { name: st, role: staff, tokenHash: "${TOKEN}" }`), expect: /:6 users\[1\]\.rooms: a staff user must list the rooms they may see/ },
    { name: 'bad hash', text: yaml().replace(HASH, 'plaintext-password'), expect: /:3 gateways\[0\]\.passwordHash: is not a hash from `helserom hash-password`/ },
    { name: 'external broker without url', text: yaml('broker: { mode: external }'), expect: /:6 broker: mode external needs url/ },
    { name: 'influxdb without url', text: yaml('store: { kind: influxdb }'), expect: /:6 store: kind influxdb needs url/ },
    { name: 'tls file missing', text: yaml('mqtt: { tls: { cert: ./nope.crt, key: ./nope.key } }'), expect: /:6 mqtt\.tls\.cert: file not found: .*nope\.crt/ },
    { name: 'unset environment variable', text: yaml('broker: { mode: external, url: "${HUB_BROKER_URL}" }'), expect: /:6 broker\.url: environment variable HUB_BROKER_URL is not set/ },
    { name: 'YAML syntax', text: 'http: { port: 8080\ngateways: []\n', expect: /:\d+ \(root\): YAML syntax/ }
  ]
  for (const c of cases) {
    const { file, problems } = problemsOf(t, c.text, c.env)
    const joined = problems.join('\n')
    t.match(joined, c.expect, c.name)
    t.ok(problems.every((p) => p.startsWith(`${file}:`)), `${c.name}: every line starts with the file`)
  }
})

t.test('a generated gateway secret may be stored with the fast sha256 hash', async (t) => {
  const { problems } = problemsOf(t, yaml().replace(HASH, TOKEN))
  t.same(problems, [], 'sha256$… is accepted for passwordHash (a generated secret needs no slow hash)')
})

t.test('an environment variable fills a field', async (t) => {
  const { problems } = problemsOf(t, yaml('broker: { mode: external, url: "${HUB_BROKER_URL}" }'), { HUB_BROKER_URL: 'mqtt://127.0.0.1:1883' })
  t.same(problems, [])
})

t.test('all problems are reported at once', async (t) => {
  const { problems } = problemsOf(t, yaml(`  - { name: st, role: staff, tokenHash: "${TOKEN}" }`, `  - { name: sp, role: specialist, rooms: [nowhere], tokenHash: "${TOKEN}" }`))
  t.equal(problems.length, 2, problems.join('\n'))
})

t.test('hubConfig() checks configs built in code', async (t) => {
  t.throws(() => hubConfig({ gateways: [{ room: 'a', name: 'A', passwordHash: 'x' }] }), /passwordHash/)
  t.throws(() => hubConfig({ broker: { mode: 'external' } }), /needs url/)
  t.throws(() => hubConfig({ mqtt: { anonymousState: true }, broker: { mode: 'external', url: 'mqtt://x:1883' } }), /anonymousState: belongs to the embedded broker/)
})

t.test('looksLikeHubConfig tells a hub config from a room config', async (t) => {
  t.ok(looksLikeHubConfig({ gateways: [] }))
  t.notOk(looksLikeHubConfig({ room: 'rodoy-1', hub: {} }))
  t.notOk(looksLikeHubConfig(null))
})
