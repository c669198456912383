// The hub's probe endpoints (the gateways' throughput test and clock check) on a real hub: only a
// gateway's own MQTT credentials, as HTTP Basic auth, open them; and one gateway runs one transfer at
// a time, so one room (or anyone) cannot hold every slot of the fleet's throughput tests.
import t from 'tap'
import { request, type IncomingMessage } from 'node:http'
import { basicCredentials } from '../../cloud/auth/gateway-basic-auth.js'
import { waitFor } from '../helpers/index.js'
import { passwords, startTestHub } from './hub-fixtures.js'

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`

/** A GET that resolves at the response's headers; the body is left unread (the transfer goes on) until `res.destroy()`. */
async function open (url: string, authorization?: string): Promise<IncomingMessage> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: authorization !== undefined ? { authorization } : {} }, resolve)
    req.once('error', reject)
    req.end()
  })
}

t.test('Basic credentials are read as RFC 7617 writes them', async (t) => {
  t.same(basicCredentials(basic('rodoy-1', 'pass:with:colons')), { username: 'rodoy-1', password: 'pass:with:colons' }, 'the password may hold colons')
  t.same(basicCredentials(basic('rødøy', 'æøå')), { username: 'rødøy', password: 'æøå' }, 'UTF-8')
  for (const bad of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', basic('', 'x'), `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
    t.equal(basicCredentials(bad), null, `refused: ${String(bad)}`)
  }
})

t.test('only a gateway\'s own credentials open the probe endpoints', async (t) => {
  const hub = await startTestHub(t)
  const base = hub.urls!.http
  const none = await fetch(`${base}/probe/time`)
  t.equal(none.status, 401, 'no credentials')
  t.match(none.headers.get('www-authenticate'), /^Basic realm="helserom probe"/, 'says which scheme')
  t.same(await none.json(), { error: { code: 'unauthorized', message: 'the probe endpoints need gateway credentials' } })
  t.equal((await fetch(`${base}/probe/download?bytes=1000`, { headers: { authorization: basic('rodoy-1', 'wrong') } })).status, 401, 'a wrong password')
  t.equal((await fetch(`${base}/probe/download?bytes=1000`, { headers: { authorization: basic('donna-1', passwords['donna-1']) } })).status, 401, 'the room is not the user name when the config names one')
  t.equal((await fetch(`${base}/probe/download?bytes=1000`, { headers: { authorization: basic('nobody', 'x') } })).status, 401, 'an unknown user name')
  t.equal((await fetch(`${base}/probe/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(1000) })).status, 401, 'an upload without credentials')
  t.equal(await hub.metrics.value('helserom_hub_auth_denied_total', { surface: 'http', action: 'probe' }), 5, 'each refusal counted')

  const rodoy = basic('rodoy-1', passwords['rodoy-1'])
  const time = await fetch(`${base}/probe/time`, { headers: { authorization: rodoy } })
  t.equal(time.status, 200, 'the right credentials')
  t.ok(Math.abs((await time.json() as { ts: number }).ts - Date.now()) < 60_000, 'the hub\'s clock')
  const download = await fetch(`${base}/probe/download?bytes=100000`, { headers: { authorization: rodoy } })
  t.equal(download.status, 200)
  t.equal((await download.arrayBuffer()).byteLength, 100_000)
  const upload = await fetch(`${base}/probe/upload`, { method: 'POST', headers: { authorization: basic('donna-gw', passwords['donna-1']), 'content-type': 'application/octet-stream' }, body: Buffer.alloc(50_000) })
  t.equal(upload.status, 200, 'a gateway with a user name of its own')
  t.match(await upload.text(), /"done":true,"bytes":50000/)
})

t.test('one transfer at a time per gateway; another gateway is not held up', async (t) => {
  const hub = await startTestHub(t)
  const base = hub.urls!.http
  const rodoy = basic('rodoy-1', passwords['rodoy-1'])
  const first = await open(`${base}/probe/download?bytes=${32 * 1024 * 1024}`, rodoy)
  t.teardown(() => first.destroy())
  t.equal(first.statusCode, 200, 'a long download runs (its body is not read)')
  const second = await fetch(`${base}/probe/download?bytes=1000`, { headers: { authorization: rodoy } })
  t.equal(second.status, 503, 'the same gateway again: busy')
  t.equal(second.headers.get('retry-after'), '5')
  t.match((await second.json() as { error: { message: string } }).error.message, /rodoy-1 already has a throughput test running/)
  const other = await fetch(`${base}/probe/download?bytes=1000`, { headers: { authorization: basic('donna-gw', passwords['donna-1']) } })
  t.equal(other.status, 200, 'another gateway still gets its slot')
  await other.arrayBuffer()
  first.destroy()
  await waitFor('the slot given back', async () => {
    const again = await fetch(`${base}/probe/download?bytes=1000`, { headers: { authorization: rodoy } })
    await again.arrayBuffer()
    return again.status === 200
  })
  t.pass('once the first transfer ended, the gateway may start another')
})
