// The equipment register's pure parts, with the clock as an argument: service-hours arithmetic,
// calibration due dates, which thing an incident is about and who answers for it, the specialist's
// presence, change detection of serial numbers and firmware, the merge of config, edits and
// reports, the CSV, the incident policy's response-time escalation, and what the gateway's light
// makes of the hub's support message.
import t from 'tap'
import { parseOpeningHours } from '../../cloud/incidents/opening-hours.js'
import { overdueNotifications, responseClockStart } from '../../cloud/incidents/notify-policy.js'
import type { Incident } from '../../cloud/incidents/incident.js'
import { makeNotification } from '../../cloud/notify/notification.js'
import { notifyTargets } from '../../cloud/notify/config.js'
import { routeWith } from '../../cloud/notify/route.js'
import { addDays, calibrationCondition, calibrationReason, calibrationStatus, startOfDay } from '../../cloud/register/calibration.js'
import { checkRegisterConfig, isCalendarDate, type Party } from '../../cloud/register/config.js'
import { csvCell, registerCsv } from '../../cloud/register/csv.js'
import { applyEdits, effectiveEntry, emptyEntry, observe } from '../../cloud/register/entry.js'
import { PartyBook } from '../../cloud/register/parties.js'
import { presenceState, SpecialistPresence } from '../../cloud/register/presence.js'
import { failingThings, responsibilityOf } from '../../cloud/register/responsibility.js'
import { addServiceMinutes } from '../../cloud/register/service-hours.js'
import type { RegisterEntryView } from '../../cloud/register/register-view.js'
import { contactFor, evaluateReadiness, type DeviceView, type ReadinessInput } from '../../gateway/readiness/evaluate.js'
import type { Reason } from '../../protocol/messages.js'

const OSLO = 'Europe/Oslo'
const MIN = 60_000
const weekdays = parseOpeningHours({ 'mon-fri': '08:00-16:00' })

t.test('a response time counts only service hours, in the party\'s time zone', async (t) => {
  const fri1530 = Date.parse('2026-11-27T14:30:00Z') // Friday 15:30 in Oslo (UTC+1)
  t.equal(addServiceMinutes(fri1530, 120, weekdays, OSLO), Date.parse('2026-11-30T08:30:00Z'), 'half an hour on Friday, the rest from 08:00 on Monday: 09:30')
  t.equal(addServiceMinutes(fri1530, 20, weekdays, OSLO), fri1530 + 20 * MIN, 'within the day: plain minutes')
  t.equal(addServiceMinutes(fri1530, 30, weekdays, OSLO), Date.parse('2026-11-27T15:00:00Z'), 'exactly to the end of the day')
  const sat = Date.parse('2026-11-28T11:00:00Z')
  t.equal(addServiceMinutes(sat, 60, weekdays, OSLO), Date.parse('2026-11-30T08:00:00Z'), 'heard of on a Saturday: the clock starts on Monday at 08:00')
  t.equal(addServiceMinutes(sat, 60, 'always', OSLO), sat + 60 * MIN, 'always: clock time')
  t.equal(addServiceMinutes(sat, 60, undefined, OSLO), sat + 60 * MIN, 'no hours given: clock time')
  t.equal(addServiceMinutes(sat, 60, parseOpeningHours({ 'mon-sun': 'closed' }), OSLO), null, 'never open: never due')
  // across the end of summer time (Sunday 25 October 2026): still 09:30 on Monday, now UTC+1
  t.equal(addServiceMinutes(Date.parse('2026-10-23T13:30:00Z'), 120, weekdays, OSLO), Date.parse('2026-10-26T08:30:00Z'), 'right across a DST change')
  const split = parseOpeningHours({ 'mon-fri': '08:00-11:30,12:00-16:00' })
  t.equal(addServiceMinutes(Date.parse('2026-11-24T10:00:00Z'), 60, split, OSLO), Date.parse('2026-11-24T11:30:00Z'), 'a lunch break is not service time')
})

t.test('calibration is due on a calendar day in the hub\'s time zone, and before a consultation counts', async (t) => {
  t.equal(addDays('2025-06-01', 365), '2026-06-01')
  t.equal(startOfDay('2026-06-02', 0, OSLO), Date.parse('2026-06-01T22:00:00Z'), 'midnight in Oslo (summer time)')
  const cal = { intervalDays: 365, last: '2025-06-01' }
  const lastValid = Date.parse('2026-06-01T21:59:00Z')
  t.same(calibrationStatus(cal, lastValid, null, OSLO), { state: 'ok', dueOn: '2026-06-01', expiresAt: Date.parse('2026-06-01T22:00:00Z') }, 'valid through its last day')
  t.equal(calibrationStatus(cal, lastValid + 2 * MIN, null, OSLO)?.state, 'overdue', 'overdue from the next midnight')
  const consultation = { id: 'c-1', start: Date.parse('2026-06-02T07:30:00Z'), minutes: 30, profile: 'ortopedi' }
  t.equal(calibrationStatus(cal, Date.parse('2026-06-01T08:00:00Z'), consultation, OSLO)?.state, 'due', 'due before the next consultation')
  t.equal(calibrationStatus({ intervalDays: 365 }, Date.now(), null, OSLO)?.state, 'unknown', 'no last date: unknown, not amber')
  t.equal(calibrationStatus(null, Date.now(), null, OSLO), null)

  const subject = { device: 'spo2-1', name: 'Pulsoksymeter', calibration: cal, maintainer: { nb: 'medisinsk-teknisk avdeling', en: 'the medical-technical department' } }
  const overdue = calibrationReason(subject, calibrationStatus(cal, Date.parse('2026-07-01T08:00:00Z'), null, OSLO))
  t.match(overdue, { code: 'calibration.overdue', level: 'amber', device: 'spo2-1' })
  t.equal(overdue?.message.nb, 'Pulsoksymeter: kalibrering eller kontroll forfalt 1.6.2026 — medisinsk-teknisk avdeling har ansvaret')
  t.match(overdue?.message.en, /was due 1 Jun 2026 — the medical-technical department is responsible/)
  t.equal(calibrationReason(subject, calibrationStatus(cal, Date.parse('2026-05-01T08:00:00Z'), null, OSLO)), null, 'nothing while valid')
  const condition = calibrationCondition(subject, calibrationStatus(cal, Date.parse('2026-07-01T08:00:00Z'), null, OSLO), 'Helserom Rødøy', null)
  t.match(condition, { cause: 'device.calibration:spo2-1', rule: 'calibration', severity: 'info', device: 'spo2-1', deviceName: 'Pulsoksymeter', holdMs: 0 })
  t.match(condition?.title.nb, /^Helserom Rødøy: Pulsoksymeter skulle vært kalibrert/)
  t.ok(isCalendarDate('2024-02-29') && !isCalendarDate('2026-02-30') && !isCalendarDate('26-1-1'), 'dates are checked as dates')
})

const parties: Party[] = [
  { id: 'rodoy-it', kind: 'municipal-it', name: { nb: 'kommunens IT', en: 'the municipality\'s IT' }, phone: '75 09 50 00', notify: notifyTargets([{ kind: 'webhook', url: 'http://it.example/hook' }]), responseMinutes: 120, serviceHours: { 'mon-fri': '08:00-15:30' } },
  { id: 'mtu', kind: 'medtech', name: { nb: 'medisinsk-teknisk avdeling', en: 'the medical-technical department' }, phone: '75 12 34 56', notify: notifyTargets([{ kind: 'webhook', url: 'http://mtu.example/hook' }]), responseMinutes: 30, escalateTo: 'hospital-it' },
  { id: 'hospital-it', kind: 'hospital-it', name: { nb: 'sykehusets IT', en: 'the hospital\'s IT' }, phone: '75 00 00 00', notify: notifyTargets([{ kind: 'webhook', url: 'http://hit.example/hook' }]) },
  { id: 'rodoy-kommune', kind: 'municipality', name: { nb: 'Rødøy kommune', en: 'Rødøy municipality' } }
]

t.test('the hub config\'s parties and register entries are checked for what a schema cannot see', async (t) => {
  const problems: string[] = []
  checkRegisterConfig({
    parties: [...parties, { ...parties[0]!, escalateTo: 'nobody' }, { id: 'x', kind: 'vendor', name: { nb: 'X', en: 'X' }, escalateTo: 'x' }],
    register: { defaultSupport: 'helpdesk', specialistWindowMinutes: 15, tickSeconds: 5 },
    gateways: [{ room: 'rodoy-1', register: { support: 'rodoy-it', devices: { 'spo2-1': { maintainer: 'mtu-helgeland', purchased: '2025-02-30', calibration: { intervalDays: 365, last: '2025-13-01' } } }, network: { serviceHours: { mon: 'all day' } } } }]
  }, (path, message) => problems.push(`${path.join('.')}: ${message}`))
  t.match(problems.join('\n'), /parties\.4\.id: party "rodoy-it" is already defined/)
  t.match(problems.join('\n'), /parties\.4\.escalateTo: no party "nobody"/)
  t.match(problems.join('\n'), /parties\.5\.escalateTo: a party cannot escalate to itself/)
  t.match(problems.join('\n'), /register\.defaultSupport: no party "helpdesk"/)
  t.match(problems.join('\n'), /gateways\.0\.register\.devices\.spo2-1\.maintainer: no party "mtu-helgeland"/)
  t.match(problems.join('\n'), /devices\.spo2-1\.purchased: "2025-02-30" is not a date/)
  t.match(problems.join('\n'), /devices\.spo2-1\.calibration: "2025-13-01" is not a date/)
  t.match(problems.join('\n'), /network\.serviceHours: .*HH:MM/)
})

t.test('an incident is about one failing thing, and its maintainer answers for it', async (t) => {
  const o = { ignoreCodes: new Set(['uplink.down', 'readiness.settling']), isBoxDevice: (d: string) => d === 'host-1' }
  t.same(failingThings({ cause: 'device.down:spo2-1', device: 'spo2-1' }, undefined, o), [{ item: 'device', device: 'spo2-1' }])
  t.same(failingThings({ cause: 'device.down:host-1', device: 'host-1' }, undefined, o), [{ item: 'box' }], 'the host device is the box')
  t.same(failingThings({ cause: 'network.bandwidth-up', device: null }, undefined, o), [{ item: 'network' }])
  t.same(failingThings({ cause: 'offline', device: null }, undefined, o), [{ item: 'box' }, { item: 'network' }], 'offline: the box, then the network')
  const readiness = (reasons: any[]): any => ({ readiness: { level: 'red', profile: 'p', session: null, reasons, ts: 0 }, check: null })
  t.same(failingThings({ cause: 'readiness', device: null }, readiness([
    { code: 'uplink.down', level: 'amber', message: { nb: 'x', en: 'x' } },
    { code: 'calibration.overdue', level: 'amber', device: 'spo2-1', message: { nb: 'x', en: 'x' } },
    { code: 'network.rtt', level: 'red', message: { nb: 'x', en: 'x' } }
  ]), o), [{ item: 'network' }], 'a readiness incident: its first reason no other rule claims')
  t.same(failingThings({ cause: 'readiness', device: null }, readiness([{ code: 'device.degraded', level: 'amber', device: 'cam-1', message: { nb: 'x', en: 'x' } }]), o), [{ item: 'device', device: 'cam-1' }])
  t.same(failingThings({ cause: 'readiness', device: null }, readiness([{ code: 'profile.unknown', level: 'amber', message: { nb: 'x', en: 'x' } }]), o), [{ item: 'room' }])
  t.same(failingThings({ cause: 'check.failed', device: null }, { readiness: null, check: { steps: [{ name: 'camera', passed: true, ts: 0 }, { name: 'network.throughput', passed: false, ts: 0 }] } as any }, o), [{ item: 'network' }])

  const book = new PartyBook(parties)
  const oxi = effectiveEntry({ ...emptyEntry('rodoy-1', 'device', 'spo2-1') }, { maintainer: 'mtu' }, 'Helserom Rødøy')
  const r = responsibilityOf({ item: 'device', device: 'spo2-1' }, oxi, 'rodoy-it', book)
  t.equal(r.party?.id, 'mtu')
  t.same(r.contact, { party: 'mtu', name: parties[1]!.name, phone: '75 12 34 56' })
  t.same(r.targets.map((x) => [x.name, x.url]), [['mtu', 'http://mtu.example/hook']], 'targets are named after the party')
  t.equal(r.responseMinutes, 30)
  t.equal(r.escalateTo?.id, 'hospital-it')
  const unmaintained = responsibilityOf({ item: 'network' }, effectiveEntry(emptyEntry('rodoy-1', 'network', 'network'), undefined, 'R'), 'rodoy-it', book)
  t.equal(unmaintained.party?.id, 'rodoy-it', 'no maintainer: the room\'s party')
  t.same(unmaintained.serviceHours, { 'mon-fri': '08:00-15:30' })
  const own = responsibilityOf({ item: 'device', device: 'cam-1' }, effectiveEntry(emptyEntry('rodoy-1', 'device', 'cam-1'), { maintainer: 'rodoy-it', support: { phone: '+47 900 00 000', webhook: 'http://vendor.example/x' }, responseMinutes: 240 }, 'R'), null, book)
  t.equal(own.contact?.phone, '+47 900 00 000', 'an item\'s own number wins')
  t.same(own.targets.map((x) => x.url), ['http://vendor.example/x', 'http://it.example/hook'], 'its own webhook, then its maintainer\'s')
  t.equal(own.responseMinutes, 240)
  t.equal(responsibilityOf({ item: 'room' }, null, null, book).contact, null, 'nobody named: no contact (the room config\'s support then)')
})

t.test('the specialist is ready with the console open before the start, absent when not there at the start', async (t) => {
  const c = { id: 'c-1', start: 1_000_000_000_000, minutes: 30, profile: 'p' }
  const never = (): boolean => false
  t.equal(presenceState(c, c.start - 20 * MIN, 15, true, never), null, 'too early to say')
  t.equal(presenceState(c, c.start - 10 * MIN, 15, true, never), 'ready')
  t.equal(presenceState(c, c.start - 10 * MIN, 15, false, never), null, 'not there yet before the start: nothing')
  t.equal(presenceState(c, c.start, 15, false, never), 'absent', 'at the start time')
  t.equal(presenceState(c, c.start + 5 * MIN, 15, false, (since) => since === c.start - 15 * MIN), null, 'was there (and left): not absent')
  t.equal(presenceState(c, c.start + 30 * MIN, 15, false, never), null, 'over')
  t.equal(presenceState(null, c.start, 15, false, never), null)

  let now = 5000
  const p = new SpecialistPresence(() => now)
  t.notOk(p.report({ role: 'it', room: 'rodoy-1', open: true }), 'IT watching is not the specialist')
  t.ok(p.report({ role: 'specialist', room: 'rodoy-1', open: true }))
  t.notOk(p.report({ role: 'specialist', room: 'rodoy-1', open: true }), 'a second tab changes nothing')
  t.notOk(p.report({ role: 'specialist', room: 'rodoy-1', open: false }))
  t.ok(p.present('rodoy-1'), 'one tab still open')
  now = 9000
  t.ok(p.report({ role: 'specialist', room: 'rodoy-1', open: false }))
  t.notOk(p.present('rodoy-1'))
  t.ok(p.seenSince('rodoy-1', 8000) && !p.seenSince('rodoy-1', 9001), 'remembered when last seen')
})

t.test('what drivers report is kept; a serial number or firmware change is recorded, expected when announced', async (t) => {
  const e = emptyEntry('rodoy-1', 'device', 'spo2-1')
  let r = observe(e, 'spo2-1', { kind: 'serial-sensor', name: 'Pulsoksymeter', info: { vendor: 'Masimo', serial: '0000070001' } }, 1000)
  t.same(r, { changed: true, changes: [] }, 'first report: nothing to compare with')
  r = observe(e, 'spo2-1', { kind: 'serial-sensor', name: 'Pulsoksymeter', info: { vendor: 'Masimo' } }, 2000)
  t.same(r, { changed: false, changes: [] }, 'a line without the serial number keeps it')
  t.equal(e.reported.serial, '0000070001')
  t.equal(e.lastSeen, 2000)
  r = observe(e, 'spo2-1', { kind: 'serial-sensor', name: 'Pulsoksymeter', info: { vendor: 'Masimo', serial: '0000070999' } }, 3000)
  t.same(r.changes, [{ at: 3000, field: 'serial', from: '0000070001', to: '0000070999', expected: false }], 'a swapped device is recorded')
  applyEdits(e, { expect: { firmware: '2.11' } })
  observe(e, 'spo2-1', { kind: null, name: null, info: { firmware: '2.10' } }, 4000)
  r = observe(e, 'spo2-1', { kind: null, name: null, info: { firmware: '2.11' } }, 5000)
  t.same(r.changes, [{ at: 5000, field: 'firmware', from: '2.10', to: '2.11', expected: true }], 'an announced update is expected')
  t.same(e.expect, {}, 'and the announcement is used up')
  t.equal(e.changes.length, 2)
})

t.test('the view merges config, IT\'s edits (null: back to config) and what drivers report', async (t) => {
  const e = emptyEntry('rodoy-1', 'device', 'spo2-1')
  observe(e, 'spo2-1', { kind: 'serial-sensor', name: 'Pulsoksymeter', info: { vendor: 'Masimo', serial: 'SN1' } }, 1000)
  const seed = { maintainer: 'mtu', model: 'Rad-8', serial: 'typed-in', calibration: { intervalDays: 365, last: '2025-06-01' } }
  t.same(applyEdits(e, { owner: 'rodoy-kommune', calibration: { last: '2026-01-10' }, notes: undefined }), ['owner', 'calibration'])
  let v = effectiveEntry(e, seed, 'Helserom Rødøy')
  t.match(v, { name: 'Pulsoksymeter', deviceKind: 'serial-sensor', vendor: 'Masimo', model: 'Rad-8', serial: 'SN1', owner: 'rodoy-kommune', maintainer: 'mtu', reported: true, edited: ['calibration', 'owner'] })
  t.same(v.calibration, { intervalDays: 365, last: '2026-01-10' }, 'a new date keeps the config\'s interval')
  t.same(applyEdits(e, { owner: null }), ['owner'])
  v = effectiveEntry(e, { ...seed, owner: 'hospital-it' }, 'Helserom Rødøy')
  t.equal(v.owner, 'hospital-it', 'null removed the override')
  t.same(applyEdits(e, { calibration: { last: '2026-01-10' } }), [], 'the same value again is no change')
  t.equal(effectiveEntry(emptyEntry('rodoy-1', 'box', 'box'), undefined, 'R').name, 'Gatewayboks')
})

t.test('the CSV quotes what needs quoting, defuses formulas, and opens in a Norwegian Excel', async (t) => {
  t.equal(csvCell('plain', ','), 'plain')
  t.equal(csvCell('a, b', ','), '"a, b"')
  t.equal(csvCell('a, b', ';'), 'a, b')
  t.equal(csvCell('say "hi"', ','), '"say ""hi"""')
  t.equal(csvCell('two\nlines', ','), '"two\nlines"')
  t.equal(csvCell('=HYPERLINK("x")', ','), '"\'=HYPERLINK(""x"")"', 'a formula is not run')
  t.equal(csvCell('+47 75 12 34 56', ','), '\'+47 75 12 34 56')
  t.equal(csvCell(null, ','), '')
  const row = {
    room: 'rodoy-1', roomName: 'Helserom Rødøy', item: 'device', id: 'spo2-1', device: 'spo2-1', name: 'Pulsoksymeter', deviceKind: 'serial-sensor',
    vendor: 'Masimo', model: null, serial: '0000070001', firmware: null, hardware: null,
    owner: { id: 'hs', kind: 'hospital', name: { nb: 'Helgelandssykehuset', en: 'Helgeland Hospital' } },
    maintainer: { id: 'mtu', kind: 'medtech', name: { nb: 'medisinsk-teknisk avdeling', en: 'x' } },
    support: null, contact: { party: 'mtu', name: { nb: 'medisinsk-teknisk avdeling', en: 'x' }, phone: '75 12 34 56', email: 'mtu@example.no' },
    serviceHours: { 'mon-fri': '08:00-15:30' }, responseMinutes: 30, purchased: '2024-05-01',
    calibration: { intervalDays: 365, last: '2025-06-01', dueOn: '2026-06-01', state: 'ok' }, notes: 'Avtale 12; rom 2',
    reported: true, firstSeen: 0, lastSeen: 0, changes: [{ at: Date.parse('2026-03-01T10:00:00Z'), field: 'serial', from: 'A', to: 'B', expected: false }], expect: {}, edited: []
  } satisfies RegisterEntryView
  const csv = registerCsv([row], 'semicolon')
  t.ok(csv.startsWith('\uFEFFroom;room_name;item;id;name;'), 'a BOM and the header')
  t.ok(csv.endsWith('\r\n'))
  const [, line] = csv.slice(1).split('\r\n')
  t.match(line, /^rodoy-1;Helserom Rødøy;device;spo2-1;Pulsoksymeter;serial-sensor;Masimo;;0000070001;/)
  t.match(line, /;mtu;medisinsk-teknisk avdeling;75 12 34 56;mtu@example\.no;mon-fri 08:00-15:30;30;2024-05-01;365;2025-06-01;2026-06-01;ok;yes;/)
  t.match(line, /1 Mar 2026 serial A → B \(unexpected\);"Avtale 12; rom 2"$/, 'a separator inside a field is quoted')
})

function incident (over: Partial<Incident> = {}): Incident {
  return {
    id: 'i-1', key: 'rodoy-1:device.down:spo2-1', room: 'rodoy-1', roomName: 'Helserom Rødøy', cause: 'device.down:spo2-1', rule: 'deviceDown',
    device: 'spo2-1', deviceName: 'Pulsoksymeter', state: 'open', severity: 'warning', title: { nb: 't', en: 't' }, detail: { nb: 'd', en: 'd' },
    consultation: null, openedAt: 1000, updatedAt: 1000, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, reopenCount: 0, quiet: false,
    notifiedAt: 2000, history: [{ at: 1000, event: 'opened', severity: 'warning' }, { at: 2000, event: 'notified', by: 'opened' }, { at: 9000, event: 'notified', by: 'reminder' }],
    ...over
  }
}

t.test('the response clock starts when someone was told, and an incident is overdue once', async (t) => {
  t.equal(responseClockStart(incident()), 2000, 'the first notification after opening')
  t.equal(responseClockStart(incident({ notifiedAt: null })), null, 'nobody told: no clock')
  t.equal(responseClockStart(incident({ history: [...incident().history, { at: 20_000, event: 'reopened' }, { at: 25_000, event: 'notified', by: 'reopened' }] })), 25_000, 'reopened: the clock starts again')
  t.equal(responseClockStart(incident({ history: [] })), 1000, 'history lost: the opening')
  const due = (): number => 5000
  t.same(overdueNotifications([incident()], 4999, due), [])
  t.same(overdueNotifications([incident()], 5000, due).map((i) => i.id), ['i-1'])
  t.same(overdueNotifications([incident({ state: 'acknowledged' })], 9999, due), [], 'acknowledged: someone is on it')
  t.same(overdueNotifications([incident({ overdueAt: 5000 })], 9999, due), [], 'escalated once')
  t.same(overdueNotifications([incident()], 9999, () => null), [], 'no promise, no escalation')
})

t.test('routeWith adds the maintainer\'s targets under the same filters, each URL once', async (t) => {
  const configured = notifyTargets([{ kind: 'webhook', url: 'http://it.example/hook', name: 'it-vakt' }, { kind: 'webhook', url: 'http://crit.example/', name: 'crit', minSeverity: 'critical' }])
  const extra = notifyTargets([{ kind: 'webhook', url: 'http://mtu.example/hook', name: 'mtu' }, { kind: 'webhook', url: 'http://it.example/hook', name: 'dup' }, { kind: 'webhook', url: 'http://x.example/', name: 'only-resolved', events: ['resolved'] }])
  const route = routeWith(() => extra)
  const n = makeNotification('opened', incident(), 1000)
  t.same(route(n, configured).map((x) => x.name), ['it-vakt', 'mtu'])
})

t.test('the gateway\'s light names the failing thing\'s maintainer, shows the hub\'s reasons for needed devices, and the specialist', async (t) => {
  const now = Date.parse('2026-11-24T08:00:00Z') // 09:00 in Oslo
  const net = { minUpMbps: 3, minDownMbps: 3, maxRttMs: 100, maxJitterMs: 30, maxLossPct: 1, videoStreams: 1 }
  const device = (id: string, name: string, state: DeviceView['state']): DeviceView => ({ id, name, kind: 'x', enabled: true, state, reason: null, metrics: {} })
  const mtu = { party: 'mtu', name: { nb: 'medisinsk-teknisk avdeling', en: 'the medical-technical department' }, phone: '75 12 34 56' }
  const it = { party: 'rodoy-it', name: { nb: 'kommunens IT', en: 'the municipality\'s IT' }, phone: '75 09 50 00' }
  const contacts = { room: it, network: it, box: it, devices: { 'spo2-1': mtu } }
  const session = { id: 'c-1', start: now + 10 * MIN, minutes: 30, profile: 'ortopedi' }
  const input = (over: Partial<ReadinessInput> = {}, states: Record<string, DeviceView['state']> = {}): ReadinessInput => ({
    now,
    timezone: OSLO,
    profiles: { ortopedi: { label: { nb: 'Ortopedi', en: 'Orthopaedics' }, requires: ['spo2-1', 'cam-1'], network: net } },
    defaultProfile: 'ortopedi',
    schedule: [session],
    lookaheadMs: 24 * 3_600_000,
    devices: new Map([['spo2-1', device('spo2-1', 'Pulsoksymeter', states['spo2-1'] ?? 'ok')], ['cam-1', device('cam-1', 'Kamera', states['cam-1'] ?? 'ok')], ['derm-1', device('derm-1', 'Dermatoskop', 'ok')]]),
    network: { rttMs: 20, jitterMs: 3, lossPct: 0, upMbps: 20, downMbps: 40, ifaceUtilPct: 3, ts: now - 5000 },
    networkMaxAgeMs: 180_000,
    uplinkConnected: true,
    supportPhone: '75 99 99 99',
    contacts,
    ...over
  })
  t.equal(evaluateReadiness(input({}, { 'spo2-1': 'down' })).summary.nb, 'Pulsoksymeter svarer ikke — sjekk strøm og kabel, ring medisinsk-teknisk avdeling på 75 12 34 56')
  t.equal(evaluateReadiness(input({}, { 'cam-1': 'down' })).summary.nb, 'Kamera svarer ikke — sjekk strøm og kabel, ring kommunens IT på 75 09 50 00', 'a device nobody named: the room\'s party')
  const slow = evaluateReadiness(input({ network: { rttMs: 400, jitterMs: 3, lossPct: 0, upMbps: 20, downMbps: 40, ifaceUtilPct: 3, ts: now - 5000 } }))
  t.match(slow.summary.nb, /^Nettverket er for tregt .*, ring kommunens IT på 75 09 50 00$/)
  t.equal(evaluateReadiness(input({ contacts: undefined }, { 'spo2-1': 'down' })).summary.nb, 'Pulsoksymeter svarer ikke — sjekk strøm og kabel, ring IT-support på 75 99 99 99', 'the hub said nothing: the room config\'s number')

  const due = (device: string): Reason => ({ code: 'calibration.overdue', level: 'amber', device, message: { nb: `${device} forfalt`, en: `${device} overdue` } })
  const amber = evaluateReadiness(input({ hubReasons: [due('spo2-1'), due('derm-1')] }))
  t.equal(amber.level, 'amber')
  t.same(amber.reasons.map((r) => r.device), ['spo2-1'], 'a device this consultation does not need stays out of it')
  t.equal(evaluateReadiness(input({ hubReasons: [due('derm-1')] })).level, 'green')

  const ready = evaluateReadiness(input({ specialist: { consultation: 'c-1', state: 'ready' } }))
  t.equal(ready.summary.nb, 'Rommet er klart for konsultasjonen kl. 09:10. Spesialisten er klar')
  t.equal(ready.summary.en, 'The room is ready for the 09:10 consultation. The specialist is ready')
  t.equal(ready.specialist, 'ready')
  t.equal(evaluateReadiness(input({ specialist: { consultation: 'c-0', state: 'ready' } })).specialist, undefined, 'another consultation\'s presence does not count')
  const absentRed = evaluateReadiness(input({ specialist: { consultation: 'c-1', state: 'absent' } }, { 'spo2-1': 'down' }))
  t.equal(absentRed.level, 'red', 'the colour is the room\'s')
  t.equal(absentRed.summary.nb, 'Pulsoksymeter svarer ikke — sjekk strøm og kabel, ring medisinsk-teknisk avdeling på 75 12 34 56. Spesialisten har ikke koblet seg på ennå')

  t.same(contactFor({ code: 'device.down', device: 'hololens-1' }, contacts), it, 'a device without its own contact: the room\'s')
  t.same(contactFor({ code: 'uplink.down' }, { ...contacts, network: null }), it)
  t.equal(contactFor({ code: 'x' }, undefined), null)
})
