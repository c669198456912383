// The pure parts of the video-stream driver, without sockets: Digest auth against the RFC's own
// example, challenge parsing, SDP, H.264 SPS, HLS playlists, stream sniffing, RTSP response framing,
// the battery path, config handling and the health assessment's wording. And bad input never throws.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Authenticator, digestResponse, parseChallenges, pickChallenge } from '../../drivers/video-stream/auth.js'
import { assessStream } from '../../drivers/video-stream/assessment.js'
import { batteryFromStatus, valueAtPath } from '../../drivers/video-stream/battery.js'
import { configProblem, streamTarget, withDefaults } from '../../drivers/video-stream/config.js'
import { parseSps, spsFromSpropParameterSets } from '../../drivers/video-stream/h264-sps.js'
import { bestVariant, codecName, parsePlaylist } from '../../drivers/video-stream/hls.js'
import { failed, ProbeError, type FailureKind, type StreamProbe } from '../../drivers/video-stream/probe.js'
import { parseRtspResponse } from '../../drivers/video-stream/rtsp-client.js'
import { parseSdp, videoMedia } from '../../drivers/video-stream/sdp.js'
import { cameraSdp, h264Pps, h264Sps, jpegFrame, tsPackets } from '../../drivers/video-stream/simulator-media.js'
import { MultipartFrameCounter, mjpegBoundary, sniffContainer } from '../../drivers/video-stream/stream-sniff.js'
import { StallWatch } from '../../drivers/video-stream/stall-watch.js'
import { Reason } from '../../protocol/messages.js'
import { Value } from '@sinclair/typebox/value'

t.test('Digest response matches the worked example of RFC 2617 §3.5', async (t) => {
  const params = { realm: 'testrealm@host.com', qop: 'auth,auth-int', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', opaque: '5ccc069c403ebaf9f0171e9517f40e41' }
  const { response, qop, ncHex } = digestResponse(params, { username: 'Mufasa', password: 'Circle Of Life' }, 'GET', '/dir/index.html', 1, '0a4f113b')
  t.equal(response, '6629fae49393a05397450978507c4ef1')
  t.equal(qop, 'auth')
  t.equal(ncHex, '00000001')
  const header = new Authenticator({ scheme: 'digest', params }, { username: 'Mufasa', password: 'Circle Of Life' }, '0a4f113b').header('GET', '/dir/index.html')
  t.match(header, /^Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="\/dir\/index.html", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001, cnonce="0a4f113b"$/)
})

t.test('challenges: one per line or several in one; Digest is preferred over Basic', async (t) => {
  const two = parseChallenges(['Basic realm="cam"', 'Digest realm="cam", nonce="abc,def", algorithm=MD5'])
  t.same(two.map((c) => c.scheme), ['basic', 'digest'])
  t.equal(two[1]?.params.nonce, 'abc,def', 'a comma inside quotes stays in the value')
  t.equal(pickChallenge(two)?.scheme, 'digest')
  const oneLine = parseChallenges(['Digest realm="a", nonce="n1", Basic realm="a"'])
  t.same(oneLine.map((c) => c.scheme), ['digest', 'basic'])
  t.equal(pickChallenge(parseChallenges(['Digest realm="a", nonce="n", algorithm=SHA-512-256']))?.scheme, undefined, 'an unknown algorithm is not answered')
  t.equal(pickChallenge(parseChallenges(['Negotiate'])), null)
  t.equal(new Authenticator({ scheme: 'basic', params: {} }, { username: 'Aladdin', password: 'open sesame' }).header('DESCRIBE', 'rtsp://x/'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')
})

t.test('SDP: codec from rtpmap or the static payload table, sizes, bandwidth', async (t) => {
  const camera = parseSdp([
    'v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=Media Presentation', 't=0 0',
    'm=video 0 RTP/AVP 97', 'b=AS:2560', 'a=rtpmap:97 H264/90000', 'a=framesize:97 1920-1080', 'a=framerate:30.0',
    'a=fmtp:97 packetization-mode=1;profile-level-id=640028;sprop-parameter-sets=Z2QAKKy0A8ARPyo=,aO4Bniw=',
    'm=audio 0 RTP/AVP 0', 'a=recvonly'
  ].join('\r\n'))
  const video = camera === null ? null : videoMedia(camera)
  t.match(video, { codec: 'H264', clockRate: 90000, declaredKbps: 2560, framerate: 30, width: 1920, height: 1080 })
  t.equal(camera?.media[1]?.codec, 'PCMU', 'static payload type 0')
  // A camera's published SPS that declared a=framesize 1920-1080: the SPS says the same.
  t.match(spsFromSpropParameterSets(video?.fmtp['sprop-parameter-sets']), { width: 1920, height: 1080, profile: 'High', levelIdc: 40 })
  const mjpeg = parseSdp('v=0\nm=video 0 RTP/AVP 26\n')
  t.equal(mjpeg?.media[0]?.codec, 'JPEG', 'LF line endings and static type 26')
  const audioOnly = parseSdp(cameraSdp({ host: 'h', sessionId: '1', width: 1, height: 1, fps: 1, kbps: 1, noVideo: true }))
  t.equal(audioOnly === null ? 'not sdp' : videoMedia(audioOnly), null)
  t.equal(parseSdp('<html>nope</html>'), null)
  t.equal(parseSdp(''), null)
})

t.test('H.264 SPS: our writer and reader agree on sizes that need cropping', async (t) => {
  for (const [w, h] of [[1920, 1080], [1280, 720], [640, 360], [3840, 2160], [720, 576]] as const) {
    t.match(parseSps(h264Sps(w, h)), { width: w, height: h }, `${w}x${h}`)
  }
  t.equal(parseSps(h264Pps()), null, 'a PPS is not an SPS (reads past its end)')
  t.equal(parseSps(Uint8Array.from([0x67])), null)
  t.equal(spsFromSpropParameterSets('!!!,???'), null)
})

t.test('HLS: multivariant and media playlists', async (t) => {
  const master = parsePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=4000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080\nhd/index.m3u8\n')
  t.equal(master?.kind, 'multivariant')
  const best = master?.kind === 'multivariant' ? bestVariant(master.variants) : null
  t.match(best, { uri: 'hd/index.m3u8', bandwidth: 4000000, resolution: '1920x1080', codecs: ['avc1.640028', 'mp4a.40.2'] })
  const media = parsePlaylist('\uFEFF#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-MEDIA-SEQUENCE:1690\r\n#EXTINF:3.96,\r\na.ts\r\n#EXTINF:4.0,title\r\nb.ts\r\n')
  t.same(media, { kind: 'media', targetDurationS: 4, mediaSequence: 1690, segments: [{ uri: 'a.ts', durationS: 3.96 }, { uri: 'b.ts', durationS: 4 }], ended: false })
  t.equal(parsePlaylist('#EXTM3U\n#EXT-X-ENDLIST\n')?.kind, 'media')
  t.equal(parsePlaylist('<html>'), null)
  t.same([codecName('avc1.640028'), codecName('hvc1.1.6.L93.B0'), codecName('mp4a.40.2'), codecName('xyz')],
    [{ name: 'H264', video: true }, { name: 'H265', video: true }, { name: 'AAC', video: false }, null])
})

t.test('stream sniffing and MJPEG frame counting across chunk borders', async (t) => {
  t.equal(sniffContainer(tsPackets(400)), 'mpegts')
  t.equal(sniffContainer(jpegFrame(10)), 'jpeg')
  t.equal(sniffContainer(Buffer.from('\0\0\0\x18ftypisom', 'latin1')), 'mp4')
  t.equal(sniffContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), 'matroska')
  t.equal(sniffContainer(Buffer.from('FLV\x01')), 'flv')
  t.equal(sniffContainer(Buffer.alloc(0)), 'unknown')
  t.equal(mjpegBoundary('multipart/x-mixed-replace; boundary="--myboundary"'), 'myboundary')
  t.equal(mjpegBoundary('video/mp4'), null)

  const frame = jpegFrame(3000)
  const part = (type: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(`--b0undary\r\nContent-Type: ${type}\r\n\r\n`), body, Buffer.from('\r\n')])
  const stream = Buffer.concat([part('image/jpeg', frame), part('image/jpeg', frame), part('text/plain', Buffer.from('hi')), part('image/jpeg', frame)])
  for (const size of [1, 7, 64, 4096, stream.length]) {
    const counter = new MultipartFrameCounter('b0undary')
    for (let i = 0; i < stream.length; i += size) counter.push(stream.subarray(i, i + size))
    t.same([counter.parts, counter.jpegParts], [4, 3], `chunks of ${size} bytes`)
  }
})

t.test('RTSP response framing', async (t) => {
  const ok = Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm="a"\r\nWWW-Authenticate: Digest realm="a", nonce="n"\r\nContent-Length: 5\r\n\r\nhelloRTSP/1.0')
  const parsed = parseRtspResponse(ok)
  t.equal(parsed?.response.status, 200)
  t.equal(parsed?.response.body.toString(), 'hello')
  t.same(parsed?.response.headers.get('www-authenticate'), ['Basic realm="a"', 'Digest realm="a", nonce="n"'])
  t.equal(parsed?.rest.toString(), 'RTSP/1.0', 'the next response starts after the body')
  t.equal(parseRtspResponse(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort')), null, 'waits for the body')
  t.equal(parseRtspResponse(Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1')), null, 'waits for the headers')
  t.equal(parseRtspResponse(Buffer.from('RTSP/1.0 404 Not Found\nCSeq: 1\n\n'))?.response.status, 404, 'LF-only line ends')
  const interleaved = Buffer.concat([Buffer.from([0x24, 0, 0, 3, 1, 2, 3]), Buffer.from('RTSP/1.0 200 OK\r\n\r\n')])
  t.equal(parseRtspResponse(interleaved)?.response.status, 200, 'an interleaved RTP frame in front is skipped')
  t.throws(() => parseRtspResponse(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')), ProbeError)
  t.throws(() => parseRtspResponse(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n')), ProbeError)
})

t.test('battery level from status JSON', async (t) => {
  const doc = JSON.stringify({ power: { battery: '42 %' }, devices: [{ batteryPct: 77 }] })
  t.same(batteryFromStatus(doc, 'devices[0].batteryPct'), { pct: 77, error: null })
  t.same(batteryFromStatus(doc, '$.devices.0.batteryPct'), { pct: 77, error: null })
  t.equal(batteryFromStatus(JSON.stringify({ b: '42%' }), 'b').pct, 42)
  t.match(batteryFromStatus(doc, 'power.missing'), { pct: null, error: /no number/ })
  t.match(batteryFromStatus(JSON.stringify({ b: 140 }), 'b'), { pct: null, error: /not a percentage/ })
  t.match(batteryFromStatus('<xml/>', 'b'), { pct: null, error: /JSON/ })
  t.equal(valueAtPath(null, 'a.b'), undefined)
})

t.test('config: credentials from the URL or the entry, default ports, broken entries', async (t) => {
  const fromUrl = streamTarget(withDefaults({ url: 'rtsp://adm%40n:p%3Ass@[::1]/live' }))
  t.same(fromUrl.credentials, { username: 'adm@n', password: 'p:ss' })
  t.equal(fromUrl.url.href, 'rtsp://[::1]/live', 'credentials never go on the wire in the URL')
  t.equal(fromUrl.host, '::1')
  t.equal(fromUrl.port, 554)
  const entryWins = streamTarget(withDefaults({ url: 'rtsp://a:b@cam/live', username: 'c', password: 'd' }))
  t.same(entryWins.credentials, { username: 'c', password: 'd' })
  t.equal(streamTarget(withDefaults({ url: 'https://cam/x.m3u8' })).port, 443)
  t.throws(() => streamTarget(withDefaults({ url: 'tcp://cam' })), /needs a port/)
  t.equal(configProblem(withDefaults({ id: 'j', name: 'J', kind: 'video-stream', url: 'rtsp://cam/live' })), null)
  t.match(configProblem(withDefaults({ url: 'ftp://cam/live' })), /url/)
  t.match(configProblem(withDefaults({ url: 'rtsp://cam/', minKbps: 'lots' })), /minKbps/)
  t.match(configProblem(withDefaults({ url: 'rtsp://cam/', extra: true })), /extra/)
  t.equal(withDefaults({ url: 'rtsp://cam/' }).minKbps, 1500)
})

t.test('assessment: every failure kind is down with a readable, valid reason', async (t) => {
  const kinds: FailureKind[] = ['refused', 'unreachable', 'dns', 'timeout', 'reset', 'auth', 'not-found', 'status', 'protocol', 'no-data', 'tls']
  for (const kind of kinds) {
    const h = assessStream({ name: 'Jodapro', probe: failed({ kind, detail: 'x'.repeat(2000), status: 500 }), battery: null, stalledS: null, minKbps: 1500, slowMs: 2000, minBatteryPct: 20, timeoutMs: 5000 })
    t.equal(h.state, 'down', kind)
    t.equal(h.reason?.code, `video-stream.${kind}`)
    t.ok(Value.Check(Reason, h.reason), `${kind}: reason fits the wire contract (texts ≤ 1000 chars)`)
    t.match(h.reason?.message.nb, /Jodapro/, `${kind}: names the device`)
  }
})

t.test('assessment: degradations in order, ok when all is well', async (t) => {
  const probe = (over: Partial<StreamProbe>): StreamProbe => ({ failure: null, metrics: {}, hasVideo: true, kbps: 4000, answerMs: 20, ...over })
  const base = { name: 'Jodapro', battery: null, stalledS: null, minKbps: 1500, slowMs: 2000, minBatteryPct: 20, timeoutMs: 5000 }
  t.equal(assessStream({ ...base, probe: probe({}) }).state, 'ok')
  const many = assessStream({ ...base, probe: probe({ hasVideo: false, kbps: 100, answerMs: 3000 }), battery: { pct: 5, error: null } })
  t.equal(many.reason?.code, 'video-stream.no-video')
  t.equal(many.metrics?.issues, 'video-stream.no-video,video-stream.low-bitrate,video-stream.slow,video-stream.battery-low')
  t.equal(assessStream({ ...base, probe: probe({ kbps: 100 }), minKbps: 0 }).state, 'ok', 'minKbps 0 turns the bitrate check off')
  t.equal(assessStream({ ...base, probe: probe({ kbps: null }) }).state, 'ok', 'no bitrate measured (RTSP) is not low')
  const h = assessStream({ ...base, probe: probe({}) })
  for (const key of ['kbps', 'ttfbMs', 'responseMs', 'codec', 'hasVideo', 'batteryPct']) t.ok(key in (h.metrics ?? {}), `metric ${key} is always present`)
})

t.test('stall watch: the same newest segment for three target durations', async (t) => {
  const w = new StallWatch()
  t.equal(w.observe('1:a.ts', 2, 0), null)
  t.equal(w.observe('1:a.ts', 2, 5000), null)
  t.equal(w.observe('1:a.ts', 2, 6500), 6.5)
  t.equal(w.observe('2:b.ts', 2, 7000), null, 'moving again')
  t.equal(w.observe(undefined, null, 9000), null, 'not live: never stalled')
})

t.test('parsers never throw on random bytes', async (t) => {
  for (let i = 0; i < 300; i++) {
    const junk = randomBytes(1 + (i % 97))
    const text = junk.toString('latin1')
    parseSdp(text)
    parsePlaylist(`#EXTM3U\n${text}`)
    parseSps(junk)
    parseChallenges([text])
    sniffContainer(junk)
    batteryFromStatus(text, 'a.b')
    new MultipartFrameCounter('x').push(junk)
    try { parseRtspResponse(Buffer.concat([Buffer.from('RTSP/1.0 200 OK\r\n'), junk])) } catch (err) { if (!(err instanceof ProbeError)) throw err }
  }
  t.pass('300 rounds of junk')
})
