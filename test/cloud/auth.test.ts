import t from 'tap'
import { hashPassword, verifyPassword, hashToken, generateToken, parseHash, describeHashProblem } from '../../cloud/auth/passwords.js'
import { publishDenial, subscribeDenial, type MqttIdentity } from '../../cloud/auth/mqtt-auth.js'
import { UserDirectory, canSeeReadings, canSeeRoom, canSeeRoomDetail } from '../../cloud/auth/users.js'
import { TEST_SCRYPT } from './hub-fixtures.js'

t.test('scrypt hashes are self-describing and verify', async (t) => {
  const hash = await hashPassword('correct horse battery staple', TEST_SCRYPT)
  t.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
  t.ok(await verifyPassword('correct horse battery staple', hash), 'right password')
  t.notOk(await verifyPassword('correct horse battery stapler', hash), 'wrong password')
  t.notOk(await verifyPassword('', hash), 'empty password')
  const again = await hashPassword('correct horse battery staple', TEST_SCRYPT)
  t.not(again, hash, 'a fresh salt every time')
  t.same(parseHash(hash)?.algorithm, 'scrypt')
})

t.test('the default cost is used and recorded in the hash', async (t) => {
  const hash = await hashPassword('pw')
  t.match(hash, /^scrypt\$32768\$8\$3\$/)
  t.ok(await verifyPassword('pw', hash))
})

t.test('malformed hashes never match and never throw', async (t) => {
  for (const bad of ['', 'plain', 'scrypt$', 'scrypt$3$8$1$c2FsdA==$aGFzaA==', 'scrypt$1024$8$1$!!$??', 'sha256$short', 'md5$abc']) {
    t.notOk(await verifyPassword('pw', bad), `"${bad}"`)
    t.not(describeHashProblem(bad, ['scrypt', 'sha256']), null)
  }
  t.rejects(hashPassword(''), /empty/)
})

t.test('generated tokens are hashed with sha256', async (t) => {
  const token = generateToken()
  t.equal(token.length, 43)
  const hash = hashToken(token)
  t.match(hash, /^sha256\$/)
  t.ok(await verifyPassword(token, hash))
  t.notOk(await verifyPassword(token + 'x', hash))
  t.throws(() => hashToken('short'), /at least 16/)
})

t.test('the user directory finds users by token, sha256 and scrypt alike', async (t) => {
  const scryptToken = 'chosen-by-a-person'
  const dir = new UserDirectory([
    { name: 'it', role: 'it', tokenHash: hashToken('it-token-xxxxxxxxxxxxxxxx') },
    { name: 'sp', role: 'specialist', tokenHash: await hashPassword(scryptToken, TEST_SCRYPT), rooms: ['rodoy-1'] },
    { name: 'all', role: 'specialist', tokenHash: hashToken('all-token-xxxxxxxxxxxxxxx'), rooms: ['*'] },
    { name: 'st', role: 'staff', tokenHash: hashToken('st-token-xxxxxxxxxxxxxxxx'), rooms: ['donna-1'] }
  ])
  t.equal((await dir.authenticateToken('it-token-xxxxxxxxxxxxxxxx'))?.name, 'it')
  t.equal((await dir.authenticateToken(scryptToken))?.name, 'sp')
  t.equal((await dir.authenticateToken(scryptToken))?.name, 'sp', 'again, from the cache')
  t.equal(await dir.authenticateToken('nope'), null)
  t.equal(await dir.authenticateToken('nope'), null, 'again, from the negative cache')
  t.equal(await dir.authenticateToken(''), null)
  t.equal(await dir.authenticateToken(undefined), null)
  t.equal(await dir.authenticateToken('x'.repeat(5000)), null)

  const [it, sp, all, st] = dir.users as [typeof dir.users[0], typeof dir.users[0], typeof dir.users[0], typeof dir.users[0]]
  t.ok(canSeeRoom(it, 'anything') && canSeeReadings(it, 'anything'), 'it sees every room and its readings')
  t.ok(canSeeReadings(sp, 'rodoy-1'))
  t.notOk(canSeeRoom(sp, 'donna-1'), 'a specialist sees only the rooms listed')
  t.ok(canSeeReadings(all, 'donna-1'), 'rooms: ["*"] is every room')
  t.ok(canSeeRoom(st, 'donna-1'))
  t.notOk(canSeeReadings(st, 'donna-1'), 'staff never see readings')
  t.notOk(canSeeRoomDetail(st, 'donna-1'), 'staff see readiness only')
})

t.test('what a gateway may publish and subscribe', async (t) => {
  const gw: MqttIdentity = { kind: 'gateway', username: 'rodoy-1', room: 'rodoy-1' }
  for (const ok of ['status', 'readiness', 'network', 'check', 'devices/cam-1/health', 'devices/spo2-1/readings', 'cmd/ptz.gotoPreset/result']) {
    t.equal(publishDenial(gw, `helserom/v1/rodoy-1/${ok}`), null, `publishes ${ok}`)
  }
  t.match(publishDenial(gw, 'helserom/v1/donna-1/status'), /may not publish for room donna-1/)
  t.match(publishDenial(gw, 'helserom/v1/rodoy-1/schedule'), /hub only/)
  t.match(publishDenial(gw, 'helserom/v1/rodoy-1/cmd/ptz.gotoPreset'), /hub only/)
  t.match(publishDenial(gw, 'helserom/v1/rodoy-1/other'), /contract/)
  t.match(publishDenial(gw, 'elsewhere'), /contract/)

  t.equal(subscribeDenial(gw, 'helserom/v1/rodoy-1/schedule'), null)
  t.equal(subscribeDenial(gw, 'helserom/v1/rodoy-1/cmd/+'), null)
  t.equal(subscribeDenial(gw, 'helserom/v1/rodoy-1/cmd/check.run'), null)
  for (const bad of ['helserom/v1/rodoy-1/#', 'helserom/v1/donna-1/schedule', 'helserom/v1/+/schedule', '#', 'helserom/v1/rodoy-1/cmd/#', 'helserom/v1/rodoy-1/devices/+/readings']) {
    t.not(subscribeDenial(gw, bad), null, `may not subscribe ${bad}`)
  }
})

t.test('what a user may subscribe (read-only)', async (t) => {
  const dir = new UserDirectory([
    { name: 'it', role: 'it', tokenHash: hashToken('it-token-xxxxxxxxxxxxxxxx') },
    { name: 'sp', role: 'specialist', tokenHash: hashToken('sp-token-xxxxxxxxxxxxxxxx'), rooms: ['rodoy-1'] },
    { name: 'st', role: 'staff', tokenHash: hashToken('st-token-xxxxxxxxxxxxxxxx'), rooms: ['rodoy-1'] }
  ])
  const id = (name: string): MqttIdentity => ({ kind: 'user', username: name, user: dir.byName(name)! })
  t.equal(subscribeDenial(id('it'), 'helserom/v1/#'), null)
  t.equal(subscribeDenial(id('sp'), 'helserom/v1/rodoy-1/#'), null)
  t.equal(subscribeDenial(id('sp'), 'helserom/v1/rodoy-1/devices/+/health'), null)
  t.equal(subscribeDenial(id('sp'), 'helserom/v1/rodoy-1/devices/#'), null, 'a wider filter is granted (readings are held back at delivery)')
  for (const readingsOnly of ['helserom/v1/rodoy-1/devices/+/readings', 'helserom/v1/rodoy-1/devices/spo2-1/readings', 'helserom/v1/rodoy-1/+/+/readings']) {
    t.match(subscribeDenial(id('sp'), readingsOnly), /WebSocket \/ws/, `readings over MQTT refused: ${readingsOnly}`)
  }
  t.match(subscribeDenial(id('it'), 'helserom/v1/+/devices/+/readings'), /WebSocket \/ws/, 'it too')
  t.match(subscribeDenial(id('sp'), 'helserom/v1/#'), /every room/)
  t.match(subscribeDenial(id('sp'), 'helserom/v1/donna-1/readiness'), /may not see room donna-1/)
  t.equal(subscribeDenial(id('st'), 'helserom/v1/rodoy-1/readiness'), null)
  t.equal(subscribeDenial(id('st'), 'helserom/v1/rodoy-1/status'), null)
  t.match(subscribeDenial(id('st'), 'helserom/v1/rodoy-1/#'), /staff/)
  t.match(subscribeDenial(id('st'), 'helserom/v1/rodoy-1/devices/spo2-1/readings'), /staff/)
  t.match(subscribeDenial(id('st'), '$SYS/#'), /helserom/)
  t.match(publishDenial(id('it'), 'helserom/v1/rodoy-1/schedule'), /read-only/)
})

