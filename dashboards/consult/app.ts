// The consultation console (specialist): live readings as large tiles with their age, device states,
// network quality, camera control and the consultation's FHIR bundle. Opening it fetches the room
// and subscribes to its live data — the hub audits both (who, which room, when).
import { h, type VNode } from 'preact'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, apiFetch, apiJson, apiPost, forgetToken, getToken, isMissingRoute, saveToken } from '../shared/auth.js'
import { ago, clock, num, until } from '../shared/format.js'
import { tr, type Localized } from '../shared/i18n.js'
import { HubLive, type LiveStatus } from '../shared/hub-live.js'
import type { Consultation, DeviceView, NetworkMessage, RoomView } from '../shared/types.js'
import { LangToggle, LevelBadge, LiveBadge, Sparkline, StaleBanner, StateChip, TokenForm, useLang, useNow, type TokenProblem } from '../shared/ui.js'
import { stateLook } from '../shared/words.js'
import { CameraPanel, type SendCommand } from './camera.js'
import { deviceTiles, VALUE_STALE_MS, type ReadingSample, type TileModel } from './vitals.js'

const TREND_WINDOW_MS = 120_000
const NEED: Localized = { nb: 'rollen spesialist (eller IT) med tilgang til rommet', en: 'the specialist (or IT) role with access to the room' }

interface Feedback { text: Localized, state: 'pending' | 'ok' | 'error', at: number }

function sampleOf (r: { ts: number, values: ReadingSample['values'], units: ReadingSample['units'], invalid?: string[], conditions?: string[] }, at: number): ReadingSample {
  return { at, values: r.values, units: r.units, invalid: r.invalid ?? [], conditions: r.conditions ?? [] }
}

export function ConsultApp (props: { room: string }): VNode<any> {
  const l = useLang()
  const now = useNow(1000)
  const [token, setToken] = useState(getToken())
  const [problem, setProblem] = useState<{ kind: TokenProblem, detail?: string } | null>(token === null ? { kind: 'missing' } : null)
  const [view, setView] = useState<RoomView | null>(null)
  const [failure, setFailure] = useState<Localized | null>(null)
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting', lastMessageAt: 0, user: null, error: null })
  const samples = useRef(new Map<string, ReadingSample[]>())
  const [, setReadingsVersion] = useState(0)
  const [feedback, setFeedback] = useState<Feedback | null>(null)

  // the room (REST), then its live data (/ws)
  useEffect(() => {
    if (token === null) return
    let live: HubLive | null = null
    let cancelled = false
    const refuse = (err: unknown): void => {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        if (err.status === 401) forgetToken()
        setProblem({ kind: err.status === 401 ? 'unauthorized' : 'forbidden', detail: err.message })
      } else if (err instanceof ApiError && err.status === 404) {
        setFailure({ nb: `Fant ikke rommet «${props.room}» på denne huben.`, en: `No room "${props.room}" at this hub.` })
      } else {
        setFailure({ nb: `Får ikke kontakt med huben (${(err as Error).message}). Prøver igjen …`, en: `Cannot reach the hub (${(err as Error).message}). Retrying …` })
        setTimeout(() => { if (!cancelled) setToken(getToken()) }, 5000)
      }
    }
    apiJson<RoomView>(`/api/rooms/${encodeURIComponent(props.room)}`).then((room) => {
      if (cancelled) return
      setFailure(null)
      setView(room)
      for (const d of Object.values(room.devices ?? {})) {
        // its age from when the hub got it: the room's gateway clock may be off
        if (d.lastReading !== null && d.lastReading !== undefined) samples.current.set(d.id, [sampleOf(d.lastReading, d.lastReading.receivedAt)])
      }
      live = new HubLive(token, [props.room], {
        onSnapshot: (rooms) => { const r = rooms.find((v) => v.room === props.room); if (r !== undefined) setView(r) },
        onRoom: (r) => { if (r.room === props.room) setView(r) },
        onReading: (room, device, reading) => {
          if (room !== props.room || reading.historical === true) return
          const at = Date.now()
          const list = (samples.current.get(device) ?? []).filter((s) => at - s.at < TREND_WINDOW_MS)
          list.push(sampleOf(reading, at))
          samples.current.set(device, list)
          setReadingsVersion((v) => v + 1)
        },
        onStatus: (s) => {
          setStatus(s)
          if (s.state === 'unauthorized') { forgetToken(); setProblem({ kind: 'unauthorized' }) }
          if (s.user !== null && s.user.role === 'staff') setProblem({ kind: 'forbidden', detail: `${s.user.name}: staff` })
        }
      }, true) // the room's console: the specialist shows as present on the room's light
      live.start()
    }, (err: unknown) => { if (!cancelled) refuse(err) })
    return () => { cancelled = true; live?.stop() }
  }, [token, props.room])

  const send: SendCommand = (device, name, args, label) => {
    setFeedback({ text: label, state: 'pending', at: Date.now() })
    const path = `/api/rooms/${encodeURIComponent(props.room)}/devices/${encodeURIComponent(device)}/commands/${encodeURIComponent(name)}`
    // the hub relays it to the gateway and answers once the device has (cloud/commands/command-routes.ts)
    apiPost<{ ok?: boolean }>(path, { args }).then(() => {
      setFeedback({ text: label, state: 'ok', at: Date.now() })
    }, (err: unknown) => {
      const text: Localized = isMissingRoute(err)
        ? { nb: 'Huben kan ikke sende kamerakommandoer ennå.', en: 'The hub cannot send camera commands yet.' }
        : err instanceof ApiError && err.reason !== null
          ? err.reason
          : err instanceof ApiError && err.status === 403
            ? { nb: `Ingen tilgang til å styre kameraet (403): ${err.message}`, en: `Not allowed to control the camera (403): ${err.message}` }
            : err instanceof ApiError && (err.status === 504 || err.code === 'gateway_timeout')
              ? { nb: 'Kameraet svarte ikke i tide.', en: 'The camera did not answer in time.' }
              : err instanceof ApiError && err.code === 'gateway_offline'
                ? { nb: 'Rommet er ikke tilkoblet huben nå.', en: 'The room is not connected to the hub now.' }
                : { nb: `Kommandoen feilet: ${(err as Error).message}`, en: `The command failed: ${(err as Error).message}` }
      setFeedback({ text, state: 'error', at: Date.now() })
    })
  }

  if (problem !== null) {
    return h(TokenForm, {
      problem: problem.kind,
      ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
      need: NEED,
      onToken: (t: string) => { saveToken(t); setProblem(null); setView(null); setToken(t) }
    })
  }

  const devices = Object.values(view?.devices ?? {}).sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id, 'nb'))
  const cameras = devices.filter((d) => d.kind === 'onvif-camera')
  const offline = view !== null && !view.online
  const blockControls = offline || status.state !== 'live'

  return h('div', { class: 'consult' },
    h('header', { class: 'topbar' },
      h('span', { class: 'brand' }, 'Helserom'),
      h('h1', null, view?.name ?? props.room, view?.site !== null && view?.site !== undefined ? h('span', { class: 'topbar__site' }, ` · ${view.site}`) : null),
      view !== null ? h(LevelBadge, { level: view.readiness?.level, large: true }) : null,
      h('span', { class: 'spacer' }),
      h(LiveBadge, { status, now }),
      status.user !== null ? h('span', { class: 'topbar__user' }, status.user.name) : null,
      h(LangToggle, null)),
    h(StaleBanner, { status, now }),
    offline ? h('div', { class: 'stale-banner', role: 'alert' }, '⚠ ', tr({
      nb: `Rommet er frakoblet${view.lastSeen !== null ? ` siden kl. ${clock(view.lastSeen, 'nb', undefined, now)}` : ''} — verdiene under er ikke live.`,
      en: `The room is offline${view.lastSeen !== null ? ` since ${clock(view.lastSeen, 'en', undefined, now)}` : ''} — the values below are not live.`
    }, l)) : null,
    failure !== null ? h('div', { class: 'notice notice--error consult__failure', role: 'alert' }, tr(failure, l)) : null,
    view === null
      ? (failure === null ? h('p', { class: 'consult__loading muted' }, tr({ nb: 'Henter rommet …', en: 'Loading the room …' }, l)) : null)
      : h('div', { class: 'consult__grid' },
        h('main', { class: 'consult__main' },
          view.readiness?.summary !== undefined ? h('p', { class: `summary summary--${view.readiness.level}` }, tr(view.readiness.summary, l)) : null,
          h(Vitals, { devices, samples: samples.current, now })),
        h('aside', { class: 'consult__side' },
          h(ConsultationCard, { room: props.room, schedule: view.schedule ?? [], now, profileLabel: view.readiness?.profileLabel !== undefined && view.readiness.profile !== null ? { [view.readiness.profile]: view.readiness.profileLabel } : {} }),
          cameras.map((c) => h(CameraPanel, { key: c.id, device: c, send, busy: feedback?.state === 'pending', disabled: blockControls })),
          feedback !== null ? h(FeedbackLine, { feedback, now }) : null,
          h(DevicesCard, { devices, now }),
          h(NetworkCard, { network: view.network ?? null, now })))
  )
}

function FeedbackLine (props: { feedback: Feedback, now: number }): VNode<any> {
  const l = useLang()
  const f = props.feedback
  const icon = f.state === 'pending' ? '…' : f.state === 'ok' ? '✓' : '✕'
  return h('p', { class: `feedback feedback--${f.state}`, role: 'status', 'data-state': f.state },
    h('span', { 'aria-hidden': 'true' }, `${icon} `),
    f.state === 'pending' ? tr({ nb: 'Sender: ', en: 'Sending: ' }, l) : f.state === 'ok' ? tr({ nb: 'Utført: ', en: 'Done: ' }, l) : '',
    tr(f.text, l))
}

function Vitals (props: { devices: DeviceView[], samples: Map<string, ReadingSample[]>, now: number }): VNode<any> {
  const l = useLang()
  const groups = props.devices
    .map((d) => {
      const list = props.samples.get(d.id) ?? []
      const latest = list[list.length - 1]
      return latest !== undefined ? { device: d, latest, tiles: deviceTiles(d.id, latest, list) } : null
    })
    .filter((g) => g !== null)
  if (groups.length === 0) {
    return h('section', { class: 'card vitals-empty' }, h('div', { class: 'card__body' },
      h('h2', null, tr({ nb: 'Målinger', en: 'Readings' }, l)),
      h('p', { class: 'muted' }, tr({ nb: 'Ingen sensorer i rommet har sendt målinger ennå. Verdiene vises her så snart en sensor er i bruk.', en: 'No sensor in the room has sent readings yet. Values appear here as soon as a sensor is in use.' }, l))))
  }
  return h('div', { class: 'vitals' }, groups.map((g) => {
    const blocking = g.tiles.find((t) => t.blocking !== null)?.blocking ?? null
    const primary = g.tiles.filter((t) => t.primary)
    const secondary = g.tiles.filter((t) => !t.primary)
    return h('section', { key: g.device.id, class: 'card vitals__device', 'aria-labelledby': `vit-${g.device.id}` },
      h('div', { class: 'card__head' },
        h('h2', { id: `vit-${g.device.id}` }, g.device.name ?? g.device.id),
        g.device.info?.model !== undefined ? h('span', { class: 'muted' }, [g.device.info.vendor, g.device.info.model].filter(Boolean).join(' ')) : null,
        h('span', { class: 'spacer' }),
        h(StateChip, { state: g.device.state, name: tr(stateLook(g.device.state).word, l) })),
      blocking !== null ? h('div', { class: 'vitals__blocking', role: 'alert' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), tr(blocking, l)) : null,
      h('div', { class: 'tiles' }, primary.map((t) => h(Tile, { key: t.key, tile: t, now: props.now }))),
      secondary.length > 0 ? h('div', { class: 'tiles tiles--small' }, secondary.map((t) => h(Tile, { key: t.key, tile: t, now: props.now }))) : null)
  }))
}

function Tile (props: { tile: TileModel, now: number }): VNode<any> {
  const l = useLang()
  const t = props.tile
  const age = Math.max(0, props.now - t.at)
  const old = age > VALUE_STALE_MS
  const cls = ['tile', t.primary ? 'tile--primary' : 'tile--secondary', old ? 'tile--old' : '', t.invalid && t.blocking === null ? 'tile--invalid' : '', t.blocking !== null ? 'tile--blocked' : ''].filter(Boolean).join(' ')
  const label = tr(t.label, l)
  const valueText = t.blocking !== null || t.value === null ? '—' : l === 'nb' ? t.value.replace('.', ',') : t.value
  return h('div', { class: cls, 'data-value': t.key, role: 'group', 'aria-label': label },
    h('div', { class: 'tile__label' }, label, t.hint !== null && t.primary ? h('span', { class: 'tile__hint' }, tr(t.hint, l)) : null),
    h('div', { class: 'tile__value num' }, h('span', { class: 'tile__number' }, valueText), t.value !== null && t.blocking === null ? h('span', { class: 'tile__unit' }, t.unit) : null),
    h('div', { class: 'tile__badges' },
      t.invalid && t.blocking === null ? h('span', { class: 'badge badge--invalid' }, tr({ nb: 'Ugyldig', en: 'Invalid' }, l)) : null,
      old ? h('span', { class: 'badge badge--old' }, tr({ nb: 'Gammel verdi', en: 'Old value' }, l)) : null,
      t.primary ? t.notes.map((n) => h('span', { class: 'badge badge--note', key: n.en }, tr(n, l))) : null),
    h('div', { class: 'tile__foot' },
      h('span', { class: 'tile__age num', title: clock(t.at, l) }, ago(t.at, l, props.now)),
      t.primary ? h(Sparkline, { values: t.trend, width: 120, height: 28, label: tr({ nb: `${label}, siste 2 min`, en: `${label}, last 2 min` }, l) }) : null))
}

function currentConsultation (schedule: readonly Consultation[], now: number): Consultation | null {
  const sorted = [...schedule].sort((a, b) => a.start - b.start)
  return sorted.find((c) => now >= c.start && now < c.start + c.minutes * 60_000) ??
    sorted.find((c) => c.start > now) ??
    sorted[sorted.length - 1] ?? null
}

function ConsultationCard (props: { room: string, schedule: readonly Consultation[], now: number, profileLabel: Record<string, Localized> }): VNode<any> {
  const l = useLang()
  const [chosen, setChosen] = useState<string | null>(null)
  const [state, setState] = useState<{ kind: 'idle' | 'busy' | 'done' | 'error', text?: Localized }>({ kind: 'idle' })
  const fallback = useMemo(() => currentConsultation(props.schedule, props.now), [props.schedule, Math.floor(props.now / 30_000)])
  const c = props.schedule.find((s) => s.id === chosen) ?? fallback
  const download = async (): Promise<void> => {
    if (c === null) return
    setState({ kind: 'busy' })
    try {
      const res = await apiFetch(`/api/rooms/${encodeURIComponent(props.room)}/consultations/${encodeURIComponent(c.id)}/fhir`, { headers: { accept: 'application/fhir+json, application/json' } })
      const blob = await res.blob()
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = `helserom-${props.room}-${c.id}.fhir.json`
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      setState({ kind: 'done' })
    } catch (err) {
      setState({
        kind: 'error',
        text: isMissingRoute(err)
          ? { nb: 'Huben kan ikke lage FHIR-bundle ennå.', en: 'The hub cannot make FHIR bundles yet.' }
          : err instanceof ApiError && err.status === 404
            ? { nb: 'Huben har ingen data for denne konsultasjonen.', en: 'The hub has no data for this consultation.' }
            : { nb: `Nedlastingen feilet: ${(err as Error).message}`, en: `The download failed: ${(err as Error).message}` }
      })
    }
  }
  return h('section', { class: 'card', 'aria-labelledby': 'consultation-title' },
    h('div', { class: 'card__head' }, h('h2', { id: 'consultation-title' }, tr({ nb: 'Konsultasjon', en: 'Consultation' }, l))),
    h('div', { class: 'card__body consultation' },
      c === null
        ? h('p', { class: 'muted' }, tr({ nb: 'Ingen konsultasjoner satt opp for rommet.', en: 'No consultations booked for the room.' }, l))
        : h('div', null,
          h('p', { class: 'consultation__when' }, h('strong', { class: 'num' }, `${tr({ nb: 'kl.', en: 'at' }, l)} ${clock(c.start, l, undefined, props.now)}`), ' · ', until(c.start, l, props.now)),
          h('p', { class: 'muted' }, `${c.title ?? (props.profileLabel[c.profile] !== undefined ? tr(props.profileLabel[c.profile], l) : c.profile)} · ${c.minutes} min`)),
      props.schedule.length > 1
        ? h('label', { class: 'consultation__pick' }, tr({ nb: 'Velg konsultasjon', en: 'Choose consultation' }, l),
          h('select', { value: c?.id ?? '', onChange: (e: Event) => setChosen((e.target as HTMLSelectElement).value) },
            [...props.schedule].sort((a, b) => a.start - b.start).map((s) => h('option', { value: s.id, key: s.id }, `${clock(s.start, l, undefined, props.now)} · ${s.title ?? (props.profileLabel[s.profile] !== undefined ? tr(props.profileLabel[s.profile], l) : s.profile)}`))))
        : null,
      h('button', { type: 'button', class: 'button button--primary fhir', disabled: c === null || state.kind === 'busy', onClick: () => { void download() } },
        h('span', { 'aria-hidden': 'true' }, '⤓ '), tr({ nb: 'Last ned FHIR-bundle', en: 'Download FHIR bundle' }, l)),
      state.kind === 'done' ? h('p', { class: 'feedback feedback--ok', role: 'status' }, '✓ ', tr({ nb: 'Lastet ned', en: 'Downloaded' }, l)) : null,
      state.kind === 'error' && state.text !== undefined ? h('p', { class: 'feedback feedback--error', role: 'status' }, '✕ ', tr(state.text, l)) : null))
}

function DevicesCard (props: { devices: DeviceView[], now: number }): VNode<any> {
  const l = useLang()
  return h('section', { class: 'card', 'aria-labelledby': 'devices-title' },
    h('div', { class: 'card__head' }, h('h2', { id: 'devices-title' }, tr({ nb: 'Utstyr', en: 'Devices' }, l))),
    h('ul', { class: 'devices' }, props.devices.map((d) => h('li', { key: d.id, class: `devices__item devices__item--${d.state}` },
      h(StateChip, { state: d.state, name: d.name ?? d.id }),
      h('span', { class: 'devices__state' }, tr(stateLook(d.state).word, l)),
      d.reason !== null ? h('span', { class: 'devices__reason' }, tr(d.reason.message, l)) : null))),
    props.devices.length === 0 ? h('p', { class: 'card__body muted' }, tr({ nb: 'Ingen enheter har meldt seg.', en: 'No devices have reported.' }, l)) : null)
}

const TARGETS = { rttMs: 100, jitterMs: 30, lossPct: 1 }

function NetworkCard (props: { network: NetworkMessage | null, now: number }): VNode<any> {
  const l = useLang()
  const n = props.network
  const row = (label: Localized, value: number | null, unit: string, limit?: number, digits = 0): VNode<any> => {
    const bad = limit !== undefined && value !== null && value > limit
    return h('div', { class: `net__row${bad ? ' net__row--bad' : ''}` },
      h('dt', null, tr(label, l)),
      h('dd', { class: 'num' }, value === null ? '—' : `${num(value, l, digits)} ${unit}`, bad ? h('span', { class: 'net__flag', title: tr({ nb: `over ${limit} ${unit}`, en: `above ${limit} ${unit}` }, l) }, ' !') : null))
  }
  return h('section', { class: 'card', 'aria-labelledby': 'net-title' },
    h('div', { class: 'card__head' }, h('h2', { id: 'net-title' }, tr({ nb: 'Nettverk', en: 'Network' }, l)),
      n !== null ? h('span', { class: 'muted' }, ago(n.ts, l, props.now)) : null),
    n === null
      ? h('p', { class: 'card__body muted' }, tr({ nb: 'Ikke målt ennå.', en: 'Not measured yet.' }, l))
      : h('dl', { class: 'net card__body' },
        row({ nb: 'Svartid', en: 'Round trip' }, n.rttMs, 'ms', TARGETS.rttMs),
        row({ nb: 'Jitter', en: 'Jitter' }, n.jitterMs, 'ms', TARGETS.jitterMs),
        row({ nb: 'Pakketap', en: 'Packet loss' }, n.lossPct, '%', TARGETS.lossPct, 1),
        row({ nb: 'Opp', en: 'Up' }, n.upMbps, 'Mbit/s', undefined, 1),
        row({ nb: 'Ned', en: 'Down' }, n.downMbps, 'Mbit/s', undefined, 1)))
}
