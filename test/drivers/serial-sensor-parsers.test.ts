// The serial-sensor line parsers, health rules and simulator line formats, without any I/O: the
// recorded Masimo line, documented variants, EXC/ALARM decoding, `--` values, garbage of every kind.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parseMasimoLine } from '../../drivers/serial-sensor/masimo-ascii.js'
import { decodeAlarms, decodeExceptions } from '../../drivers/serial-sensor/masimo-flags.js'
import { parseNoninLine } from '../../drivers/serial-sensor/nonin-ascii.js'
import { createKvLineParser } from '../../drivers/serial-sensor/kv-line.js'
import type { LineResult, SensorReading } from '../../drivers/serial-sensor/line-result.js'
import { assessHealth, type SensorView } from '../../drivers/serial-sensor/health.js'
import { garbageLine, masimoLine, noninLine, kvLine, seededRandom, SIMULATED_KV_FIELD_MAP, VitalsWalk } from '../../drivers/serial-sensor/simulator-lines.js'
import { LineLengthGuard } from '../../drivers/serial-sensor/line-splitter.js'
import { ReconnectBackoff } from '../../drivers/serial-sensor/reconnect-backoff.js'
import { describeTcpFailure, describeTtyFailure } from '../../drivers/serial-sensor/link-errors.js'

const fixture = fileURLToPath(new URL('../fixtures/recorded/serial/masimo-rad8-ascii1.txt', import.meta.url))

function reading (result: LineResult): SensorReading {
  if (result.kind !== 'reading') throw new Error(`expected a reading, got ${result.kind}: ${result.why}`)
  return result.reading
}

t.test('masimo-ascii: the line recorded from a real Rad-8', async (t) => {
  const line = readFileSync(fixture, 'latin1').split('\n')[0] ?? ''
  const r = reading(parseMasimoLine(line))
  t.same(r.values, { spo2: 98, pulse: 97, pi: 3.6, spco: null, spmet: null, desat: null, pidelta: null })
  t.same(r.units, { spo2: '%', pulse: '/min', pi: '%', spco: '%', spmet: '%', desat: 'count', pidelta: '%' })
  t.same(r.invalid, [], 'nothing invalid: SpCO/SpMet are simply not measured by this device')
  t.same(r.conditions, [], 'EXC=000800 (Masimo SET mode) is normal operation')
  t.same(r.info, { vendor: 'Masimo', serial: '0000056661' })
  t.equal(r.deviceTime, '02/22/16 22:47:45')
  t.equal(r.flags, 'ALARM=0000 EXC=000800')
  t.same(reading(parseMasimoLine(line + '\r\n')).values, r.values, 'CR LF is trimmed')
})

t.test('masimo-ascii: Radical-7, Radical-5 and colour Radical-7 variants', async (t) => {
  // As printed in MD PnP's poxrad_discrete.h and remkolems/masimo-datacapture's comments.
  const r7 = reading(parseMasimoLine('12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=240 PI=20.00% SPCO=01.0% SPMET=00.5% DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000 EXC=000820'))
  t.same(r7.values, { spo2: 98, pulse: 240, pi: 20, pvi: 27, spco: 1, spmet: 0.5, desat: 1, pidelta: -2 })
  t.equal(r7.units.pvi, '%')
  t.same(r7.conditions, ['sensor-off-patient'], 'EXC 0x20 is sensor off; 0x800 is not reported')
  t.same(r7.invalid.sort(), Object.keys(r7.values).sort(), 'sensor off: every value is untrustworthy')

  const r5 = reading(parseMasimoLine('09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800'))
  t.same(r5.values, { spo2: 97, pulse: 64, pi: 11.82 })
  t.same(r5.conditions, ['alarm-silenced'])
  t.same(r5.info, { vendor: 'Masimo' }, 'no SN on a Radical-5')

  const colour = reading(parseMasimoLine('03/17/16 19:19:36 SN=---------- SPO2=098% BPM=123 PI=00.55 SPCO=--% SPMET=--.-% SPHB=--.- SPOC=-- RESVD=--- DESAT=-- PIDELTA=+-- PVI=--- ALARM=000000 EXC=0000C00 EXC1=00000000'))
  t.same(colour.values, { spo2: 98, pulse: 123, pi: 0.55, pvi: null, spco: null, spmet: null, sphb: null, spoc: null, desat: null, pidelta: null })
  t.same(colour.conditions, ['low-signal-iq'])
  t.same(colour.invalid, [], 'low signal IQ weakens, it does not invalidate')
  t.equal(colour.flags, 'ALARM=000000 EXC=0000C00 EXC1=00000000')
  t.same(colour.info, { vendor: 'Masimo' }, 'a dashed SN is no serial number')
})

t.test('masimo-ascii: probe off and no sensor, with -- values', async (t) => {
  // A Rad-8 with no sensor, as quoted in remkolems/masimo-datacapture (note the stray % after BPM).
  const none = reading(parseMasimoLine('03/19/16 13:37:12 SN=0000093112 SPO2=---% BPM=---% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000001'))
  t.same(none.values, { spo2: null, pulse: null, desat: null, pidelta: null })
  t.same(none.conditions, ['no-sensor'])
  t.same(none.invalid.sort(), ['desat', 'pidelta', 'pulse', 'spo2'])

  const search = reading(parseMasimoLine('02/22/16 22:47:45 SN=0000056661 SPO2=---% BPM=--- PI=--.--% ALARM=0000 EXC=000008'))
  t.same(search.conditions, ['pulse-search'])

  const silent = reading(parseMasimoLine('02/22/16 22:47:45 SN=0000056661 SPO2=---% BPM=--- PI=--.--% ALARM=0000 EXC=000000'))
  t.same(silent.conditions, ['no-signal'], 'no values and no reason given: no-signal')
  t.same(silent.invalid.sort(), ['pi', 'pulse', 'spo2'])
})

t.test('masimo-ascii: implausible values are flagged, not dropped', async (t) => {
  const r = reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=150% BPM=097 PI=45.00% ALARM=0000 EXC=000800'))
  t.equal(r.values.spo2, 150, 'shown as sent')
  t.same(r.invalid, ['spo2', 'pi'])
  t.same(reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=030% BPM=010 ALARM=0000 EXC=000800')).invalid, ['spo2', 'pulse'])
})

t.test('masimo-flags: every named bit decodes, unknown bits are kept apart', async (t) => {
  t.same(decodeExceptions(0x000800), { conditions: [], unknownBits: 0 })
  t.same(decodeExceptions(0x00003d).conditions, ['no-sensor', 'low-perfusion', 'pulse-search', 'interference', 'sensor-off-patient'])
  t.same(decodeExceptions(0x000442).conditions, ['defective-sensor', 'ambient-light', 'low-signal-iq'])
  t.same(decodeExceptions(0x7ff000).conditions, ['no-cable', 'cable-life-expired', 'incompatible-cable', 'unrecognized-cable', 'defective-cable', 'sensor-calibrating', 'sensor-life-expired', 'emitter-temperature-out-of-range', 'sensor-current-limit', 'spco-low-confidence', 'spmet-low-confidence'])
  t.same(decodeExceptions(0x800200), { conditions: [], unknownBits: 0x800200 }, 'reserved bits are unknown')
  t.same(decodeAlarms(0x001f).conditions, ['spo2-high-alarm', 'spo2-low-alarm', 'pulse-high-alarm', 'pulse-low-alarm', 'alarm-active'])
  t.same(decodeAlarms(0x3f60).conditions, ['alarm-silenced', 'low-battery', 'spco-high-alarm', 'spco-low-alarm', 'spmet-high-alarm', 'spmet-low-alarm', 'desat-index-alarm', 'pi-change-alarm'])
  t.equal(decodeAlarms(0x0080).unknownBits, 0x80)
})

t.test('masimo-ascii: garbage, each with a reason', async (t) => {
  const good = '02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% ALARM=0000 EXC=000800'
  const cases: Array<[string, RegExp]> = [
    ['47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% ALARM=0000 EXC=000800', /timestamp/],
    ['13/22/16 22:47:45 SPO2=098% BPM=097', /timestamp/],
    ['02/22/16 22:47:45 SN=0000056661', /missing SPO2/],
    ['02/22/16 22:47:45 SPO2=098%', /missing BPM/],
    [good.replace('SPO2=098%', 'SPO2=0:8%'), /SPO2 value "0:8%"/],
    [good.replace('EXC=000800', 'EXC=00G800'), /EXC .* hex/],
    [good.replace('BPM=097', 'BPM 097'), /malformed field/],
    [good + ' SPO2=097%', /appears twice/],
    [good.replace('SPO2', 'SP\u00d2'), /printable ASCII/],
    ['\u00ff\u00fe\u0080\u0081', /printable ASCII/],
    [good.replace('SN=0000056661', 'SN=00#0056661'), /SN/]
  ]
  for (const [line, why] of cases) {
    const result = parseMasimoLine(line)
    t.equal(result.kind, 'garbage', JSON.stringify(line.slice(0, 50)))
    if (result.kind === 'garbage') t.match(result.why, why)
  }
  t.same(parseMasimoLine('\r'), { kind: 'ignored', why: 'empty line' }, 'a blank line is skipped, not garbage')
})

t.test('nonin-ascii: SPO2=XXX HR=YYY and its documented variants', async (t) => {
  t.same(reading(parseNoninLine('SPO2=097 HR=072\r')).values, { spo2: 97, pulse: 72 })
  t.same(reading(parseNoninLine('SPO2=097 HR=072')).units, { spo2: '%', pulse: '/min' })
  t.same(reading(parseNoninLine('12:01:33 SPO2=096 HR=068')).values, { spo2: 96, pulse: 68 }, 'time prefix (9847)')
  t.same(reading(parseNoninLine('SPO2=096 HR=068 F')).values, { spo2: 96, pulse: 68 }, 'fast values (BT4000)')
  t.same(reading(parseNoninLine('SPO2=096 HR=068 B')).values, { spo2: 96, pulse: 68 }, 'breath marker (9847)')
  const marked = reading(parseNoninLine('SPO2=096 HR=068*'))
  t.same(marked.conditions, ['event-marker'])
  t.same(marked.invalid, [])
  const none = reading(parseNoninLine('SPO2=--- HR=---'))
  t.same(none.values, { spo2: null, pulse: null })
  t.same(none.conditions, ['no-signal'])
  t.same(none.invalid, ['spo2', 'pulse'])
  const half = reading(parseNoninLine('SPO2=--- HR=071'))
  t.same(half.values, { spo2: null, pulse: 71 })
  t.same(half.invalid, [])
  t.same(reading(parseNoninLine('SPO2=099 HR=350')).invalid, ['pulse'])
  t.same(reading(parseNoninLine('SPO2=099 HR=072')).info, { vendor: 'Nonin' })
  t.same(parseNoninLine('NONIN 7500 11/25/26 10:00:00'), { kind: 'ignored', why: 'power-up header' })
  for (const line of ['SPO2=97', 'HR=072 SPO2=097', 'SPO2=9x7 HR=072', 'SPO2=097 HR=07:2', 'SPO2=097 HR=072 X', 'O2=097 HR=072', '\u0091\u00a4']) {
    t.equal(parseNoninLine(line).kind, 'garbage', JSON.stringify(line))
  }
})

t.test('kv-line: configured fields, units, ranges, null and garbage', async (t) => {
  const parse = createKvLineParser({
    TEMP: { name: 'temperature', unit: '°C', min: 30, max: 43 },
    SpO2: { name: 'spo2', unit: '%' },
    RR: { name: 'respiration', unit: '/min' }
  })
  const r = reading(parse('TEMP=36.8C, SPO2=97%; RR=14 EXTRA=1'))
  t.same(r.values, { temperature: 36.8, spo2: 97, respiration: 14 }, 'units glued to numbers, case-insensitive keys, unknown keys skipped')
  t.same(r.units, { temperature: '°C', spo2: '%', respiration: '/min' })
  t.same(r.invalid, [])
  t.same(reading(parse('TEMP=45.1 SpO2=97')).invalid, ['temperature'], 'configured range')
  t.same(reading(parse('TEMP=36.1 SpO2=120')).invalid, ['spo2'], 'a well-known name keeps its catalogue range')
  const unreadable = reading(parse('TEMP=abc SpO2=97'))
  t.same(unreadable.values, { temperature: null, spo2: 97 })
  t.same(unreadable.invalid, ['temperature'], 'a value that is not a number is flagged, the rest counts')
  const none = reading(parse('TEMP=-- SpO2=---'))
  t.same(none.values, { temperature: null, spo2: null })
  t.same(none.conditions, ['no-signal'])
  t.equal(parse('HELLO=1 WORLD=2').kind, 'garbage')
  t.equal(parse('just some words').kind, 'garbage')
  t.equal(parse('TEMP=36.6\u0001').kind, 'garbage')
  t.same(parse('   '), { kind: 'ignored', why: 'empty line' })
})

t.test('simulator lines are read back as the parsers expect', async (t) => {
  const random = seededRandom(7)
  const walk = new VitalsWalk(random)
  const problems: string[] = []
  const expect = (ok: boolean, what: string): void => { if (!ok) problems.push(what) }
  for (let i = 0; i < 300; i++) {
    const vitals = walk.step()
    expect(vitals.spo2 >= 95 && vitals.spo2 <= 99 && vitals.pulse >= 60 && vitals.pulse <= 90 && vitals.pi >= 1 && vitals.pi <= 6, `vitals out of the resting range: ${JSON.stringify(vitals)}`)
    const masimo = masimoLine({ time: new Date(2026, 10, 24, 9, 30, i % 60), serial: '0000070001', model: i % 2 === 0 ? 'rad-8' : 'radical-7', vitals })
    const m = parseMasimoLine(masimo)
    expect(m.kind === 'reading' && m.reading.values.spo2 === Math.round(vitals.spo2) && m.reading.invalid.length === 0 && m.reading.conditions.length === 0, `masimo: ${masimo}`)
    const n = parseNoninLine(noninLine(vitals))
    expect(n.kind === 'reading' && n.reading.values.pulse === Math.round(vitals.pulse), `nonin: ${noninLine(vitals)}`)
    const k = createKvLineParser(SIMULATED_KV_FIELD_MAP)(kvLine(vitals))
    expect(k.kind === 'reading' && k.reading.invalid.length === 0, `kv-line: ${kvLine(vitals)}`)
    const noise = [garbageLine(random, masimo), garbageLine(random, noninLine(vitals))]
    expect(parseMasimoLine(noise[0] ?? '').kind === 'garbage', `noise read as a Masimo reading: ${JSON.stringify(noise[0])}`)
    expect(parseNoninLine(noise[1] ?? '').kind === 'garbage', `noise read as a Nonin reading: ${JSON.stringify(noise[1])}`)
  }
  t.same(problems, [], '300 simulated seconds: every line reads back, noise never passes for a reading')
  const off = reading(parseMasimoLine(masimoLine({ time: new Date(), serial: '1', model: 'radical-7', vitals: null })))
  t.same(off.conditions, ['sensor-off-patient'])
  t.ok(off.invalid.includes('spo2') && off.invalid.includes('pulse'))
  t.same(reading(parseNoninLine(noninLine(null))).invalid, ['spo2', 'pulse'])
})

t.test('health: each rule, from the view the driver keeps', async (t) => {
  const device = { id: 'spo2-1', name: 'Pulsoksymeter' }
  const good = reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=098% BPM=097 PI=03.60% ALARM=0000 EXC=000800'))
  const base: SensorView = { now: 10_000, link: { state: 'open', problem: null, openedAt: 1000 }, firstLineAt: 9000, lastLineAt: 9800, lastReadingAt: 9800, lastReading: good, lastGarbageWhy: null, silenceMs: 3000 }
  const assess = (view: Partial<SensorView>): ReturnType<typeof assessHealth> => assessHealth({ ...base, ...view }, device, '/dev/ttyUSB0', 'masimo-ascii')
  t.same(assess({}), { state: 'ok', reason: null })
  const silent = assess({ lastLineAt: 6000 })
  t.equal(silent.state, 'down')
  t.equal(silent.reason?.code, 'serial.silent')
  t.equal(silent.reason?.message.nb, 'Ingen data fra Pulsoksymeter — sjekk at det er slått på og at kabelen sitter i')
  t.equal(silent.reason?.device, 'spo2-1')
  t.equal(assess({ firstLineAt: null, lastLineAt: null, lastReading: null, lastReadingAt: null, now: 2000 }).state, 'unknown', 'just opened')
  t.equal(assess({ firstLineAt: null, lastLineAt: null, lastReading: null, lastReadingAt: null }).reason?.code, 'serial.silent', 'opened, never a line')
  const garbled = assess({ lastReading: null, lastReadingAt: null, firstLineAt: 5000, lastGarbageWhy: 'no timestamp' })
  t.same([garbled.state, garbled.reason?.code], ['degraded', 'serial.unreadable'])
  t.match(garbled.reason?.message.en, /no timestamp.*ASCII 1.*baud/)
  t.equal(assess({ lastReading: null, lastReadingAt: null, firstLineAt: 9500 }).state, 'unknown', 'garbage for a moment only')
  const off = reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=---% BPM=--- ALARM=0000 EXC=000020'))
  t.same([assess({ lastReading: off }).state, assess({ lastReading: off }).reason?.code], ['degraded', 'serial.sensor-off-patient'])
  const weakAndGone = reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=---% BPM=--- ALARM=0000 EXC=000025'))
  t.equal(assess({ lastReading: weakAndGone }).reason?.code, 'serial.no-sensor', 'the most pressing condition wins')
  t.equal(assess({ lastReading: reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=098% BPM=097 ALARM=0040 EXC=000800')) }).reason?.code, 'serial.low-battery')
  t.equal(assess({ lastReading: reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=098% BPM=097 ALARM=0012 EXC=000800')) }).state, 'ok', 'a patient alarm is not a device fault')
  const odd = assess({ lastReading: reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=150% BPM=097 ALARM=0000 EXC=000800')) })
  t.same([odd.state, odd.reason?.code], ['degraded', 'serial.implausible'])
  t.match(odd.reason?.message.en, /spo2/)
  t.equal(assess({ lastReading: reading(parseMasimoLine('02/22/16 22:47:45 SN=1 SPO2=098% BPM=097 SPCO=05.0% ALARM=0000 EXC=200800')) }).state, 'ok', 'a low-confidence SpCO is flagged on the reading, not a device fault')
  const problem = { code: 'serial.disconnected', message: { nb: 'x', en: 'y' } }
  t.same(assess({ link: { state: 'closed', problem, openedAt: null } }), { state: 'down', reason: problem })
  t.equal(assess({ link: { state: 'opening', problem: null, openedAt: null } }).state, 'unknown')
})

t.test('line guard: memory stays bounded, long lines arrive cut to the limit', async (t) => {
  const guard = new LineLengthGuard(16)
  const out: Buffer[] = []
  guard.on('data', (chunk: Buffer) => out.push(chunk))
  guard.write(Buffer.from('short\n' + 'x'.repeat(10)))
  guard.write(Buffer.from('y'.repeat(100_000)))
  guard.write(Buffer.from('zz\nnext\n'))
  guard.end()
  await new Promise((resolve) => guard.on('end', resolve))
  t.same(Buffer.concat(out).toString().split('\n'), ['short', 'x'.repeat(10) + 'y'.repeat(6), 'next', ''])
})

t.test('reconnect backoff: 250 ms doubling to 5 s, reset on success', async (t) => {
  const backoff = new ReconnectBackoff()
  t.same(Array.from({ length: 8 }, () => backoff.next()), [250, 500, 1000, 2000, 4000, 5000, 5000, 5000])
  backoff.reset()
  t.equal(backoff.next(), 250)
})

t.test('open errors carry the path and a hint', async (t) => {
  t.same(describeTtyFailure('/dev/ttyUSB0', new Error('Error: Permission denied, cannot open /dev/ttyUSB0')),
    { cause: 'permission', message: 'failed to open /dev/ttyUSB0: permission denied (add the user to the dialout group)' })
  t.equal(describeTtyFailure('/dev/ttyUSB0', new Error('Error: No such file or directory, cannot open /dev/ttyUSB0')).cause, 'missing')
  t.equal(describeTtyFailure('/dev/ttyUSB0', new Error('Error Resource temporarily unavailable Cannot lock port')).cause, 'busy')
  t.equal(describeTtyFailure('/etc/hostname', new Error('Error: Inappropriate ioctl for device setting custom baud rate of 9600')).cause, 'not-serial')
  t.match(describeTcpFailure('tcp://10.0.0.9:4001', Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:4001'), { code: 'ECONNREFUSED' })).message, /^failed to open tcp:\/\/10\.0\.0\.9:4001: connection refused/)
  t.same(describeTtyFailure('/dev/x', new Error('Error: something odd')), { cause: 'other', message: 'failed to open /dev/x: something odd' })
})
