// The fleet page (IT): every room at a glance with sort and filter, open incidents beside it, and a
// room page (/rooms/:room) one click away. One /ws connection feeds both views; moving between them
// is client-side (history.pushState), so the data stays live.
import { h, type VNode } from 'preact'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { getToken, forgetToken, saveToken } from '../shared/auth.js'
import { tr } from '../shared/i18n.js'
import { LangToggle, LiveBadge, StaleBanner, TokenForm, useLang, useNow } from '../shared/ui.js'
import { IncidentsPanel } from './incidents.js'
import { FleetList } from './list.js'
import { RoomPage } from './room-page.js'
import { countLevels, nextConsultation, selectRooms, type LevelFilter, type SortKey } from './rooms.js'
import { FleetStore } from './store.js'

const SORT_KEY = 'helserom.fleet.sort'
const SORTS: Array<{ key: SortKey, nb: string, en: string }> = [
  { key: 'severity', nb: 'Alvorlighet (rødt først)', en: 'Severity (red first)' },
  { key: 'soon', nb: 'Nærmeste konsultasjon', en: 'Consultation soonest' },
  { key: 'site', nb: 'Kommune', en: 'Site' },
  { key: 'name', nb: 'Navn', en: 'Name' },
  { key: 'lastSeen', nb: 'Lengst siden sett', en: 'Longest unseen' }
]
const LEVEL_CHIPS: Array<{ key: LevelFilter, nb: string, en: string, icon: string }> = [
  { key: 'red', nb: 'Ikke klar', en: 'Not ready', icon: '✕' },
  { key: 'offline', nb: 'Frakoblet', en: 'Offline', icon: '○' },
  { key: 'amber', nb: 'Obs', en: 'Attention', icon: '!' },
  { key: 'green', nb: 'Klar', en: 'Ready', icon: '✓' },
  { key: 'unknown', nb: 'Ukjent', en: 'Unknown', icon: '?' }
]

function routeOf (path: string): { room: string | null } {
  const m = /^\/rooms\/([^/]+)\/?$/.exec(path)
  return { room: m?.[1] !== undefined ? decodeURIComponent(m[1]) : null }
}

function readSort (): SortKey {
  try {
    const s = localStorage.getItem(SORT_KEY)
    if (SORTS.some((x) => x.key === s)) return s as SortKey
  } catch {}
  return 'severity'
}

export function FleetApp (): VNode<any> {
  const [token, setToken] = useState(getToken())
  if (token === null) return h(TokenForm, { problem: 'missing', need: { nb: 'rollen IT', en: 'the IT role' }, onToken: (t: string) => { saveToken(t); setToken(t) } })
  return h(Fleet, { key: token, token })
}

function Fleet (props: { token: string }): VNode<any> {
  const l = useLang()
  const now = useNow(1000)
  const store = useMemo(() => new FleetStore(props.token), [props.token])
  const [, setVersion] = useState(0)
  const [route, setRoute] = useState(routeOf(location.pathname))
  const [sort, setSort] = useState<SortKey>(readSort())
  const [levels, setLevels] = useState<ReadonlySet<LevelFilter>>(new Set())
  const [site, setSite] = useState<string | null>(null)
  const [text, setText] = useState('')
  const [refused, setRefused] = useState(false)
  const search = useRef<HTMLInputElement>(null)

  useEffect(() => {
    const off = store.subscribe(() => setVersion(store.version))
    store.start()
    const onPop = (): void => setRoute(routeOf(location.pathname))
    addEventListener('popstate', onPop)
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') { e.preventDefault(); search.current?.focus() }
    }
    addEventListener('keydown', onKey)
    return () => { off(); store.stop(); removeEventListener('popstate', onPop); removeEventListener('keydown', onKey) }
  }, [store])

  useEffect(() => { if (store.status.state === 'unauthorized') { forgetToken(); setRefused(true) } }, [store.status.state])

  const navigate = (path: string): void => {
    history.pushState(null, '', path)
    setRoute(routeOf(path))
    window.scrollTo(0, 0)
  }

  const minute = Math.floor(now / 60_000)
  const all = store.rooms
  const selected = useMemo(() => selectRooms(all.values(), { levels, site, text }, sort, now), [store.version, levels, site, text, sort, minute])
  const counts = useMemo(() => countLevels(all.values()), [store.version])
  const sites = useMemo(() => [...new Set([...all.values()].map((r) => r.site).filter((s): s is string => s !== null))].sort((a, b) => a.localeCompare(b, 'nb')), [store.version])
  const soonCount = useMemo(() => [...all.values()].filter((r) => { const c = nextConsultation(r, now); return c !== null && c.start - now < 3_600_000 }).length, [store.version, minute])

  if (refused) {
    return h(TokenForm, { problem: 'unauthorized', need: { nb: 'rollen IT', en: 'the IT role' }, onToken: (t: string) => { saveToken(t); location.reload() } })
  }

  const toggleLevel = (key: LevelFilter): void => {
    const next = new Set(levels)
    if (next.has(key)) next.delete(key)
    else next.add(key)
    setLevels(next)
  }

  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '/', onClick: (e: MouseEvent) => { e.preventDefault(); navigate('/') } }, 'Helserom'),
    h('h1', null, tr({ nb: 'Flåteoversikt', en: 'Fleet overview' }, l)),
    h('span', { class: 'topbar__summary num', 'aria-live': 'polite' },
      `${all.size.toLocaleString(l === 'nb' ? 'nb-NO' : 'en-GB')} ${tr({ nb: 'rom', en: 'rooms' }, l)}`,
      counts.red > 0 ? h('span', { class: 'pill pill--red' }, `${counts.red} ${tr({ nb: 'ikke klar', en: 'not ready' }, l)}`) : null,
      counts.offline > 0 ? h('span', { class: 'pill pill--grey' }, `${counts.offline} ${tr({ nb: 'frakoblet', en: 'offline' }, l)}`) : null,
      soonCount > 0 ? h('span', { class: 'pill' }, `${soonCount} ${tr({ nb: 'konsultasjoner neste time', en: 'consultations next hour' }, l)}`) : null),
    h('span', { class: 'spacer' }),
    h(LiveBadge, { status: store.status, now }),
    store.status.user !== null ? h('span', { class: 'topbar__user' }, store.status.user.name) : null,
    h(LangToggle, null))

  if (route.room !== null) {
    return h('div', { class: 'fleet-app' }, header, h(StaleBanner, { status: store.status, now }),
      h(RoomPage, { room: all.get(route.room), slug: route.room, now, profileLabels: store.profileLabels, back: () => navigate('/') }))
  }

  return h('div', { class: 'fleet-app fleet-app--list' },
    header,
    h(StaleBanner, { status: store.status, now }),
    h('div', { class: 'toolbar', role: 'search' },
      h('div', { class: 'filters', role: 'group', 'aria-label': tr({ nb: 'Filtrer på status', en: 'Filter by status' }, l) },
        LEVEL_CHIPS.map((c) => h('button', {
          key: c.key,
          type: 'button',
          class: `filter filter--${c.key}${levels.has(c.key) ? ' filter--on' : ''}`,
          'aria-pressed': levels.has(c.key),
          'data-filter': c.key,
          onClick: () => toggleLevel(c.key)
        }, h('span', { class: 'filter__icon', 'aria-hidden': 'true' }, c.icon), l === 'nb' ? c.nb : c.en, h('span', { class: 'filter__count num' }, String(counts[c.key]))))),
      h('label', { class: 'field' }, h('span', null, tr({ nb: 'Kommune', en: 'Site' }, l)),
        h('select', { value: site ?? '', onChange: (e: Event) => setSite((e.target as HTMLSelectElement).value || null) },
          h('option', { value: '' }, tr({ nb: 'Alle', en: 'All' }, l)),
          sites.map((s) => h('option', { key: s, value: s }, s)))),
      h('label', { class: 'field' }, h('span', null, tr({ nb: 'Sorter', en: 'Sort' }, l)),
        h('select', {
          value: sort,
          'data-sort': sort,
          onChange: (e: Event) => {
            const key = (e.target as HTMLSelectElement).value as SortKey
            setSort(key)
            try { localStorage.setItem(SORT_KEY, key) } catch {}
          }
        }, SORTS.map((s) => h('option', { key: s.key, value: s.key }, l === 'nb' ? s.nb : s.en)))),
      h('label', { class: 'field field--search' }, h('span', { class: 'sr-only' }, tr({ nb: 'Søk', en: 'Search' }, l)),
        h('input', { ref: search, type: 'search', placeholder: tr({ nb: 'Søk rom eller kommune  ( / )', en: 'Search room or site  ( / )' }, l), value: text, onInput: (e: Event) => setText((e.target as HTMLInputElement).value) })),
      h('span', { class: 'toolbar__shown muted num' }, `${selected.length} ${tr({ nb: 'vist', en: 'shown' }, l)}`)),
    h('div', { class: 'fleet-body' },
      h('section', { class: 'fleet-main card' },
        store.status.state === 'connecting' && all.size === 0
          ? h('p', { class: 'fleet-empty muted' }, tr({ nb: 'Henter rommene …', en: 'Loading the rooms …' }, l))
          : h(FleetList, { rooms: selected, ctx: { now, sparks: store.sparks, profileLabels: store.profileLabels, open: (room) => navigate(`/rooms/${encodeURIComponent(room)}`) }, onVisible: (rooms) => store.wantHistory(rooms) })),
      h(IncidentsPanel, {
        now,
        roomName: (room: string) => all.get(room)?.name ?? room,
        open: (room: string) => navigate(`/rooms/${encodeURIComponent(room)}`),
        onPush: (fn: () => void) => store.onOther((m) => { if (m.type.startsWith('incident')) fn() })
      })))
}
