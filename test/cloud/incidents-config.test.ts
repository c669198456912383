// The config sections this feature adds (alerts, notify, audit, scheduleImport) with their
// defaults, what they refuse, that today's `alerts: { leadMinutes }` stays valid, and opening hours
// (quiet hours) in the room's time zone across summer time and past midnight. Pure.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { auditConfig } from '../../cloud/audit/config.js'
import { AlertsConfig, alertsConfig, OpeningHours } from '../../cloud/incidents/config.js'
import { isOpen, localWeekMinute, parseOpeningHours } from '../../cloud/incidents/opening-hours.js'
import { scheduleImportConfig } from '../../cloud/schedule/config.js'

t.test('alerts: defaults; the hub core\'s { leadMinutes } stays valid; problems are listed', async (t) => {
  const c = alertsConfig()
  t.match(c, { leadMinutes: 60, warningMinutes: 30, criticalMinutes: 10, openAfterSeconds: 60, resolveAfterSeconds: 120, reopenWithinMinutes: 30, reminderMinutes: 15, tickSeconds: 15, timezone: 'Europe/Oslo' })
  t.match(c.rules, { offline: { enabled: true, holdSeconds: 120 }, check: { holdSeconds: 0, maxAgeMinutes: 180 }, bandwidth: { minUpMbps: 1.5, minDownMbps: 1.5 }, battery: { marginMinutes: 10 } })
  t.equal(c.rules.deviceDown.holdSeconds, undefined, 'a rule without its own hold uses openAfterSeconds')
  t.ok(Value.Check(AlertsConfig, Value.Default(AlertsConfig, { leadMinutes: 45 })), 'alerts: { leadMinutes } as in DESIGN.md')
  let message = ''
  try { alertsConfig({ leadMinutes: -1, timezone: 'Mars/Olympus', rules: { offline: { holdSeconds: 'soon' } } }) } catch (err) { message = (err as Error).message }
  t.match(message, /alerts\.leadMinutes/, 'every problem is listed')
  t.match(message, /alerts\.timezone: "Mars\/Olympus" is not a time zone this machine knows/)
  t.match(message, /alerts\.rules\.offline\.holdSeconds/)
  t.ok(Value.Check(OpeningHours, { 'mon-fri': '08:00-16:00', 'sat,sun': 'closed' }))
  t.ok(Value.Check(OpeningHours, 'always'))
  t.notOk(Value.Check(OpeningHours, { weekdays: '08:00-16:00' }))
  t.notOk(Value.Check(OpeningHours, { mon: '8-16' }))
})

t.test('audit and scheduleImport sections', async (t) => {
  t.same(auditConfig(), { fsync: true, viewGapSeconds: 300 })
  t.throws(() => auditConfig({ viewGapSeconds: 0 }), /audit\.viewGapSeconds/)
  t.match(scheduleImportConfig(), { profiles: {}, horizonDays: 60, defaultMinutes: 30, includeTitle: false, maxBytes: 2 * 1024 * 1024, timezone: 'Europe/Oslo' })
  t.throws(() => scheduleImportConfig({ profiles: { Hud: 'Hud Sår' } }), /scheduleImport\.profiles/, 'a profile must be a profile name')
})

t.test('opening hours: days, ranges, past midnight, closed, later keys win', async (t) => {
  const week = parseOpeningHours({ 'mon-fri': '08:00-11:30,12:00-16:00', sat: '22:00-02:00', 'fri-mon': '07:00-09:00', wed: 'closed' })
  if (week === 'always') throw new Error('unexpected')
  t.same(week[1], [[420, 540]], 'Monday: fri-mon came later and wins')
  t.same(week[2], [[480, 690], [720, 960]], 'Tuesday: two ranges')
  t.same(week[3], [], 'Wednesday closed')
  t.same(week[6], [[420, 540]], 'Saturday: named by sat and by fri-mon; fri-mon came later')
  const night = parseOpeningHours({ sat: '22:00-02:00' })
  if (night === 'always') throw new Error('unexpected')
  t.same([night[6], night[0]], [[[1320, 1440]], [[0, 120]]], 'past midnight: the rest of Saturday and the start of Sunday')
  t.equal(parseOpeningHours('always'), 'always')
  t.throws(() => parseOpeningHours({ mon: '08:00-25:00' }), /past 24:00/)
})

t.test('isOpen in Oslo time, in winter and in summer', async (t) => {
  const hours = parseOpeningHours({ 'mon-fri': '08:00-16:00' })
  const tz = 'Europe/Oslo'
  t.same(localWeekMinute(Date.UTC(2026, 10, 24, 7, 0), tz), { day: 2, minute: 480 }, 'Tuesday 08:00 in winter is 07:00 UTC')
  t.ok(isOpen(hours, Date.UTC(2026, 10, 24, 7, 0), tz))
  t.notOk(isOpen(hours, Date.UTC(2026, 10, 24, 6, 59), tz))
  t.ok(isOpen(hours, Date.UTC(2026, 5, 23, 6, 0), tz), 'Tuesday 08:00 in summer is 06:00 UTC')
  t.notOk(isOpen(hours, Date.UTC(2026, 5, 23, 14, 0), tz), '16:00: closed (the end is exclusive)')
  t.notOk(isOpen(hours, Date.UTC(2026, 10, 28, 10, 0), tz), 'Saturday')
  t.ok(isOpen(undefined, 0, tz), 'no hours: always open')
  t.ok(isOpen('always', 0, tz))
})
