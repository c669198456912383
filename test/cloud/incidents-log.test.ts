// incidents.jsonl on a real data folder: the last snapshot of each incident wins, unreadable and torn
// lines are dropped, resolved incidents past retention are forgotten, and the file is compacted
// (atomically) when it holds far more lines than incidents.
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Incident } from '../../cloud/incidents/incident.js'
import { IncidentLog } from '../../cloud/incidents/incident-log.js'
import { tempDir } from '../helpers/index.js'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 24, 12, 0)

function incident (id: string, over: Partial<Incident> = {}): Incident {
  return {
    id, key: `rodoy-1:${id}`, room: 'rodoy-1', roomName: 'Helserom Rødøy', cause: id, rule: 'deviceDown', device: null, deviceName: null,
    state: 'open', severity: 'warning', title: { nb: 't', en: 't' }, detail: { nb: 'd', en: 'd' }, consultation: null,
    openedAt: NOW - DAY, updatedAt: NOW - DAY, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, reopenCount: 0,
    quiet: false, notifiedAt: null, history: [], ...over
  }
}

t.test('last snapshot wins; bad and torn lines dropped; old resolved ones forgotten; compaction', async (t) => {
  const path = join(tempDir(t), 'incidents.jsonl')
  const first = new IncidentLog(path, { retentionMs: 30 * DAY, clock: () => NOW })
  t.same((await first.load()).incidents, [], 'no file: no incidents')
  for (let k = 0; k < 1200; k++) await first.save(incident('i-a', { severity: k % 2 === 0 ? 'info' : 'critical', updatedAt: NOW - DAY + k }))
  await first.save(incident('i-old', { state: 'resolved', resolvedAt: NOW - 40 * DAY }))
  await first.save(incident('i-recent', { state: 'resolved', resolvedAt: NOW - 2 * DAY }))
  await first.close()
  appendFileSync(path, 'not json\n{"id":"i-torn","key":')

  const second = new IncidentLog(path, { retentionMs: 30 * DAY, clock: () => NOW })
  const loaded = await second.load()
  t.same(loaded.incidents.map((i) => i.id).sort(), ['i-a', 'i-recent'])
  t.equal(loaded.incidents.find((i) => i.id === 'i-a')!.severity, 'critical', 'the last snapshot')
  t.match(loaded, { lines: 1202, bad: 1, compacted: true })
  t.equal(readFileSync(path, 'utf8').trim().split('\n').length, 2, 'rewritten with one line per kept incident')
  t.notOk(existsSync(`${path}.tmp`))
  await second.save(incident('i-b'))
  await second.close()

  const third = new IncidentLog(path, { retentionMs: 30 * DAY, clock: () => NOW })
  const again = await third.load()
  t.same(again.incidents.map((i) => i.id).sort(), ['i-a', 'i-b', 'i-recent'])
  t.equal(again.compacted, false, 'a lean file is left as it is')
  await third.close()
  await t.rejects(new IncidentLog(path, { retentionMs: DAY }).save(incident('x')), /not loaded yet/)
})
