// Turns one look at the box into its health. Down only when the disk is full (the spool cannot keep
// readings through an outage); degraded, with the most urgent reason first, for a weak power supply,
// heat and throttling, a disk or memory running low, an unsynchronised clock, overload, or figures
// that cannot be read. Pure.
import { reason, type DriverHealth, type MetricValue } from '../contract.js'
import type { Reason } from '../../protocol/messages.js'
import type { HostConfig } from './config.js'
import type { HostSample } from './sample.js'
import { hex } from './throttling.js'

export function hostMetrics (s: HostSample): Record<string, MetricValue> {
  const t = s.throttle
  return {
    cpuTempC: s.cpu?.tempC ?? null,
    cpuTempSource: s.cpu?.source ?? null,
    throttled: t === null ? null : hex(t.raw),
    underVoltage: t?.underVoltage ?? null,
    underVoltageSinceBoot: t?.underVoltageSinceBoot ?? null,
    throttledNow: t?.throttled ?? null,
    frequencyCapped: t?.frequencyCapped ?? null,
    softTempLimit: t?.softTempLimit ?? null,
    throttledSinceBoot: t === null ? null : t.throttledSinceBoot || t.frequencyCappedSinceBoot || t.softTempLimitSinceBoot,
    diskFreePct: s.disk?.freePct ?? null,
    diskFreeMB: s.disk?.freeMB ?? null,
    diskTotalMB: s.disk?.totalMB ?? null,
    memAvailablePct: s.memory?.availablePct ?? null,
    memAvailableMB: s.memory?.availableMB ?? null,
    memTotalMB: s.memory?.totalMB ?? null,
    load1: s.load?.load1 ?? null,
    load5: s.load?.load5 ?? null,
    load15: s.load?.load15 ?? null,
    cores: s.load?.cores ?? null,
    loadPerCore: s.load === null ? null : Math.round((s.load.load5 / s.load.cores) * 100) / 100,
    clockSynced: s.clock.synced,
    clockSource: s.clock.source,
    clockOffsetMs: s.clock.offsetMs,
    uptimeS: s.uptimeS === null ? null : Math.round(s.uptimeS)
  }
}

export function assessHost (sample: HostSample, config: HostConfig): DriverHealth {
  const metrics = hostMetrics(sample)
  const found = problems(sample, config)
  metrics.issues = found.map((p) => p.reason.code).join(',')
  const first = found[0]
  if (first === undefined) return { state: 'ok', reason: null, metrics }
  return { state: first.down ? 'down' : 'degraded', reason: first.reason, metrics }
}

interface Problem { reason: Reason, down: boolean }

function problems (s: HostSample, c: HostConfig): Problem[] {
  const out: Problem[] = []
  const amber = (code: string, nb: string, en: string): void => { out.push({ reason: reason(code, nb, en, { level: 'amber' }), down: false }) }
  const t = s.throttle

  if (s.disk !== null && s.disk.freeMB < c.diskFullMB) {
    out.push({
      reason: reason('host.disk-full', 'Lagringsplassen i boksen er full — målinger kan gå tapt, kontakt IT',
        `The gateway's disk is full (${s.disk.freeMB} MB free at ${s.disk.path}) — readings may be lost, contact IT`, { level: 'red' }),
      down: true
    })
  }
  if (s.unreadable.length > 0) {
    amber('host.unreadable', 'Boksen får ikke lest sine egne helsemålinger — kontakt IT',
      `The gateway cannot read its own health figures (${clip(s.unreadable.join('; '))}) — contact IT`)
  }
  if (t?.underVoltage === true) {
    amber('host.under-voltage', 'Strømforsyningen til boksen er for svak — bytt til originalladeren',
      'The gateway\'s power supply is too weak (under-voltage now) — replace it with the original power supply')
  } else if (t?.underVoltageSinceBoot === true) {
    amber('host.under-voltage', 'Strømforsyningen til boksen er for svak — bytt til originalladeren',
      'The gateway\'s power supply has dropped below the required voltage since start — replace it with the original power supply')
  }
  if (s.cpu !== null && s.cpu.tempC >= c.maxCpuTempC) {
    amber('host.overheating', `Boksen er for varm (${Math.round(s.cpu.tempC)} °C) — sørg for at den står luftig og ikke er tildekket`,
      `The gateway is too hot (${s.cpu.tempC} °C, limit ${c.maxCpuTempC} °C) — make sure it has air around it and is not covered`)
  }
  if (t !== null && t.underVoltage !== true && (t.throttled || t.frequencyCapped || t.softTempLimit)) {
    amber('host.throttled', 'Boksen går på redusert fart fordi den er for varm — sørg for at den står luftig',
      `The gateway is running slowed down (throttled ${hex(t.raw)}) — make sure it has air around it`)
  }
  if (s.disk !== null && s.disk.freeMB >= c.diskFullMB && (s.disk.freePct < c.minDiskFreePct || s.disk.freeMB < c.minDiskFreeMB)) {
    amber('host.disk-low', `Lagringsplassen i boksen er nesten full (${s.disk.freeMB} MB ledig) — kontakt IT`,
      `The gateway's disk is nearly full (${s.disk.freeMB} MB, ${s.disk.freePct} % free at ${s.disk.path}) — contact IT`)
  }
  if (s.memory !== null && (s.memory.availablePct < c.minMemAvailablePct || s.memory.availableMB < c.minMemAvailableMB)) {
    amber('host.memory-low', 'Boksen har lite ledig minne — kontakt IT hvis det varer',
      `The gateway is low on memory (${s.memory.availableMB} MB, ${s.memory.availablePct} % available) — contact IT if it lasts`)
  }
  if (s.clock.synced === false) {
    amber('host.clock-unsynced', 'Klokken i boksen er ikke synkronisert — kontakt IT',
      `The gateway's clock is not synchronised (${s.clock.source}) — secure connections and camera logins may fail, contact IT`)
  }
  if (s.load !== null && s.load.load5 / s.load.cores > c.maxLoadPerCore) {
    amber('host.overloaded', 'Boksen er overbelastet — kontakt IT hvis det varer',
      `The gateway is overloaded (5-minute load ${s.load.load5} on ${s.load.cores} cores) — contact IT if it lasts`)
  }
  return out
}

function clip (s: string): string {
  return s.length > 300 ? `${s.slice(0, 299)}…` : s
}
