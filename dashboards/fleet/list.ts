// The fleet list: one dense row per room, virtualised — only the rows in view (plus a margin) are in
// the DOM, so 2,000 rooms scroll as smoothly as twenty. Each row is a link to the room page, so Tab,
// Enter and the browser's own "open in new tab" work.
import { h, type VNode } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { clock, ago, dateTime, num, until } from '../shared/format.js'
import { tr, type Lang, type Localized } from '../shared/i18n.js'
import type { DeviceView, RoomView } from '../shared/types.js'
import { LevelBadge, Sparkline, StateChip, useLang } from '../shared/ui.js'
import { stateLook } from '../shared/words.js'
import { levelOf, nextConsultation, profileLabel } from './rooms.js'

export const ROW_HEIGHT = 58
const OVERSCAN = 8

export interface RowContext {
  now: number
  sparks: ReadonlyMap<string, number[]>
  /** Consultation types' labels learnt from the fleet (rooms.ts profileLabel). */
  profileLabels: ReadonlyMap<string, Localized>
  open: (room: string) => void
}

export function FleetList (props: { rooms: RoomView[], ctx: RowContext, onVisible: (rooms: string[]) => void }): VNode<any> {
  const l = useLang()
  const box = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(800)

  useLayoutEffect(() => {
    const el = box.current
    if (el === null) return
    const measure = (): void => setHeight(el.clientHeight)
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  const total = props.rooms.length
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN)
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN)
  const visible = props.rooms.slice(first, last)
  const visibleKey = visible.map((r) => r.room).join(',')
  useEffect(() => { props.onVisible(visible.map((r) => r.room)) }, [visibleKey])

  return h('div', { class: 'fleet-table', role: 'table', 'aria-label': tr({ nb: 'Rom', en: 'Rooms' }, l), 'aria-rowcount': total + 1 },
    h('div', { class: 'fleet-row fleet-row--head', role: 'row' },
      [['Status', 'Status'], ['Rom', 'Room'], ['Hvorfor', 'Why'], ['Utstyr', 'Devices'], ['Nettverk', 'Network'], ['Neste konsultasjon', 'Next consultation'], ['Tilkobling', 'Connection']]
        .map(([nb, en]) => h('span', { role: 'columnheader', key: en }, l === 'nb' ? nb : en))),
    h('div', {
      ref: box,
      class: 'fleet-scroll',
      onScroll: (e: Event) => setScrollTop((e.currentTarget as HTMLElement).scrollTop)
    },
    total === 0
      ? h('p', { class: 'fleet-empty muted' }, tr({ nb: 'Ingen rom passer filteret.', en: 'No rooms match the filter.' }, l))
      : h('div', { class: 'fleet-spacer', style: { height: `${total * ROW_HEIGHT}px` } },
        visible.map((room, i) => h(Row, { key: room.room, room, index: first + i, ctx: props.ctx, lang: l })))))
}

function Row (props: { room: RoomView, index: number, ctx: RowContext, lang: Lang }): VNode<any> {
  const { room, ctx, lang: l } = props
  const level = levelOf(room)
  const why = room.readiness?.summary ?? room.readiness?.reasons[0]?.message ?? null
  const devices = Object.values(room.devices ?? {}).sort((a, b) => stateLook(b.state).rank - stateLook(a.state).rank || (a.name ?? a.id).localeCompare(b.name ?? b.id, 'nb'))
  const n = room.network
  const spark = ctx.sparks.get(room.room) ?? []
  const whyText = why !== null ? tr(why, l) : ''
  const where = [room.site, room.room].filter((x) => x !== null && x !== '').join(' · ')
  return h('a', {
    class: `fleet-row fleet-row--${level}`,
    role: 'row',
    'aria-rowindex': props.index + 2,
    'data-room': room.room,
    href: `/rooms/${encodeURIComponent(room.room)}`,
    style: { transform: `translateY(${props.index * ROW_HEIGHT}px)` },
    onClick: (e: MouseEvent) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return
      e.preventDefault()
      ctx.open(room.room)
    }
  },
  h('span', { role: 'cell', class: 'cell-level' },
    level === 'offline' || level === 'unknown'
      ? h('span', { class: 'level level--offline' }, h('span', { class: 'level__icon', 'aria-hidden': 'true' }, level === 'offline' ? '○' : '?'), tr(level === 'offline' ? { nb: 'Frakoblet', en: 'Offline' } : { nb: 'Ukjent', en: 'Unknown' }, l))
      : h(LevelBadge, { level })),
  // the name may take two lines, so the part that tells rooms apart ("… Rødøy 56") is never cut off
  h('span', { role: 'cell', class: 'cell-room', title: `${room.name}\n${where}` },
    h('strong', null, room.name),
    h('small', { class: 'muted' }, room.site ?? room.room)),
  h('span', { role: 'cell', class: 'cell-why', ...(whyText !== '' ? { title: whyText } : {}) }, why !== null ? whyText : h('span', { class: 'muted' }, '—')),
  h(DeviceCell, { devices, lang: l }),
  h('span', { role: 'cell', class: 'cell-net' },
    n !== null && n !== undefined
      ? h('span', { class: 'net-figures num' },
        h('span', { class: n.rttMs !== null && n.rttMs > 100 ? 'bad' : '' }, n.rttMs !== null ? `${Math.round(n.rttMs)} ms` : '—'),
        h('small', { class: n.lossPct !== null && n.lossPct >= 1 ? 'bad' : 'muted' }, n.lossPct !== null ? `${num(n.lossPct, l)} % ${tr({ nb: 'tap', en: 'loss' }, l)}` : ''))
      : h('span', { class: 'muted' }, '—'),
    h(Sparkline, { values: spark, width: 60, height: 22, min: 0 })),
  h(NextCell, { room, ctx, lang: l }),
  h('span', { role: 'cell', class: 'cell-online' },
    room.online
      ? h('span', { class: 'online' }, h('span', { class: 'dot dot--on', 'aria-hidden': 'true' }), tr({ nb: 'Tilkoblet', en: 'Online' }, l))
      : h('span', { class: 'online online--off' }, h('span', { class: 'dot dot--off', 'aria-hidden': 'true' }), tr({ nb: 'Frakoblet', en: 'Offline' }, l)),
    h('small', { class: 'muted' }, room.lastSeen !== null ? `${tr({ nb: 'sist sett', en: 'last seen' }, l)} ${ago(room.lastSeen, l, ctx.now)}` : tr({ nb: 'aldri sett', en: 'never seen' }, l))))
}

/** The next consultation: its time and how soon on one line, its type (up to two lines) below. */
function NextCell (props: { room: RoomView, ctx: RowContext, lang: Lang }): VNode<any> {
  const { room, ctx, lang: l } = props
  const next = nextConsultation(room, ctx.now)
  if (next === null) return h('span', { role: 'cell', class: 'cell-next' }, h('span', { class: 'muted' }, '—'))
  const label = profileLabel(next.profile, room, ctx.profileLabels)
  const kind = label !== null ? tr(label, l) : next.profile
  const soon = until(next.start, l, ctx.now)
  const full = [dateTime(next.start, l), soon, kind, next.title, `${next.minutes} min`].filter((x) => x !== undefined && x !== '').join(' · ')
  return h('span', { role: 'cell', class: 'cell-next', title: full },
    h('span', { class: 'next-when' },
      h('strong', { class: 'num' }, clock(next.start, l, undefined, ctx.now)), ' ',
      h('small', { class: next.start - ctx.now < 3_600_000 ? 'soon' : 'muted' }, soon)),
    h('small', { class: 'next-kind muted' }, kind))
}

/** Named chips that a row's fixed height always shows in full. */
const NAMED_DEVICES = 2

function deviceLine (d: DeviceView, l: Lang): string {
  return `${d.name ?? d.id}: ${tr(stateLook(d.state).word, l)}${d.reason !== null ? ` — ${tr(d.reason.message, l)}` : ''}`
}

/**
 * A room's devices in a row of fixed height: the failing ones by name, worst first, and the rest
 * counted, so a failing device is never cut off by the row. A room whose devices all work says so
 * in one chip. Every device's name and state is in the title and read out by screen readers.
 */
function DeviceCell (props: { devices: DeviceView[], lang: Lang }): VNode<any> {
  const { devices, lang: l } = props
  const all = devices.map((d) => deviceLine(d, l)).join('\n')
  if (devices.length === 0) return h('span', { role: 'cell', class: 'cell-devices' }, h('span', { class: 'muted' }, '—'))
  const failing = devices.filter((d) => d.state !== 'ok')
  const everyOk = failing.length === 0
  const named = everyOk && devices.length > NAMED_DEVICES ? [] : devices.slice(0, NAMED_DEVICES)
  const rest = devices.slice(named.length)
  const restFailing = rest.filter((d) => d.state !== 'ok').length
  return h('span', { role: 'cell', class: 'cell-devices', title: all },
    named.map((d) => h(StateChip, { key: d.id, state: d.state, name: d.name ?? d.id, title: deviceLine(d, l) })),
    rest.length === 0
      ? null
      : everyOk
        ? h(StateChip, { state: 'ok', name: tr({ nb: `Alle ${devices.length} i orden`, en: `All ${devices.length} OK` }, l), title: all })
        : h('span', { class: `more${restFailing > 0 ? ' bad' : ' muted'}`, 'aria-hidden': 'true' },
          restFailing > 0 ? `+${restFailing} ${tr({ nb: 'til', en: 'more' }, l)}` : `+${rest.length} OK`),
    h('span', { class: 'sr-only' }, rest.map((d) => deviceLine(d, l)).join('; ')))
}
