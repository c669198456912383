import t from 'tap'
import { parseTopic, roomOfTopic, topics, isSlug } from '../../protocol/topics.js'

t.test('builders produce the documented topics', async (t) => {
  t.equal(topics.status('rodoy-1'), 'helserom/v1/rodoy-1/status')
  t.equal(topics.readiness('rodoy-1'), 'helserom/v1/rodoy-1/readiness')
  t.equal(topics.health('rodoy-1', 'cam-1'), 'helserom/v1/rodoy-1/devices/cam-1/health')
  t.equal(topics.readings('rodoy-1', 'spo2-1'), 'helserom/v1/rodoy-1/devices/spo2-1/readings')
  t.equal(topics.network('rodoy-1'), 'helserom/v1/rodoy-1/network')
  t.equal(topics.check('rodoy-1'), 'helserom/v1/rodoy-1/check')
  t.equal(topics.schedule('rodoy-1'), 'helserom/v1/rodoy-1/schedule')
  t.equal(topics.command('rodoy-1', 'ptz.gotoPreset'), 'helserom/v1/rodoy-1/cmd/ptz.gotoPreset')
  t.equal(topics.commandResult('rodoy-1', 'ptz.gotoPreset'), 'helserom/v1/rodoy-1/cmd/ptz.gotoPreset/result')
  t.equal(topics.all, 'helserom/v1/#')
})

t.test('builders refuse ids that would break a topic', async (t) => {
  t.throws(() => topics.status('Rødøy'), /not a slug/)
  t.throws(() => topics.status('a/b'), /not a slug/)
  t.throws(() => topics.health('r', '#'), /not a slug/)
  t.throws(() => topics.health('r', '+'), /not a slug/)
  t.throws(() => topics.command('r', 'a/b'), /command name/)
  t.notOk(isSlug(''))
  t.ok(isSlug('bronnoysund-1'))
})

t.test('parseTopic round-trips every builder and rejects the rest', async (t) => {
  t.same(parseTopic(topics.status('r1')), { kind: 'status', room: 'r1' })
  t.same(parseTopic(topics.health('r1', 'd1')), { kind: 'health', room: 'r1', device: 'd1' })
  t.same(parseTopic(topics.readings('r1', 'd1')), { kind: 'readings', room: 'r1', device: 'd1' })
  t.same(parseTopic(topics.command('r1', 'check.run')), { kind: 'command', room: 'r1', name: 'check.run' })
  t.same(parseTopic(topics.commandResult('r1', 'check.run')), { kind: 'commandResult', room: 'r1', name: 'check.run' })
  for (const bad of ['', 'helserom/v1', 'helserom/v1/', 'helserom/v2/r1/status', 'helserom/v1/R1/status',
    'helserom/v1/r1/unknown', 'helserom/v1/r1/devices/d1', 'helserom/v1/r1/devices/d1/other',
    'helserom/v1/r1/devices/d1/health/x', 'helserom/v1/r1/cmd/a/b/c', 'helserom/v1/r1/status/extra']) {
    t.equal(parseTopic(bad), null, `rejects "${bad}"`)
  }
  t.equal(roomOfTopic('helserom/v1/donna-1/anything'), 'donna-1')
  t.equal(roomOfTopic('other/donna-1'), null)
})
