// The room config: the documented shape loads, `${VAR}` comes from the environment, and every
// problem is reported as FILE:LINE path: message — all of them at once.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadRoomConfig } from '../../gateway/config.js'
import { scriptedDriver } from './scripted-driver.js'
import { tempDir } from '../helpers/index.js'

const factories = { scripted: scriptedDriver }

const valid = `room: rodoy-1
name: Helserom Rødøy
site: Rødøy kommune
hub: { url: "mqtt://127.0.0.1:1883", username: rodoy-1, password: "\${HELSEROM_HUB_PASSWORD}", http: "http://127.0.0.1:8080" }
local: { host: 0.0.0.0, mqttPort: 1884, httpPort: 8081 }
spool: { dir: ./data/spool, maxBytes: 536870912 }
devices:
  - { id: cam-1, name: Kamera, kind: scripted }
  - { id: jodapro-1, name: Jodapro, kind: scripted, note: "in the corner" }
defaultProfile: ortopedi
profiles:
  ortopedi:
    label: { nb: Ortopedi, en: Orthopaedics }
    requires: [cam-1, jodapro-1]
    network: { minUpMbps: 3.0, minDownMbps: 3.0, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1 }
schedule:
  - { id: c-1, start: "2026-11-24T09:30:00+01:00", minutes: 30, profile: ortopedi }
`

function write (t: Parameters<typeof tempDir>[0], text: string): string {
  const file = join(tempDir(t), 'room.yaml')
  writeFileSync(file, text)
  return file
}

t.test('the documented example loads, with defaults and the environment filled in', async (t) => {
  const file = write(t, valid)
  const result = loadRoomConfig(file, { env: { HELSEROM_HUB_PASSWORD: 's3cret' }, factories })
  t.ok(result.ok, result.ok ? '' : result.problems.join('\n'))
  if (!result.ok) return
  t.equal(result.value.hub.password, 's3cret')
  t.equal(result.value.timezone, 'Europe/Oslo')
  t.equal(result.value.readiness.recoverAfterMs, 10_000)
  t.equal((result.value.devices[1] as Record<string, unknown> | undefined)?.note, 'in the corner', 'kind-specific fields are kept')
  t.equal(result.value.profiles.ortopedi?.network.maxJitterMs, 30)
})

t.test('a profile\'s bandwidth minimums cover 1.5 Mbit/s per HD video stream it sends', async (t) => {
  const file = write(t, valid.replace('network: { minUpMbps: 3.0, minDownMbps: 3.0, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1 }', 'network: { minUpMbps: 2.0, videoStreams: 3 }'))
  const result = loadRoomConfig(file, { env: { HELSEROM_HUB_PASSWORD: 'x' }, factories })
  t.ok(result.ok)
  if (!result.ok) return
  t.equal(result.value.profiles.ortopedi?.network.minUpMbps, 4.5, 'three streams need 4.5 Mbit/s up, more than the 2.0 given')
  t.equal(result.value.profiles.ortopedi?.network.minDownMbps, 4.5)
})

t.test('an unset environment variable is an error naming the variable and the field', async (t) => {
  const file = write(t, valid)
  const result = loadRoomConfig(file, { env: {}, factories })
  t.notOk(result.ok)
  if (result.ok) return
  t.same(result.problems.map(String), [`${file}:4 hub.password: environment variable HELSEROM_HUB_PASSWORD is not set`])
})

t.test('every kind of mistake is reported with file, line and path, all at once', async (t) => {
  const broken = `room: Rødøy 1
name: Helserom Rødøy
site: Rødøy kommune
hub: { url: "http://wrong", usernam: rodoy-1 }
local: { mqttPort: "1884", httpPort: 99999 }
spool: { maxBytes: 10 }
devices:
  - { id: cam-1, name: Kamera, kind: scripted, colour: red }
  - { id: cam-1, name: Kamera 2, kind: scripted }
  - { id: x-1, name: Noe, kind: teleporter }
defaultProfile: hjerte
profiles:
  ortopedi:
    label: { nb: Ortopedi }
    requires: [cam-1, lamp-1]
schedule:
  - { id: c-1, start: "tomorrow", minutes: 0, profile: kurs }
`
  const file = write(t, broken)
  const result = loadRoomConfig(file, { env: {}, factories })
  t.notOk(result.ok)
  if (result.ok) return
  const lines = result.problems.map(String)
  t.comment(lines.join('\n'))
  const expect = [
    [1, 'room: expected the room id: lowercase letters, digits and - (e.g. rodoy-1), got "Rødøy 1"'],
    [4, 'hub.url: expected an MQTT URL such as mqtt://hub.example:1883, got "http://wrong"'],
    [4, 'hub.usernam: unknown field (did you mean "username"?)'],
    [5, 'local.mqttPort: expected a TCP port, or 0 for any free port, got "1884"'],
    [5, 'local.httpPort: expected a TCP port, or 0 for any free port, got 99999'],
    [6, 'spool.maxBytes: must be at least 65536, got 10'],
    [14, 'profiles.ortopedi.label.en: is required'],
    [17, 'schedule[0].start: expected a date and time with offset such as 2026-11-24T09:30:00+01:00, got "tomorrow"'],
    [17, 'schedule[0].minutes: must be at least 1, got 0'],
    // cross-checks are listed in the same run as the schema problems
    [8, 'devices[0].colour: unknown field (expected one of: id, name, kind, enabled, staleAfterMs, note, everyMs)'],
    [9, 'devices[1].id: duplicate device id "cam-1" (also devices[0])'],
    [10, 'devices[2].kind: unknown device kind "teleporter" (known: scripted)'],
    [11, 'defaultProfile: no profile named "hjerte" (profiles: ortopedi)'],
    [15, 'profiles.ortopedi.requires[1]: no device with id "lamp-1" in devices'],
    [17, 'schedule[0].profile: no profile named "kurs"']
  ] as const
  for (const [line, text] of expect) t.ok(lines.includes(`${file}:${line} ${text}`), `reports line ${line}: ${text}`)
})

t.test('cross-checks: duplicate ids, unknown kinds and fields, dangling references', async (t) => {
  const text = valid
    .replace('  - { id: jodapro-1, name: Jodapro, kind: scripted, note: "in the corner" }',
      '  - { id: cam-1, name: Jodapro, kind: scripted, lens: wide }\n  - { id: x-1, name: Noe, kind: teleporter }')
    .replace('defaultProfile: ortopedi', 'defaultProfile: hjerte')
    .replace('profile: ortopedi }', 'profile: kurs }')
    .replace('start: "2026-11-24T09:30:00+01:00"', 'start: "2026-11-24 09:30"')
  const file = write(t, text)
  const result = loadRoomConfig(file, { env: { HELSEROM_HUB_PASSWORD: 'x' }, factories })
  t.notOk(result.ok)
  if (result.ok) return
  const lines = result.problems.map(String)
  t.comment(lines.join('\n'))
  t.ok(lines.includes(`${file}:9 devices[1].id: duplicate device id "cam-1" (also devices[0])`))
  t.ok(lines.some((l) => l.startsWith(`${file}:9 devices[1].lens: unknown field`)))
  t.ok(lines.includes(`${file}:10 devices[2].kind: unknown device kind "teleporter" (known: scripted)`))
  t.ok(lines.includes(`${file}:11 defaultProfile: no profile named "hjerte" (profiles: ortopedi)`))
  t.ok(lines.includes(`${file}:15 profiles.ortopedi.requires[1]: no device with id "jodapro-1" in devices`))
  t.ok(lines.some((l) => l.startsWith(`${file}:18 schedule[0].start: expected a date and time with offset`)))
  t.ok(lines.includes(`${file}:18 schedule[0].profile: no profile named "kurs"`))
})

t.test('YAML syntax errors and missing files are reported, not thrown', async (t) => {
  const file = write(t, 'room: [unclosed\nname: x\n')
  const result = loadRoomConfig(file, { factories })
  t.notOk(result.ok)
  if (!result.ok) t.match(String(result.problems[0]), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+ \\(root\\): YAML syntax`))
  const missing = loadRoomConfig('/nonexistent/room.yaml', { factories })
  t.notOk(missing.ok)
  if (!missing.ok) t.equal(String(missing.problems[0]), '/nonexistent/room.yaml:0 (root): cannot read the config file: file not found')
})

t.test('an unset variable is reported and checking goes on: every other problem is listed in the same run', async (t) => {
  const text = valid
    .replace('room: rodoy-1', 'room: Rødøy 1')
    .replace('local: { host: 0.0.0.0, mqttPort: 1884, httpPort: 8081 }', 'local: { host: 0.0.0.0, mqttPort: "${MQTT_PORT}", httpPort: 99999 }')
  const file = write(t, text)
  const result = loadRoomConfig(file, { env: {}, factories })
  t.notOk(result.ok)
  if (result.ok) return
  const lines = result.problems.map(String)
  t.same(lines, [
    `${file}:1 room: expected the room id: lowercase letters, digits and - (e.g. rodoy-1), got "Rødøy 1"`,
    `${file}:4 hub.password: environment variable HELSEROM_HUB_PASSWORD is not set`,
    `${file}:5 local.mqttPort: environment variable MQTT_PORT is not set`,
    `${file}:5 local.httpPort: expected a TCP port, or 0 for any free port, got 99999`
  ], 'the unset variables, and the problems after them; the empty placeholder of MQTT_PORT is not reported again')
})

t.test('${VAR} fills number and boolean fields: the text from the environment becomes the type the field wants', async (t) => {
  // onvif-camera's port is a kind-specific field, checked against the driver's own schema.
  const text = valid
    .replace('local: { host: 0.0.0.0, mqttPort: 1884, httpPort: 8081 }', 'local: { host: 0.0.0.0, mqttPort: "${MQTT_PORT}", httpPort: 8081 }')
    .replace('  - { id: cam-1, name: Kamera, kind: scripted }', '  - { id: cam-1, name: Kamera, kind: onvif-camera, host: 192.168.1.20, port: "${CAM_PORT}", enabled: "${CAM_ON}", staleAfterMs: "${CAM_STALE_MS}" }')
    .replace('  - { id: jodapro-1, name: Jodapro, kind: scripted, note: "in the corner" }', '  - { id: jodapro-1, name: Jodapro, kind: video-stream, url: "rtsp://192.168.1.40:554/live", minKbps: "${JODAPRO_MIN_KBPS:-800}" }')
  const file = write(t, text)
  const env = { HELSEROM_HUB_PASSWORD: 'x', MQTT_PORT: '1885', CAM_PORT: '8080', CAM_ON: 'false', CAM_STALE_MS: '90000' }
  const result = loadRoomConfig(file, { env })
  t.ok(result.ok, result.ok ? 'valid' : result.problems.join('\n'))
  if (!result.ok) return
  t.equal(result.value.local.mqttPort, 1885)
  const [camera, jodapro] = result.value.devices as Array<Record<string, unknown>>
  t.equal(camera?.port, 8080, 'a whole number')
  t.equal(camera?.enabled, false, 'a boolean')
  t.equal(camera?.staleAfterMs, 90_000)
  t.equal(jodapro?.minKbps, 800, 'a default written as ${VAR:-800} is a number too')
  t.equal(result.value.hub.password, 'x', 'text stays text')

  const wrong = loadRoomConfig(file, { env: { ...env, CAM_PORT: 'eighty' } })
  t.notOk(wrong.ok)
  if (!wrong.ok) t.same(wrong.problems.map(String), [`${file}:8 devices[0].port: expected a whole number, got "eighty"`], 'text that is no number is still a mistake')
  const quoted = loadRoomConfig(write(t, valid.replace('mqttPort: 1884', 'mqttPort: "1884"')), { env, factories })
  t.notOk(quoted.ok, 'a number quoted in the file itself is still reported: only what the environment filled is converted')
})

t.test('one YAML mistake gives a few lines, each naming its line, not one per token after it', async (t) => {
  // A comment that lost its "#": the file begins as text, and no line after it parses (the parser
  // alone finds dozens of unexpected tokens).
  const file = write(t, `A room config for Rødøy\n# check it with: helserom check-config room.yaml\n${valid}`)
  const result = loadRoomConfig(file, { env: { HELSEROM_HUB_PASSWORD: 'x' }, factories })
  t.notOk(result.ok)
  if (result.ok) return
  const lines = result.problems.map(String)
  t.comment(lines.join('\n'))
  t.ok(lines.length <= 3, `${lines.length} lines`)
  t.equal(lines[0], `${file}:1 (root): YAML syntax: plain text where "key: value" lines are expected (does a comment lack its "#"?)`)
  t.equal(new Set(lines.map((l) => l.split(' ', 1)[0])).size, lines.length, 'no line reported twice')

  const tabs = write(t, valid.replace('  - { id: cam-1', '\t- { id: cam-1').replace('  ortopedi:', '\tortopedi:'))
  const two = loadRoomConfig(tabs, { env: { HELSEROM_HUB_PASSWORD: 'x' }, factories })
  t.notOk(two.ok)
  if (!two.ok) {
    t.comment(two.problems.map(String).join('\n'))
    t.ok(two.problems.length <= 4, 'two mistakes, a few lines')
    t.ok(two.problems.some((p) => p.line === 8 && /Tabs are not allowed/.test(p.message)), 'the first tab, at its line')
  }
})
