// The incident lifecycle as a pure state machine: flap suppression on the way in and out, one
// incident per room + cause, acknowledgement, reopening within the window, and the notification
// policy (quiet hours, reminders) that follows it. The clock is a number.
import t from 'tap'
import type { Condition, Incident } from '../../cloud/incidents/incident.js'
import { IncidentBook, IncidentError } from '../../cloud/incidents/lifecycle.js'
import { dueNotifications, notificationFor } from '../../cloud/incidents/notify-policy.js'

const MIN = 60_000
const T0 = 1_800_000_000_000

function condition (cause = 'device.down:cam-1', over: Partial<Condition> = {}): Condition {
  return {
    cause,
    rule: 'deviceDown',
    device: 'cam-1',
    deviceName: 'Kamera',
    severity: 'warning',
    title: { nb: 'Helserom Rødøy: Kamera virker ikke', en: 'Helserom Rødøy: Kamera is not working' },
    detail: { nb: 'Kamera svarer ikke.', en: 'Kamera is not responding.' },
    consultation: null,
    holdMs: 60_000,
    ...over
  }
}

function book (): IncidentBook {
  let n = 0
  return new IncidentBook({ resolveAfterMs: 2 * MIN, reopenWindowMs: 30 * MIN }, () => `i-${++n}`)
}

const update = (b: IncidentBook, at: number, conditions: Condition[], extra: { keep?: (c: string) => boolean, quiet?: boolean } = {}) =>
  b.update({ room: 'rodoy-1', roomName: 'Helserom Rødøy', conditions, ...extra }, at).map((c) => `${c.kind}:${c.incident.id}`)

t.test('a condition must hold for its holdMs before it opens an incident, and be gone resolveAfterMs before it resolves', async (t) => {
  const b = book()
  t.same(update(b, T0, [condition()]), [], 'seen: pending')
  t.same(update(b, T0 + 30_000, []), [], 'gone before the hold: forgotten')
  t.same(update(b, T0 + 40_000, [condition()]), [], 'seen again: the hold starts over')
  t.same(update(b, T0 + 90_000, [condition()]), [], 'not yet held 60 s')
  t.same(update(b, T0 + 100_000, [condition()]), ['opened:i-1'])
  const i = b.get('i-1')!
  t.match(i, { key: 'rodoy-1:device.down:cam-1', room: 'rodoy-1', roomName: 'Helserom Rødøy', state: 'open', severity: 'warning', openedAt: T0 + 100_000, quiet: false, notifiedAt: null })
  t.same(update(b, T0 + 110_000, [condition()]), [], 'unchanged: no change')
  t.same(update(b, T0 + 120_000, []), [], 'gone: clearing')
  t.same(update(b, T0 + 120_000 + MIN, [condition()]), [], 'back before resolveAfterMs: the same incident goes on')
  t.same(update(b, T0 + 200_000, []), [])
  t.same(update(b, T0 + 200_000 + 2 * MIN, []), ['resolved:i-1'])
  t.match(b.get('i-1'), { state: 'resolved', resolvedAt: T0 + 200_000 + 2 * MIN })
  t.same(b.get('i-1')!.history.map((h) => h.event), ['opened', 'resolved'])
})

t.test('one incident per room and cause; severity and texts follow the condition', async (t) => {
  const b = book()
  const now = condition('readiness', { holdMs: 0, severity: 'info', rule: 'readiness', device: null, deviceName: null })
  t.same(update(b, T0, [now, condition('device.down:cam-1', { holdMs: 0 })]), ['opened:i-1', 'opened:i-2'])
  t.same(update(b, T0 + MIN, [{ ...now, severity: 'warning' }, condition('device.down:cam-1', { holdMs: 0 })]), ['escalated:i-1'])
  t.same(update(b, T0 + 2 * MIN, [{ ...now, severity: 'critical' }, condition('device.down:cam-1', { holdMs: 0 })]), ['escalated:i-1'])
  t.same(update(b, T0 + 3 * MIN, [{ ...now, severity: 'critical', detail: { nb: 'Annet', en: 'Other' } }, condition('device.down:cam-1', { holdMs: 0 })]), ['updated:i-1'])
  t.same(update(b, T0 + 4 * MIN, [{ ...now, severity: 'info' }, condition('device.down:cam-1', { holdMs: 0 })]), ['eased:i-1'])
  t.same(b.get('i-1')!.history.map((h) => `${h.event}${h.severity !== undefined ? `:${h.severity}` : ''}`), ['opened:info', 'escalated:warning', 'escalated:critical', 'eased:info'])
  t.equal(b.list({ state: 'active' }).length, 2)
  t.same(b.list({ severity: 'warning' }).map((i) => i.id), ['i-2'], 'severity filters by at least')
})

t.test('acknowledge: open only; conflicts and unknown ids are errors', async (t) => {
  const b = book()
  update(b, T0, [condition(undefined, { holdMs: 0 })])
  const change = b.acknowledge('i-1', 'it-vakt', T0 + MIN, 'på vei')
  t.match(change, { kind: 'acknowledged', incident: { state: 'acknowledged', acknowledgedBy: 'it-vakt', acknowledgedAt: T0 + MIN } })
  t.same(change.incident.history.at(-1), { at: T0 + MIN, event: 'acknowledged', by: 'it-vakt', note: 'på vei' })
  t.throws(() => b.acknowledge('i-1', 'annen', T0 + 2 * MIN), new IncidentError('conflict', 'incident i-1 was already acknowledged by it-vakt'))
  t.throws(() => b.acknowledge('i-9', 'it-vakt', T0), { code: 'not_found' })
  t.same(update(b, T0 + 2 * MIN, [condition(undefined, { holdMs: 0, severity: 'critical' })]), ['escalated:i-1'])
  t.equal(b.get('i-1')!.state, 'acknowledged', 'an acknowledged incident stays acknowledged when it escalates')
  update(b, T0 + 3 * MIN, [])
  update(b, T0 + 6 * MIN, [])
  t.throws(() => b.acknowledge('i-1', 'it-vakt', T0 + 7 * MIN), { code: 'conflict', message: 'incident i-1 is already resolved' })
})

t.test('a cause back within the reopen window reopens its incident; later it is a new one', async (t) => {
  const b = book()
  update(b, T0, [condition(undefined, { holdMs: 0 })])
  b.acknowledge('i-1', 'it-vakt', T0)
  update(b, T0 + MIN, [])
  t.same(update(b, T0 + 3 * MIN, []), ['resolved:i-1'])
  t.same(update(b, T0 + 10 * MIN, [condition(undefined, { holdMs: 0 })]), ['reopened:i-1'])
  t.match(b.get('i-1'), { state: 'open', reopenCount: 1, acknowledgedBy: null, resolvedAt: null })
  update(b, T0 + 11 * MIN, [])
  t.same(update(b, T0 + 13 * MIN, []), ['resolved:i-1'])
  t.same(update(b, T0 + 50 * MIN, [condition(undefined, { holdMs: 0 })]), ['opened:i-2'], 'after the window: a new incident')
})

t.test('causes the room cannot report on (the gateway is offline) are kept, not resolved', async (t) => {
  const b = book()
  update(b, T0, [condition(undefined, { holdMs: 0 })])
  const keep = (cause: string): boolean => cause !== 'offline'
  const offline = condition('offline', { holdMs: 0, rule: 'offline', device: null, deviceName: null })
  t.same(update(b, T0 + MIN, [offline], { keep }), ['opened:i-2'])
  t.same(update(b, T0 + 10 * MIN, [offline], { keep }), [], 'the camera incident stays while the gateway is offline')
  t.equal(b.get('i-1')!.state, 'open')
  update(b, T0 + 11 * MIN, [])
  t.same(update(b, T0 + 13 * MIN, []).sort(), ['resolved:i-1', 'resolved:i-2'], 'back online and fine: both resolve')
})

t.test('loading restores the lifecycle: active incidents go on, resolved ones can reopen, old ones are pruned', async (t) => {
  const b = book()
  update(b, T0, [condition(undefined, { holdMs: 0 }), condition('offline', { holdMs: 0 })])
  update(b, T0 + MIN, [condition(undefined, { holdMs: 0 })])
  update(b, T0 + 4 * MIN, [condition(undefined, { holdMs: 0 })])
  const saved = structuredClone([...b.all()])
  const again = book()
  again.load(saved)
  t.same(again.activeIncidents().map((i) => i.id), ['i-1'])
  t.same(update(again, T0 + 5 * MIN, [condition(undefined, { holdMs: 0 }), condition('offline', { holdMs: 0 })]), ['reopened:i-2'])
  t.equal(again.prune(T0 + 100 * MIN, 10 * MIN), 0, 'nothing resolved to prune')
  update(again, T0 + 6 * MIN, [])
  update(again, T0 + 9 * MIN, [])
  t.equal(again.prune(T0 + 100 * MIN, 10 * MIN), 2)
  t.equal(again.size, 0)
})

t.test('history is bounded', async (t) => {
  const b = new IncidentBook({ resolveAfterMs: 0, reopenWindowMs: 10 * MIN, maxHistory: 5 }, () => 'i-1')
  for (let k = 0; k < 20; k++) {
    update(b, T0 + k * 1000, [condition(undefined, { holdMs: 0 })])
    update(b, T0 + k * 1000 + 500, [])
  }
  t.equal(b.get('i-1')!.history.length, 5)
  t.equal(b.get('i-1')!.reopenCount, 19)
})

t.test('notification policy: quiet hours defer the first notice; escalations, reminders, acks and resolutions', async (t) => {
  const b = book()
  const [opened] = b.update({ room: 'rodoy-1', roomName: 'R', conditions: [condition(undefined, { holdMs: 0 })], quiet: true }, T0)
  t.equal(notificationFor(opened!, false), null, 'outside opening hours: recorded, not told')
  t.equal(opened!.incident.quiet, true)
  t.same(opened!.incident.history.map((h) => h.event), ['opened', 'quiet'])
  const staffed = (v: boolean) => () => v
  t.same(dueNotifications(b.activeIncidents(), { now: T0 + MIN, staffed: staffed(false), reminderMs: 15 * MIN, leadMs: 60 * MIN }), [])
  const due = dueNotifications(b.activeIncidents(), { now: T0 + 2 * MIN, staffed: staffed(true), reminderMs: 15 * MIN, leadMs: 60 * MIN })
  t.same(due.map((d) => d.event), ['opened'], 'told when the room opens')
  b.markNotified('i-1', 'opened', T0 + 2 * MIN)

  const consultation = { id: 'c-1', start: T0 + 40 * MIN, minutes: 30, profile: 'ortopedi' }
  const [escalated] = b.update({ room: 'rodoy-1', roomName: 'R', conditions: [condition(undefined, { holdMs: 0, severity: 'critical', consultation })] }, T0 + 3 * MIN)
  t.equal(notificationFor(escalated!, true), 'escalated')
  const remind = (at: number): string[] => dueNotifications(b.activeIncidents(), { now: at, staffed: staffed(true), reminderMs: 15 * MIN, leadMs: 60 * MIN }).map((d) => d.event)
  t.same(remind(T0 + 10 * MIN), [], 'not yet: told 8 minutes ago')
  t.same(remind(T0 + 17 * MIN), ['reminder'], 'unacknowledged before a consultation: a reminder')
  b.markNotified('i-1', 'reminder', T0 + 17 * MIN)
  t.same(remind(T0 + 20 * MIN), [])
  t.same(remind(T0 + 32 * MIN), ['reminder'])
  t.same(remind(T0 + 71 * MIN), [], 'the consultation is over: no more reminders')
  const ack = b.acknowledge('i-1', 'it-vakt', T0 + 33 * MIN)
  t.equal(notificationFor(ack, false), 'acknowledged', 'those who were told hear of the acknowledgement')
  t.same(remind(T0 + 50 * MIN), [], 'acknowledged: no reminders')
  const [esc2] = b.update({ room: 'rodoy-1', roomName: 'R', conditions: [condition(undefined, { holdMs: 0, severity: 'critical', consultation, detail: { nb: 'x', en: 'x' } })] }, T0 + 34 * MIN)
  t.equal(notificationFor(esc2!, true), null, 'an update is not told')

  const silent = book()
  const [o] = silent.update({ room: 'donna-1', roomName: 'D', conditions: [condition(undefined, { holdMs: 0 })], quiet: true }, T0)
  silent.update({ room: 'donna-1', roomName: 'D', conditions: [] }, T0 + MIN)
  const [resolved] = silent.update({ room: 'donna-1', roomName: 'D', conditions: [] }, T0 + 4 * MIN)
  t.equal(o!.incident.id, resolved!.incident.id)
  t.equal(notificationFor(resolved!, true), null, 'an incident nobody was told of resolves silently')
})

t.test('the list: newest first, filtered by state, room, rooms, since and limit', async (t) => {
  const b = book()
  b.update({ room: 'rodoy-1', roomName: 'R', conditions: [condition('a', { holdMs: 0 })] }, T0)
  b.update({ room: 'donna-1', roomName: 'D', conditions: [condition('b', { holdMs: 0 })] }, T0 + 1000)
  b.update({ room: 'rodoy-1', roomName: 'R', conditions: [condition('a', { holdMs: 0 }), condition('c', { holdMs: 0 })] }, T0 + 2000)
  const ids = (list: Incident[]): string[] => list.map((i) => i.id)
  t.same(ids(b.list()), ['i-3', 'i-2', 'i-1'])
  t.same(ids(b.list({ room: 'rodoy-1' })), ['i-3', 'i-1'])
  t.same(ids(b.list({ rooms: new Set(['donna-1']) })), ['i-2'])
  t.same(ids(b.list({ since: T0 + 1000 })), ['i-3', 'i-2'])
  t.same(ids(b.list({ limit: 1 })), ['i-3'])
  t.same(ids(b.list({ state: 'resolved' })), [])
})
