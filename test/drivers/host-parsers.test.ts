// The pure parts of the host driver: throttle bits, the texts of /proc and of timedatectl and chronyc,
// choosing the CPU's thermal zone, and the assessment's order of reasons. No file or process here.
import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { assessHost } from '../../drivers/host/assessment.js'
import { parseChronycTracking, parseTimedatectl } from '../../drivers/host/clock-sync.js'
import { withDefaults } from '../../drivers/host/config.js'
import { countCpuList, parseLoadavg, parseUptime } from '../../drivers/host/load.js'
import { parseMeminfo } from '../../drivers/host/memory.js'
import type { HostSample } from '../../drivers/host/sample.js'
import { cpuTemperature } from '../../drivers/host/thermal.js'
import { decodeThrottled, parseGetThrottled } from '../../drivers/host/throttling.js'
import { Reason } from '../../protocol/messages.js'

t.test('get_throttled bits: now and since boot', async (t) => {
  t.equal(parseGetThrottled('throttled=0x50005\n'), 0x50005)
  t.equal(parseGetThrottled('throttled=0x0'), 0)
  t.equal(parseGetThrottled('error=1 error_msg="Command not registered"'), null)
  t.same(decodeThrottled(0x50005), {
    raw: 0x50005,
    underVoltage: true, frequencyCapped: false, throttled: true, softTempLimit: false,
    underVoltageSinceBoot: true, frequencyCappedSinceBoot: false, throttledSinceBoot: true, softTempLimitSinceBoot: false
  })
  t.match(decodeThrottled(0x8000a), { frequencyCapped: true, softTempLimit: true, softTempLimitSinceBoot: true, underVoltage: false })
  t.match(decodeThrottled(0), { underVoltage: false, throttled: false, underVoltageSinceBoot: false })
})

t.test('/proc texts', async (t) => {
  t.same(parseMeminfo('MemTotal:        3884192 kB\nMemFree:          183560 kB\nMemAvailable:    2924368 kB\nActive(anon):     123 kB\n'),
    { totalMB: 3793, availableMB: 2856, availablePct: 75.3 })
  t.same(parseMeminfo('MemTotal: 1024000 kB\nMemFree: 102400 kB\nBuffers: 51200 kB\nCached: 102400 kB\n'),
    { totalMB: 1000, availableMB: 250, availablePct: 25 }, 'an old kernel without MemAvailable')
  t.equal(parseMeminfo('nothing here'), null)
  t.same(parseLoadavg('0.08 0.12 0.08 1/86 6291\n'), [0.08, 0.12, 0.08])
  t.equal(parseLoadavg('x y z'), null)
  t.equal(countCpuList('0-3\n'), 4)
  t.equal(countCpuList('0,2-5'), 5)
  t.equal(countCpuList('0'), 1)
  t.equal(countCpuList('weird'), null)
  t.equal(parseUptime('523.54 946.41\n'), 523.54)
  t.equal(parseUptime(''), null)
})

t.test('clock sources', async (t) => {
  t.equal(parseTimedatectl('yes\n'), true)
  t.equal(parseTimedatectl('no\n'), false)
  t.equal(parseTimedatectl(''), null)
  const synced = [
    'Reference ID    : C0A80101 (ntp.example.net)', 'Stratum         : 3',
    'System time     : 0.000006523 seconds slow of NTP time', 'Last offset     : -0.000006747 seconds',
    'Leap status     : Normal'
  ].join('\n')
  t.same(parseChronycTracking(synced), { synced: true, offsetMs: 0 })
  t.same(parseChronycTracking('Reference ID    : 00000000 ()\nSystem time     : 1.500000000 seconds fast of NTP time\nLeap status     : Not synchronised\n'),
    { synced: false, offsetMs: 1500 })
  t.equal(parseChronycTracking('506 Cannot talk to daemon'), null)
})

t.test('thermal zones: the CPU zone wins, nonsense is ignored', async (t) => {
  t.same(cpuTemperature([{ zone: 'thermal_zone0', type: 'acpitz', tempC: 27.8 }, { zone: 'thermal_zone1', type: 'x86_pkg_temp', tempC: 61.04 }]), { tempC: 61, source: 'x86_pkg_temp' })
  t.same(cpuTemperature([{ zone: 'thermal_zone0', type: 'iwlwifi_1', tempC: 45 }, { zone: 'thermal_zone1', type: 'acpitz', tempC: 38 }]), { tempC: 45, source: 'iwlwifi_1' }, 'no CPU zone: the hottest')
  t.equal(cpuTemperature([]), null)
})

function sample (over: Partial<HostSample> = {}): HostSample {
  return {
    cpu: { tempC: 50, source: 'cpu-thermal' },
    throttle: decodeThrottled(0),
    disk: { path: '/var/spool', totalMB: 30000, freeMB: 20000, freePct: 66.7 },
    memory: { totalMB: 4000, availableMB: 3000, availablePct: 75 },
    load: { load1: 0.5, load5: 0.4, load15: 0.3, cores: 4 },
    uptimeS: 1000,
    clock: { synced: true, source: 'timesyncd', offsetMs: null },
    unreadable: [],
    ...over
  }
}

t.test('assessment: thresholds and the order of reasons', async (t) => {
  const c = withDefaults({})
  t.equal(assessHost(sample(), c).state, 'ok')
  t.equal(assessHost(sample({ cpu: { tempC: 79.9, source: 'cpu' } }), c).state, 'ok')
  t.equal(assessHost(sample({ cpu: { tempC: 80, source: 'cpu' } }), c).reason?.code, 'host.overheating', '≥ 80 °C')
  t.equal(assessHost(sample({ disk: { path: '/', totalMB: 30000, freeMB: 2000, freePct: 6.7 } }), c).reason?.code, 'host.disk-low', '< 10 %')
  t.equal(assessHost(sample({ disk: { path: '/', totalMB: 3000, freeMB: 400, freePct: 13.3 } }), c).reason?.code, 'host.disk-low', '< 500 MB')
  const full = assessHost(sample({ disk: { path: '/', totalMB: 3000, freeMB: 10, freePct: 0.3 }, throttle: decodeThrottled(1) }), c)
  t.same([full.state, full.reason?.code], ['down', 'host.disk-full'], 'a full disk outranks everything')
  t.equal(assessHost(sample({ memory: { totalMB: 4000, availableMB: 300, availablePct: 7.5 } }), c).reason?.code, 'host.memory-low')
  t.equal(assessHost(sample({ clock: { synced: null, source: 'none', offsetMs: null } }), c).state, 'ok', 'unknown clock is not a failure')
  t.equal(assessHost(sample({ throttle: null, cpu: null }), c).state, 'ok', 'a NUC in a VM: no sensors, no vcgencmd')
  const unread = assessHost(sample({ memory: null, unreadable: ['memory: ENOENT'] }), c)
  t.same([unread.state, unread.reason?.code], ['degraded', 'host.unreadable'])
  for (const s of [full, unread, assessHost(sample({ clock: { synced: false, source: 'chrony', offsetMs: 3000 } }), c)]) {
    t.ok(Value.Check(Reason, s.reason), `${s.reason?.code ?? ''} fits the wire contract`)
  }
})
