// The iCalendar reader and the schedule it makes: RFC 5545 unfolding and parameters, DTSTART/DTEND
// in UTC, with TZID (IANA, Windows, VTIMEZONE's X-LIC-LOCATION) and floating, across summer time;
// DURATION; weekly and daily recurrence with EXDATE and moved or cancelled occurrences; profiles from
// CATEGORIES or the mapping; what is skipped and why; errors with line numbers. Pure.
import t from 'tap'
import { IcsError, parseContentLine, parseDuration, parseIcs, unfold } from '../../cloud/schedule/ical.js'
import { consultationId, scheduleFromIcs, type IcsImportOptions } from '../../cloud/schedule/ics-schedule.js'
import { parseRrule } from '../../cloud/schedule/rrule.js'
import { offsetAt, resolveTzid, zonedToUtc } from '../../cloud/schedule/zoned-time.js'

const MIN = 60_000
// Monday 2 November 2026, 06:00 UTC (07:00 in Oslo)
const NOW = Date.UTC(2026, 10, 2, 6, 0)
const opts = (over: Partial<IcsImportOptions> = {}): IcsImportOptions => ({
  now: NOW, horizonDays: 60, timezone: 'Europe/Oslo', profiles: { hud: 'hud-sar', 'Lærings- og mestringskurs': 'lms-kurs' }, includeTitle: false, defaultMinutes: 30, ...over
})

/** A calendar with CRLF line ends, as servers write it. */
function ics (...events: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//helserom//NO', ...events, 'END:VCALENDAR', ''].join('\r\n')
}

function vevent (lines: string[]): string {
  return ['BEGIN:VEVENT', 'DTSTAMP:20261101T120000Z', ...lines, 'END:VEVENT'].join('\r\n')
}

t.test('content lines: unfolding, parameters with quotes, escaped text', async (t) => {
  t.same(unfold('SUMMARY:Konsul\r\n tasjon\r\n\tRødøy\r\nUID:1\n'), [{ text: 'SUMMARY:KonsultasjonRødøy', line: 1 }, { text: 'UID:1', line: 4 }])
  t.same(parseContentLine('DTSTART;TZID="Europe/Oslo";VALUE=DATE-TIME:20261124T093000', 1), { name: 'DTSTART', params: { TZID: 'Europe/Oslo', VALUE: 'DATE-TIME' }, value: '20261124T093000', line: 1 })
  t.same(parseContentLine('ATTENDEE;CN="Lege, Ola: Ortoped";ROLE=REQ-PARTICIPANT:mailto:a@b.no', 3).params, { CN: 'Lege, Ola: Ortoped', ROLE: 'REQ-PARTICIPANT' }, 'quoted values hold ":" and ","')
  t.same(parseContentLine('categories:Hud', 1).name, 'CATEGORIES', 'names are case-insensitive')
  t.throws(() => parseContentLine('just text', 7), new IcsError('expected ":" after JUST', 7))
  t.throws(() => parseContentLine('<p>', 8), new IcsError('"<p>" is not a content line (NAME:value)', 8))
  t.throws(() => parseContentLine('DTSTART;TZID="Europe/Oslo:2026', 2), /line 2: unterminated quoted parameter value/)
  t.equal(parseDuration('PT1H30M'), 90 * MIN)
  t.equal(parseDuration('P1DT2H'), 26 * 60 * MIN)
  t.equal(parseDuration('P1W'), 7 * 24 * 60 * MIN)
  t.throws(() => parseDuration('PT'), /not a DURATION/)
})

t.test('structure errors are reported with their line', async (t) => {
  t.throws(() => parseIcs(''), /the calendar is empty/)
  t.throws(() => parseIcs('<html><body>Log in</body></html>'), /line 1: "<html><body>Log in<\/body><\/html>" is not a content line/, 'an HTML login page is not a calendar')
  t.throws(() => parseIcs('BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n'), /line 3: END:VCALENDAR does not close BEGIN:VEVENT/)
  t.throws(() => parseIcs('BEGIN:VCALENDAR\nBEGIN:VEVENT\n'), /BEGIN:VEVENT is never closed/)
  t.throws(() => parseIcs('BEGIN:VCARD\nEND:VCARD\n'), /no BEGIN:VCALENDAR/)
})

t.test('times: UTC, TZID, Windows zone names, X-LIC-LOCATION, floating; summer time handled', async (t) => {
  t.equal(zonedToUtc({ year: 2026, month: 11, day: 24, hour: 9, minute: 30, second: 0 }, 'Europe/Oslo'), Date.UTC(2026, 10, 24, 8, 30), 'winter: UTC+1')
  t.equal(zonedToUtc({ year: 2026, month: 6, day: 24, hour: 9, minute: 30, second: 0 }, 'Europe/Oslo'), Date.UTC(2026, 5, 24, 7, 30), 'summer: UTC+2')
  t.equal(zonedToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 'Europe/Oslo'), Date.UTC(2026, 2, 29, 1, 30), 'in the spring gap: moved forward (03:30 CEST)')
  t.equal(zonedToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, 'Europe/Oslo'), Date.UTC(2026, 9, 25, 0, 30), 'the autumn hour twice: the first one (CEST)')
  t.equal(offsetAt(Date.UTC(2026, 0, 1), 'Europe/Oslo'), 3600_000)
  t.equal(resolveTzid('W. Europe Standard Time'), 'Europe/Berlin')
  t.equal(resolveTzid('Europe/Oslo'), 'Europe/Oslo')
  t.equal(resolveTzid('/Europe/Oslo'), 'Europe/Oslo', 'a leading "/" (globally unique TZID) is dropped')
  t.equal(resolveTzid('Custom Zone', new Map([['Custom Zone', 'Europe/Oslo']])), 'Europe/Oslo')
  t.equal(resolveTzid('Mars Standard Time'), null)

  const cal = ics(
    vevent(['UID:utc', 'DTSTART:20261124T083000Z', 'DTEND:20261124T090000Z', 'CATEGORIES:ortopedi']),
    vevent(['UID:oslo', 'DTSTART;TZID=Europe/Oslo:20261124T093000', 'DTEND;TZID=Europe/Oslo:20261124T101500', 'CATEGORIES:ortopedi']),
    vevent(['UID:windows', 'DTSTART;TZID=W. Europe Standard Time:20261124T093000', 'DURATION:PT45M', 'CATEGORIES:ortopedi']),
    vevent(['UID:floating', 'DTSTART:20261124T093000', 'CATEGORIES:ortopedi']),
    vevent(['UID:mars', 'DTSTART;TZID=Mars Standard Time:20261124T093000', 'CATEGORIES:ortopedi'])
  )
  const r = scheduleFromIcs(cal, opts())
  const byId = Object.fromEntries(r.schedule.map((c) => [c.id, c]))
  const at0930 = Date.UTC(2026, 10, 24, 8, 30)
  t.same([byId.utc!.start, byId.utc!.minutes], [at0930, 30])
  t.same([byId.oslo!.start, byId.oslo!.minutes], [at0930, 45])
  t.same([byId.windows!.start, byId.windows!.minutes], [at0930, 45])
  t.same([byId.floating!.start, byId.floating!.minutes], [at0930, 30], 'floating: the configured zone; no end: defaultMinutes')
  t.equal(byId.mars!.start, at0930)
  t.same(r.warnings, ['time zone "Mars Standard Time" is unknown here; its times were read as Europe/Oslo'])
})

t.test('profiles from CATEGORIES or the mapping; titles only when asked; skipped events say why', async (t) => {
  const cal = ics(
    vevent(['UID:a', 'DTSTART:20261124T083000Z', 'CATEGORIES:Ortopedi,Telemedisin', 'SUMMARY:Kontroll Ola Nordmann']),
    vevent(['UID:b', 'DTSTART:20261124T093000Z', 'CATEGORIES:HUD', 'SUMMARY:Sår']),
    vevent(['UID:c', 'DTSTART:20261124T103000Z', 'SUMMARY:Lærings- og mestringskurs\\, gruppe 2']),
    vevent(['UID:d', 'DTSTART:20261124T113000Z', 'SUMMARY:Noe annet', 'CATEGORIES:Møte med NAV']),
    vevent(['UID:cancelled', 'DTSTART:20261124T123000Z', 'STATUS:CANCELLED', 'CATEGORIES:ortopedi']),
    vevent(['UID:allday', 'DTSTART;VALUE=DATE:20261124', 'CATEGORIES:ortopedi']),
    vevent(['UID:past', 'DTSTART:20261101T083000Z', 'CATEGORIES:ortopedi']),
    vevent(['UID:far', 'DTSTART:20270601T083000Z', 'CATEGORIES:ortopedi']),
    vevent(['UID:broken', 'DTSTART:2026-11-24 09:30', 'CATEGORIES:ortopedi']),
    vevent(['UID:long', 'DTSTART:20261124T083000Z', 'DURATION:P2D', 'CATEGORIES:ortopedi'])
  )
  const r = scheduleFromIcs(cal, opts())
  t.same(r.schedule.map((c) => [c.id, c.profile]), [['a', 'ortopedi'], ['b', 'hud-sar'], ['c', 'lms-kurs']])
  t.notOk(r.schedule.some((c) => 'title' in c), 'no titles: they name patients')
  t.same(r.skipped.map((s) => [s.event, s.reason]), [
    ['d', 'no profile: give it a CATEGORIES value that names a profile, or map its category or title in scheduleImport.profiles'],
    ['cancelled', 'cancelled'],
    ['allday', 'an all-day event, not a consultation'],
    ['past', 'already over'],
    ['far', 'more than 60 days ahead'],
    ['long', 'lasts 2880 minutes (1–1440 allowed)']
  ])
  t.match(r.warnings, [/DTSTART "2026-11-24 09:30" is not a DATE-TIME/], 'an unreadable event is reported, the rest imported')
  t.equal(r.events, 9)
  const withDefault = scheduleFromIcs(cal, opts({ defaultProfile: 'ortopedi', includeTitle: true }))
  t.same(withDefault.schedule.find((c) => c.id === 'd'), { id: 'd', start: Date.UTC(2026, 10, 24, 11, 30), minutes: 30, profile: 'ortopedi', title: 'Noe annet' })
  t.equal(withDefault.schedule.find((c) => c.id === 'c')!.title, 'Lærings- og mestringskurs, gruppe 2', 'escaped text read')
})

t.test('recurring events: weekly with BYDAY across summer time, EXDATE, moved and cancelled occurrences', async (t) => {
  // a course every Tuesday and Thursday at 10:00 Oslo time from 20 October, ten times
  const cal = ics(
    vevent(['UID:kurs', 'DTSTART;TZID=Europe/Oslo:20261020T100000', 'DTEND;TZID=Europe/Oslo:20261020T113000', 'RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10', 'EXDATE;TZID=Europe/Oslo:20261105T100000', 'CATEGORIES:Lærings- og mestringskurs']),
    vevent(['UID:kurs', 'RECURRENCE-ID;TZID=Europe/Oslo:20261110T100000', 'DTSTART;TZID=Europe/Oslo:20261110T120000', 'DTEND;TZID=Europe/Oslo:20261110T133000', 'CATEGORIES:Lærings- og mestringskurs']),
    vevent(['UID:kurs', 'RECURRENCE-ID;TZID=Europe/Oslo:20261112T100000', 'DTSTART;TZID=Europe/Oslo:20261112T100000', 'STATUS:CANCELLED'])
  )
  const r = scheduleFromIcs(cal, opts())
  const oslo = (d: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Oslo', dateStyle: 'short', timeStyle: 'short' }).format(d).slice(5)
  // occurrences: 20, 22, 27, 29 Oct (past), 3, 5 (EXDATE), 10 (moved to 12:00), 12 (cancelled), 17, 19 Nov
  t.same(r.schedule.map((c) => oslo(c.start)), ['11-03 10:00', '11-10 12:00', '11-17 10:00', '11-19 10:00'], 'still 10:00 after the change to winter time')
  t.same(r.schedule.map((c) => c.minutes), [90, 90, 90, 90])
  t.equal(r.schedule[0]!.id, 'kurs/20261103T090000Z', 'each occurrence has its own stable id')
  t.same(r.skipped.map((s) => s.reason), ['cancelled'])
  t.same(scheduleFromIcs(cal, opts()).schedule, r.schedule, 'the same calendar gives the same schedule')

  const daily = ics(vevent(['UID:daglig', 'DTSTART:20261102T120000Z', 'RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20261110T235959Z', 'CATEGORIES:ortopedi']))
  t.same(scheduleFromIcs(daily, opts()).schedule.map((c) => new Date(c.start).toISOString().slice(5, 10)), ['11-02', '11-04', '11-06', '11-08', '11-10'])
  const monthly = ics(vevent(['UID:mnd', 'DTSTART:20261124T120000Z', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=24', 'CATEGORIES:ortopedi']))
  const m = scheduleFromIcs(monthly, opts())
  t.equal(m.schedule.length, 1, 'an unsupported rule: the first occurrence only')
  t.same(m.warnings, ['mnd: recurrence rule not supported (FREQ=MONTHLY is not supported (DAILY and WEEKLY are)); only its first occurrence was imported'])
  t.equal(typeof parseRrule('FREQ=WEEKLY;BYSETPOS=1', 'UTC'), 'string')
  t.equal(typeof parseRrule('FREQ=WEEKLY;BYDAY=1MO', 'UTC'), 'string')
  const endless = ics(vevent(['UID:hver', 'DTSTART:20261102T120000Z', 'RRULE:FREQ=DAILY', 'CATEGORIES:ortopedi']))
  t.equal(scheduleFromIcs(endless, opts({ horizonDays: 10 })).schedule.length, 10, 'an endless rule stops at the horizon')
})

t.test('ids: the UID; a hash when it is missing or too long', async (t) => {
  const start = { kind: 'date-time' as const, at: 0, wall: { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, zone: 'UTC' }
  t.equal(consultationId({ uid: 'abc@example.no', line: 1, start }, null), 'abc@example.no')
  t.match(consultationId({ uid: 'x'.repeat(300), line: 1, start }, null), /^ics-[0-9a-f]{32}$/)
  t.match(consultationId({ uid: null, line: 12, start }, null), /^ics-[0-9a-f]{32}$/)
  const many = ics(...Array.from({ length: 30 }, (_, i) => vevent([`UID:u-${i}`, `DTSTART:202611${String(10 + (i % 20)).padStart(2, '0')}T0${i % 10}0000Z`, 'CATEGORIES:ortopedi'])))
  const capped = scheduleFromIcs(many, opts({ maxConsultations: 10 }))
  t.equal(capped.schedule.length, 10)
  t.match(capped.warnings, [/30 consultations found; only the first 10 were kept/])
})
