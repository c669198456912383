// Every message of the wire contract: the documented example passes, malformed ones are
// rejected with a reason that names the field, and the validator counts what it rejects.
import t from 'tap'
import { checkMessage, encodeMessage, WireValidator } from '../../protocol/validate.js'
import { topics } from '../../protocol/topics.js'
import type { MessageKind } from '../../protocol/topics.js'

const ts = 1_764_000_000_000
const reason = { code: 'device.down', message: { nb: 'Kameraet svarer ikke — sjekk strøm og nettverkskabel', en: 'The camera is not responding — check power and network cable' }, device: 'cam-1' }
const session = { id: 'c-1', start: ts + 3_600_000, minutes: 30, profile: 'ortopedi' }

const examples: Record<MessageKind, unknown> = {
  status: { online: true, version: '0.1.0', boot: 'b-1', startedAt: ts, ts },
  readiness: { level: 'red', profile: 'ortopedi', session, reasons: [reason], ts },
  health: { kind: 'onvif-camera', state: 'down', reason, metrics: { rttMs: 12, model: 'X', ptz: true, temp: null }, ts },
  readings: { ts, boot: 'b-1', seq: 42, values: { spo2: 98, pulse: 72, pvi: null }, units: { spo2: '%', pulse: '/min', pvi: '%' }, historical: true },
  network: { rttMs: 23.5, jitterMs: 3.1, lossPct: 0, upMbps: 18.2, downMbps: 45, ifaceUtilPct: 2.5, ts },
  check: { id: 'chk-1', trigger: 'scheduled', session: 'c-1', profile: 'ortopedi', passed: false, startedAt: ts, ts,
    steps: [{ name: 'camera.preset', device: 'cam-1', passed: false, reason, ts }] },
  command: { id: 'cmd-1', device: 'cam-1', args: { preset: 'patient' }, ts },
  commandResult: { id: 'cmd-1', ok: true, result: { preset: 'patient' }, ts },
  schedule: [session],
  support: {
    contacts: {
      room: { party: 'rodoy-it', name: { nb: 'kommunens IT', en: 'the municipality\'s IT' }, phone: '75 09 50 00' },
      network: { party: 'rodoy-it', name: { nb: 'kommunens IT', en: 'the municipality\'s IT' }, phone: '75 09 50 00' },
      box: null,
      devices: { 'spo2-1': { party: 'mtu', name: { nb: 'medisinsk-teknisk avdeling', en: 'the medical-technical department' }, phone: '75 12 34 56' } }
    },
    reasons: [{ code: 'calibration.overdue', level: 'amber', device: 'spo2-1', message: { nb: 'Pulsoksymeter skulle vært kalibrert', en: 'Pulsoksymeter was due for calibration' } }],
    specialist: { consultation: 'c-1', state: 'ready' },
    ts
  }
}

const malformed: Record<MessageKind, Array<[string, unknown]>> = {
  status: [['online missing', { version: '1' }], ['online as text', { online: 'yes' }],
    ['online without boot', { online: true, version: '0.1.0', startedAt: ts, ts }], ['online without version', { online: true, boot: 'b-1', ts }],
    ['online with an empty version', { online: true, version: '', boot: 'b-1' }], ['a negative spool drop count', { ...examples.status as object, spool: { dropped: -1 } }]],
  readiness: [['unknown level', { ...examples.readiness as object, level: 'blue' }], ['reasons not a list', { ...examples.readiness as object, reasons: 'x' }],
    ['reason without English', { ...examples.readiness as object, reasons: [{ code: 'x', message: { nb: 'hei' } }] }]],
  health: [['unknown state', { ...examples.health as object, state: 'fine' }], ['metrics nested', { ...examples.health as object, metrics: { a: { b: 1 } } }]],
  readings: [['no boot', { ts, seq: 1, values: {}, units: {} }], ['negative seq', { ts, boot: 'b', seq: -1, values: {}, units: {} }],
    ['value an object', { ts, boot: 'b', seq: 1, values: { spo2: { v: 98 } }, units: {} }], ['ts a date string', { ts: '2026-11-24', boot: 'b', seq: 1, values: {}, units: {} }]],
  network: [['loss above 100', { ...examples.network as object, lossPct: 120 }], ['negative rtt', { ...examples.network as object, rttMs: -1 }]],
  check: [['unknown trigger', { ...examples.check as object, trigger: 'cron' }], ['steps missing', { id: 'x', trigger: 'manual', session: null, profile: null, passed: true, startedAt: ts, ts }]],
  command: [['no id', { ts }], ['device not a slug', { id: 'x', device: 'Cam 1', ts }]],
  commandResult: [['ok missing', { id: 'x', ts }]],
  schedule: [['not a list', { consultations: [] }], ['minutes zero', [{ ...session, minutes: 0 }]]],
  support: [['contacts missing', { reasons: [], specialist: null, ts }],
    ['a device key that is not a slug', { ...examples.support as object, contacts: { room: null, network: null, box: null, devices: { 'Spo2 1': { party: 'mtu', name: { nb: 'x', en: 'x' }, phone: '123' } } } }],
    ['a presence with a name in it', { ...examples.support as object, specialist: { consultation: 'c-1', state: 'Dr. Hansen is here' } }]]
}

for (const kind of Object.keys(examples) as MessageKind[]) {
  t.test(`${kind}: the documented example is valid`, async (t) => {
    const result = checkMessage(kind, examples[kind])
    t.ok(result.ok, result.ok ? 'valid' : result.reason)
    t.ok(encodeMessage(kind, examples[kind] as never).length > 0, 'encodes')
  })
  for (const [what, value] of malformed[kind]) {
    t.test(`${kind}: rejects ${what}`, async (t) => {
      const result = checkMessage(kind, value)
      t.notOk(result.ok)
      if (!result.ok) t.match(result.reason, new RegExp(`^${kind} `), 'the reason names the message kind and field')
      t.throws(() => encodeMessage(kind, value as never), /refusing to publish/)
    })
  }
}

t.test('status: the Last Will\'s bare {online: false} is valid; so is a status with the spool\'s drop count, and one from before that field', async (t) => {
  t.ok(checkMessage('status', { online: false }).ok, 'the Will')
  t.ok(checkMessage('status', { online: false, boot: 'b-1' }).ok, 'a Will naming its run')
  t.ok(checkMessage('status', { ...examples.status as object, spool: { dropped: 1200, lastDroppedAt: ts } }).ok, 'with the spool report')
  t.ok(checkMessage('status', examples.status).ok, 'without it (older gateways)')
})

t.test('status: an online status missing its run is rejected naming the field, not "Expected union value"', async (t) => {
  const { boot: _boot, ...noBoot } = examples.status as Record<string, unknown>
  const result = checkMessage('status', noBoot)
  t.same(result, { ok: false, reason: 'status /boot: Expected required property' })
})

t.test('the validator decodes by topic and counts every rejection by kind and cause', async (t) => {
  const warnings: unknown[] = []
  const v = new WireValidator({ log: { warn: (o) => warnings.push(o) }, maxPayloadBytes: 1024 })
  const ok = v.decode(topics.readings('rodoy-1', 'spo2-1'), JSON.stringify(examples.readings))
  t.equal(ok?.kind, 'readings')
  t.same(ok?.topic, { kind: 'readings', room: 'rodoy-1', device: 'spo2-1' })
  t.equal(v.decode('helserom/v1/rodoy-1/nonsense', '{}'), null)
  t.equal(v.decode(topics.status('rodoy-1'), 'not json{'), null)
  t.equal(v.decode(topics.status('rodoy-1'), Buffer.alloc(2048, 0x20)), null)
  t.equal(v.decode(topics.status('rodoy-1'), '{"online":"yes"}'), null)
  t.equal(v.decode(topics.status('rodoy-1'), '\u0000\u0001garbage'), null)
  t.same(Object.fromEntries(v.rejected), { 'unknown/topic': 1, 'status/json': 2, 'status/too-large': 1, 'status/schema': 1 })
  t.equal(v.rejectedTotal, 5)
  t.equal(warnings.length, 5, 'each rejection is logged')
})

t.test('the validator rate-limits its log but keeps counting', async (t) => {
  let logged = 0
  const v = new WireValidator({ log: { warn: () => { logged++ } }, logPerMinute: 3, clock: () => 1000 })
  for (let i = 0; i < 10_000; i++) v.decode(topics.status('r'), `garbage ${i}`)
  t.equal(v.rejectedTotal, 10_000)
  t.equal(logged, 3)
})
