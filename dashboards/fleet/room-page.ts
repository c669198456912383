// One room for IT: its readiness and why, devices with their reasons and metrics, the network, the
// schedule, the latest pre-session check, and history charts from the hub's store (network, device
// health, readiness over time). Live figures come from the fleet page's /ws; history from
// GET /api/rooms/:room/history.
import { h, type VNode } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { apiJson, isMissingRoute } from '../shared/auth.js'
import { ago, clock, num, until } from '../shared/format.js'
import { tr, type Localized } from '../shared/i18n.js'
import type { CheckReport, DeviceView, HistorySeries, RoomView } from '../shared/types.js'
import { LevelBadge, StateChip, useLang } from '../shared/ui.js'
import { levelLook, stateLook } from '../shared/words.js'
import { HistoryChart, type ChartSpec } from './charts.js'
import { checkValue, metricFigures } from './figures.js'
import { profileLabel } from './rooms.js'

const RANGES = [
  { key: '1h', ms: 3_600_000, label: { nb: '1 time', en: '1 hour' } },
  { key: '24h', ms: 86_400_000, label: { nb: '24 timer', en: '24 hours' } },
  { key: '7d', ms: 7 * 86_400_000, label: { nb: '7 dager', en: '7 days' } }
] as const
const COLORS = ['#0b4f8a', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0e7490', '#854d0e']
const METRICS = ['network.rttMs', 'network.jitterMs', 'network.lossPct', 'device_health.stateCode', 'readiness.levelCode'] as const

type History = { kind: 'loading' } | { kind: 'missing' } | { kind: 'error', message: string } | { kind: 'ok', from: number, to: number, data: Record<string, HistorySeries[]> }

async function fetchHistory (room: string, from: number, to: number): Promise<Record<string, HistorySeries[]>> {
  const out: Record<string, HistorySeries[]> = {}
  await Promise.all(METRICS.map(async (metric) => {
    const q = new URLSearchParams({ metric, from: String(from), to: String(to), maxPoints: '300' })
    const body = await apiJson<{ series?: HistorySeries[] } | HistorySeries[]>(`/api/rooms/${encodeURIComponent(room)}/history?${q.toString()}`)
    out[metric] = Array.isArray(body) ? body : body.series ?? []
  }))
  return out
}

export function RoomPage (props: { room: RoomView | undefined, slug: string, now: number, profileLabels: ReadonlyMap<string, Localized>, back: () => void }): VNode<any> {
  const l = useLang()
  const [range, setRange] = useState<typeof RANGES[number]['key']>('24h')
  const [history, setHistory] = useState<History>({ kind: 'loading' })
  const [reload, setReload] = useState(0)

  useEffect(() => {
    let cancelled = false
    const to = Date.now()
    const from = to - RANGES.find((r) => r.key === range)!.ms
    setHistory({ kind: 'loading' })
    fetchHistory(props.slug, from, to).then((data) => { if (!cancelled) setHistory({ kind: 'ok', from, to, data }) }, (err: unknown) => {
      if (!cancelled) setHistory(isMissingRoute(err) ? { kind: 'missing' } : { kind: 'error', message: (err as Error).message })
    })
    return () => { cancelled = true }
  }, [props.slug, range, reload])

  const room = props.room
  const backLink = h('a', { href: '/', class: 'back', onClick: (e: MouseEvent) => { e.preventDefault(); props.back() } }, '← ', tr({ nb: 'Alle rom', en: 'All rooms' }, l))
  if (room === undefined) {
    return h('main', { class: 'room-page' }, backLink, h('p', { class: 'notice' }, tr({ nb: `Rommet «${props.slug}» finnes ikke på denne huben, eller data er ikke lastet ennå.`, en: `Room "${props.slug}" is not at this hub, or its data has not loaded yet.` }, l)))
  }
  const devices = Object.values(room.devices ?? {}).sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id, 'nb'))
  const r = room.readiness

  return h('main', { class: 'room-page' },
    backLink,
    h('header', { class: 'room-head' },
      h('div', null,
        h('h1', null, room.name),
        h('p', { class: 'muted' }, [room.site, room.room, room.version !== null && room.version !== undefined ? `v${room.version}` : null].filter(Boolean).join(' · '))),
      h('div', { class: 'room-head__state' },
        room.online ? h(LevelBadge, { level: r?.level, large: true }) : h('span', { class: 'level level--offline level--large' }, h('span', { class: 'level__icon', 'aria-hidden': 'true' }, '○'), tr({ nb: 'Frakoblet', en: 'Offline' }, l)),
        h('small', { class: 'muted' }, room.lastSeen !== null ? `${tr({ nb: 'Sist sett', en: 'Last seen' }, l)} ${ago(room.lastSeen, l, props.now)}` : tr({ nb: 'Aldri sett', en: 'Never seen' }, l))),
      h('div', { class: 'room-head__links' },
        h('a', { class: 'button', href: `/consult/${encodeURIComponent(room.room)}` }, tr({ nb: 'Konsultasjonskonsoll', en: 'Consultation console' }, l)),
        h('a', { class: 'button', href: `/light/${encodeURIComponent(room.room)}` }, tr({ nb: 'Se lyset', en: 'View the light' }, l)))),
    h('div', { class: 'room-grid' },
      h('section', { class: 'card', 'aria-labelledby': 'readiness-title' },
        h('div', { class: 'card__head' }, h('h2', { id: 'readiness-title' }, tr({ nb: 'Klar for konsultasjon?', en: 'Ready for consultation?' }, l)),
          r?.since !== undefined ? h('small', { class: 'muted' }, tr({ nb: 'siden ', en: 'since ' }, l), clock(r.since, l, undefined, props.now)) : null),
        h('div', { class: 'card__body' },
          r === null || r === undefined ? h('p', { class: 'muted' }, tr({ nb: 'Ingen status fra rommet ennå.', en: 'No status from the room yet.' }, l)) : [
            r.summary !== undefined ? h('p', { class: 'room-summary', key: 's' }, tr(r.summary, l)) : null,
            r.reasons.length > 0
              ? h('ul', { class: 'reasons', key: 'r' }, r.reasons.map((reason, i) => h('li', { key: `${reason.code}-${i}`, class: `reason reason--${reason.level ?? 'amber'}` },
                h('span', { 'aria-hidden': 'true', class: `reason__icon level--${reason.level ?? 'amber'}` }, levelLook(reason.level ?? 'amber').icon),
                h('span', null, tr(reason.message, l)), h('code', { class: 'muted' }, reason.code))))
              : null,
            h('p', { class: 'muted', key: 'p' }, tr({ nb: 'Profil: ', en: 'Profile: ' }, l), r.profileLabel !== undefined ? tr(r.profileLabel, l) : r.profile ?? '—')
          ])),
      h(ScheduleCard, { room, now: props.now, profileLabels: props.profileLabels }),
      h(NetworkCard, { room, now: props.now }),
      h(DevicesCard, { devices, now: props.now }),
      h(CheckCard, { check: room.check ?? null, devices, now: props.now })),
    h('section', { class: 'card history', 'aria-labelledby': 'history-title' },
      h('div', { class: 'card__head' },
        h('h2', { id: 'history-title' }, tr({ nb: 'Historikk', en: 'History' }, l)),
        h('div', { class: 'segmented', role: 'group', 'aria-label': tr({ nb: 'Tidsrom', en: 'Time range' }, l) },
          RANGES.map((x) => h('button', { key: x.key, type: 'button', class: `button${range === x.key ? ' button--primary' : ''}`, 'aria-pressed': range === x.key, onClick: () => setRange(x.key) }, tr(x.label, l)))),
        h('button', { type: 'button', class: 'button', onClick: () => setReload((n) => n + 1) }, '↻ ', tr({ nb: 'Oppdater', en: 'Refresh' }, l))),
      h(HistoryCharts, { history, devices })))
}

function HistoryCharts (props: { history: History, devices: DeviceView[] }): VNode<any> {
  const l = useLang()
  const hist = props.history
  const specs = useMemo(() => {
    if (hist.kind !== 'ok') return null
    const name = (id: string | undefined): string => props.devices.find((d) => d.id === id)?.name ?? id ?? '?'
    const network: ChartSpec = {
      from: hist.from, to: hist.to, units: { ms: 'ms', pct: '%' },
      lines: [
        { label: tr({ nb: 'Svartid (ms)', en: 'Round trip (ms)' }, l), series: hist.data['network.rttMs']?.[0], color: COLORS[0]!, scale: 'ms' },
        { label: tr({ nb: 'Jitter (ms)', en: 'Jitter (ms)' }, l), series: hist.data['network.jitterMs']?.[0], color: COLORS[1]!, scale: 'ms' },
        { label: tr({ nb: 'Pakketap (%)', en: 'Packet loss (%)' }, l), series: hist.data['network.lossPct']?.[0], color: COLORS[3]!, scale: 'pct' }
      ]
    }
    const health: ChartSpec = {
      from: hist.from, to: hist.to, height: 180,
      steps: ['ok', 'degraded', 'down', 'unknown'].map((s) => tr(stateLook(s).word, l)),
      lines: (hist.data['device_health.stateCode'] ?? []).map((s, i) => ({ label: name(s.tags.device), series: s, color: COLORS[i % COLORS.length]!, scale: 'state' }))
    }
    const readiness: ChartSpec = {
      from: hist.from, to: hist.to, height: 150,
      steps: ['green', 'amber', 'red'].map((s) => tr(levelLook(s).word, l)),
      lines: [{ label: tr({ nb: 'Klarhet', en: 'Readiness' }, l), series: hist.data['readiness.levelCode']?.[0], color: COLORS[0]!, scale: 'level' }]
    }
    return { network, health, readiness }
  }, [hist, l])
  if (hist.kind === 'loading') return h('p', { class: 'card__body muted' }, tr({ nb: 'Henter historikk …', en: 'Loading history …' }, l))
  if (hist.kind === 'missing') return h('p', { class: 'card__body notice' }, tr({ nb: 'Historikk er ikke tilgjengelig på denne huben ennå.', en: 'History is not available on this hub yet.' }, l))
  if (hist.kind === 'error') return h('p', { class: 'card__body notice notice--error' }, tr({ nb: `Kunne ikke hente historikk: ${hist.message}`, en: `Could not load history: ${hist.message}` }, l))
  if (specs === null) return h('span', null)
  const empty = (spec: ChartSpec): boolean => spec.lines.every((line) => (line.series?.points.length ?? 0) === 0)
  const chart = (spec: ChartSpec, title: Localized): VNode<any> => empty(spec)
    ? h('figure', { class: 'chart chart--empty' }, h('figcaption', null, tr(title, l)), h('p', { class: 'muted' }, tr({ nb: 'Ingen data i tidsrommet.', en: 'No data in this range.' }, l)))
    : h(HistoryChart, { spec, title: tr(title, l) })
  return h('div', { class: 'card__body charts' },
    chart(specs.network, { nb: 'Nettverkskvalitet', en: 'Network quality' }),
    chart(specs.health, { nb: 'Utstyrets helse', en: 'Device health' }),
    chart(specs.readiness, { nb: 'Klarhet over tid', en: 'Readiness over time' }))
}

function ScheduleCard (props: { room: RoomView, now: number, profileLabels: ReadonlyMap<string, Localized> }): VNode<any> {
  const l = useLang()
  const upcoming = [...(props.room.schedule ?? [])].filter((c) => c.start + c.minutes * 60_000 > props.now).sort((a, b) => a.start - b.start).slice(0, 6)
  return h('section', { class: 'card', 'aria-labelledby': 'schedule-title' },
    h('div', { class: 'card__head' }, h('h2', { id: 'schedule-title' }, tr({ nb: 'Konsultasjoner', en: 'Consultations' }, l))),
    upcoming.length === 0
      ? h('p', { class: 'card__body muted' }, tr({ nb: 'Ingen konsultasjoner satt opp.', en: 'No consultations booked.' }, l))
      : h('table', { class: 'table' },
        h('tbody', null, upcoming.map((c) => h('tr', { key: c.id },
          h('td', { class: 'num' }, h('strong', null, clock(c.start, l, undefined, props.now))),
          h('td', null, tr(profileLabel(c.profile, props.room, props.profileLabels) ?? { nb: c.profile, en: c.profile }, l),
            c.title !== undefined ? h('small', { class: 'muted' }, ` · ${c.title}`) : null),
          h('td', { class: 'muted num' }, `${c.minutes} min`),
          h('td', { class: c.start - props.now < 3_600_000 ? 'soon' : 'muted' }, until(c.start, l, props.now)))))))
}

function NetworkCard (props: { room: RoomView, now: number }): VNode<any> {
  const l = useLang()
  const n = props.room.network
  const fig = (v: number | null | undefined, unit: string, digits = 0): string => v === null || v === undefined ? '—' : `${num(v, l, digits)} ${unit}`
  return h('section', { class: 'card', 'aria-labelledby': 'network-title' },
    h('div', { class: 'card__head' }, h('h2', { id: 'network-title' }, tr({ nb: 'Nettverk', en: 'Network' }, l)), n !== null && n !== undefined ? h('small', { class: 'muted' }, ago(n.ts, l, props.now)) : null),
    n === null || n === undefined
      ? h('p', { class: 'card__body muted' }, tr({ nb: 'Ikke målt ennå.', en: 'Not measured yet.' }, l))
      : h('div', { class: 'card__body' },
        h('dl', { class: 'figures' },
          h('div', null, h('dt', null, tr({ nb: 'Svartid', en: 'Round trip' }, l)), h('dd', { class: 'num' }, fig(n.rttMs, 'ms'))),
          h('div', null, h('dt', null, 'Jitter'), h('dd', { class: 'num' }, fig(n.jitterMs, 'ms'))),
          h('div', null, h('dt', null, tr({ nb: 'Pakketap', en: 'Loss' }, l)), h('dd', { class: 'num' }, fig(n.lossPct, '%', 1))),
          h('div', null, h('dt', null, tr({ nb: 'Opp / ned', en: 'Up / down' }, l)), h('dd', { class: 'num' }, `${fig(n.upMbps, '', 1)}/ ${fig(n.downMbps, 'Mbit/s', 1)}`)),
          h('div', null, h('dt', null, tr({ nb: 'Linjebruk', en: 'Link use' }, l)), h('dd', { class: 'num' }, fig(n.ifaceUtilPct, '%')))),
        (n.paths ?? []).length > 0
          ? h('table', { class: 'table table--compact' },
            h('thead', null, h('tr', null, h('th', null, tr({ nb: 'Vei', en: 'Path' }, l)), h('th', null, 'RTT'), h('th', null, 'Jitter'), h('th', null, tr({ nb: 'Tap', en: 'Loss' }, l)))),
            h('tbody', null, (n.paths ?? []).map((p) => h('tr', { key: p.name }, h('td', null, p.name, ' ', h('small', { class: 'muted' }, p.kind)), h('td', { class: 'num' }, fig(p.rttMs, 'ms')), h('td', { class: 'num' }, fig(p.jitterMs, 'ms')), h('td', { class: 'num' }, fig(p.lossPct, '%', 1))))))
          : null))
}

function DevicesCard (props: { devices: DeviceView[], now: number }): VNode<any> {
  const l = useLang()
  return h('section', { class: 'card room-devices', 'aria-labelledby': 'devices-title' },
    h('div', { class: 'card__head' }, h('h2', { id: 'devices-title' }, tr({ nb: 'Utstyr', en: 'Devices' }, l))),
    props.devices.length === 0
      ? h('p', { class: 'card__body muted' }, tr({ nb: 'Ingen enheter har meldt seg.', en: 'No devices have reported.' }, l))
      : h('table', { class: 'table' },
        h('thead', null, h('tr', null, ...[['Enhet', 'Device'], ['Tilstand', 'State'], ['Hvorfor', 'Why'], ['Målinger', 'Metrics'], ['Modell', 'Model'], ['Meldt', 'Reported']].map(([nb, en]) => h('th', { key: en }, l === 'nb' ? nb : en)))),
        h('tbody', null, props.devices.map((d) => h('tr', { key: d.id, 'data-device': d.id },
          h('td', null, h('strong', null, d.name ?? d.id), h('br', null), h('small', { class: 'muted' }, `${d.id} · ${d.kind ?? '?'}`)),
          h('td', null, h(StateChip, { state: d.state, name: tr(stateLook(d.state).word, l) })),
          h('td', null, d.reason !== null ? tr(d.reason.message, l) : h('span', { class: 'muted' }, '—')),
          h('td', null, h('div', { class: 'metrics' }, metricFigures(d.metrics, l).map((m) => h('span', { key: m.key, class: 'metric', 'data-metric': m.key }, h('span', { class: 'metric__label' }, m.label), ' ', m.value)))),
          h('td', null, d.info !== null ? [d.info.vendor, d.info.model, d.info.firmware !== undefined ? `fw ${d.info.firmware}` : null].filter(Boolean).join(' ') : '—'),
          h('td', { class: 'muted num' }, d.healthTs !== null ? ago(d.healthTs, l, props.now) : '—'))))))
}

/** How a step came out: passed, skipped, could not be verified (amber, not a fault) or failed. */
function stepOutcome (s: CheckReport['steps'][number]): 'passed' | 'skipped' | 'unverified' | 'failed' {
  if (s.skipped === true) return 'skipped'
  if (s.passed) return 'passed'
  return s.unverified === true ? 'unverified' : 'failed'
}

const STEP_LOOK = {
  passed: { chip: 'ok', icon: '✓', word: { nb: 'OK', en: 'OK' } },
  skipped: { chip: 'unknown', icon: '–', word: { nb: 'hoppet over', en: 'skipped' } },
  unverified: { chip: 'degraded', icon: '?', word: { nb: 'ikke bekreftet', en: 'not verified' } },
  failed: { chip: 'down', icon: '✕', word: { nb: 'feil', en: 'failed' } }
} as const

function StepMark (props: { step: CheckReport['steps'][number] }): VNode<any> {
  const l = useLang()
  const look = STEP_LOOK[stepOutcome(props.step)]
  return h('span', { class: `chip chip--${look.chip}` }, h('span', { class: 'chip__icon', 'aria-hidden': 'true' }, look.icon), h('span', { class: 'sr-only' }, tr(look.word, l)))
}

/** The report's verdict: a check whose only misses could not be verified is amber, not red. */
function CheckVerdict (props: { check: CheckReport }): VNode<any> {
  const l = useLang()
  const c = props.check
  const misses = c.steps.map(stepOutcome).filter((o) => o === 'failed' || o === 'unverified')
  const verdict = c.passed ? 'green' : misses.length > 0 && misses.every((o) => o === 'unverified') ? 'amber' : 'red'
  const text = { green: { nb: 'Bestått', en: 'Passed' }, amber: { nb: 'Ikke alt bekreftet', en: 'Not all verified' }, red: { nb: 'Ikke bestått', en: 'Failed' } }[verdict]
  return h('span', { class: `level level--${verdict}` }, h('span', { class: 'level__icon', 'aria-hidden': 'true' }, { green: '✓', amber: '!', red: '✕' }[verdict]), tr(text, l))
}

function CheckCard (props: { check: CheckReport | null, devices: DeviceView[], now: number }): VNode<any> {
  const l = useLang()
  const c = props.check
  const deviceName = (id: string | undefined): string => props.devices.find((d) => d.id === id)?.name ?? id ?? ''
  return h('section', { class: 'card room-check', 'aria-labelledby': 'check-title' },
    h('div', { class: 'card__head' },
      h('h2', { id: 'check-title' }, tr({ nb: 'Siste sjekk før timen', en: 'Latest pre-session check' }, l)),
      c !== null ? h(CheckVerdict, { check: c }) : null,
      c !== null ? h('small', { class: 'muted' }, `${clock(c.ts, l, undefined, props.now)} · ${c.trigger === 'manual' ? tr({ nb: 'manuell', en: 'manual' }, l) : tr({ nb: 'planlagt', en: 'scheduled' }, l)}`) : null),
    c === null
      ? h('p', { class: 'card__body muted' }, tr({ nb: 'Ingen sjekk er kjørt ennå.', en: 'No check has run yet.' }, l))
      : h('table', { class: 'table table--compact' },
        h('tbody', null, c.steps.map((s, i) => h('tr', { key: `${s.name}-${i}`, class: stepOutcome(s) === 'failed' ? 'row--failed' : '' },
          h('td', null, h(StepMark, { step: s })),
          h('td', null, s.label !== undefined ? tr(s.label, l) : s.name, s.device !== undefined ? h('small', { class: 'muted' }, ` · ${deviceName(s.device)}`) : null),
          h('td', { class: 'num' }, checkValue(s, l)),
          h('td', null, s.reason !== undefined ? tr(s.reason.message, l) : s.skipped === true ? h('span', { class: 'muted' }, tr({ nb: 'hoppet over', en: 'skipped' }, l)) : ''))))))
}
