// The camera control: preset buttons and a pan/tilt/zoom pad for each PTZ camera of the room, sent
// as device commands through the hub (POST /api/rooms/:room/devices/:device/commands/:name). A press
// on an arrow nudges the camera; holding it keeps turning until release (ptz.move, then ptz.stop).
// The buttons are real buttons: Tab reaches them, Enter and Space press them.
import { h, type VNode } from 'preact'
import { useRef } from 'preact/hooks'
import { fixed } from '../shared/format.js'
import { tr, type Localized } from '../shared/i18n.js'
import { useLang } from '../shared/ui.js'
import type { DeviceView } from '../shared/types.js'
import { presetLabel } from '../shared/words.js'

export type SendCommand = (device: string, name: string, args: Record<string, unknown>, label: Localized) => void

/**
 * The camera's preset names. The hub sees the device's health metrics only; the driver is asked to
 * report its configured names as `presets` ("patient,overview") — until it does there are none.
 */
export function presetNames (device: DeviceView): string[] {
  const raw = device.metrics.presets ?? device.metrics.presetNames
  if (typeof raw !== 'string' || raw.trim() === '') return []
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

const NUDGE_MS = 400
const HOLD_MS = 3000
const SPEED = 0.5

interface PadButton { key: string, label: Localized, glyph: string, pan: number, tilt: number, zoom: number }
const PAD: PadButton[] = [
  { key: 'up', label: { nb: 'Opp', en: 'Up' }, glyph: '▲', pan: 0, tilt: SPEED, zoom: 0 },
  { key: 'left', label: { nb: 'Venstre', en: 'Left' }, glyph: '◀', pan: -SPEED, tilt: 0, zoom: 0 },
  { key: 'right', label: { nb: 'Høyre', en: 'Right' }, glyph: '▶', pan: SPEED, tilt: 0, zoom: 0 },
  { key: 'down', label: { nb: 'Ned', en: 'Down' }, glyph: '▼', pan: 0, tilt: -SPEED, zoom: 0 },
  { key: 'zoom-in', label: { nb: 'Zoom inn', en: 'Zoom in' }, glyph: '+', pan: 0, tilt: 0, zoom: SPEED },
  { key: 'zoom-out', label: { nb: 'Zoom ut', en: 'Zoom out' }, glyph: '−', pan: 0, tilt: 0, zoom: -SPEED }
]

function MoveButton (props: { b: PadButton, device: string, send: SendCommand, disabled: boolean }): VNode<any> {
  const l = useLang()
  const held = useRef<{ since: number, renew: number } | null>(null)
  const { b, device, send } = props
  const move = (ms: number): void => send(device, 'ptz.move', { pan: b.pan, tilt: b.tilt, zoom: b.zoom, timeoutMs: ms }, b.label)
  const stop = (): void => send(device, 'ptz.stop', {}, { nb: 'Stopp', en: 'Stop' })
  const release = (): void => {
    const h = held.current
    if (h === null) return
    held.current = null
    clearInterval(h.renew)
    // a quick click is a nudge: let it turn for NUDGE_MS, then stop
    setTimeout(stop, Math.max(0, NUDGE_MS - (Date.now() - h.since)))
  }
  return h('button', {
    type: 'button',
    class: `pad__btn pad__btn--${b.key}`,
    'aria-label': tr(b.label, l),
    title: tr(b.label, l),
    disabled: props.disabled,
    onPointerDown: (e: PointerEvent) => {
      if (e.button !== 0 || held.current !== null) return
      move(HOLD_MS)
      // held longer than one move lasts: renew it before the camera's own timeout stops it
      held.current = { since: Date.now(), renew: window.setInterval(() => move(HOLD_MS), HOLD_MS - 500) }
    },
    onPointerUp: release,
    onPointerLeave: release,
    onPointerCancel: release,
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); if (!e.repeat) move(NUDGE_MS) }
    }
  }, b.glyph)
}

export function CameraPanel (props: { device: DeviceView, send: SendCommand, busy: boolean, disabled: boolean }): VNode<any> {
  const l = useLang()
  const { device, send } = props
  const presets = presetNames(device)
  const ptz = device.metrics.ptz !== false
  const pos = device.metrics
  const pad = (key: string): VNode<any> => h(MoveButton, { b: PAD.find((b) => b.key === key)!, device: device.id, send, disabled: props.disabled || !ptz })
  return h('section', { class: 'card camera', 'aria-labelledby': `cam-${device.id}` },
    h('div', { class: 'card__head' },
      h('h2', { id: `cam-${device.id}` }, device.name ?? device.id),
      typeof pos.pan === 'number' && typeof pos.tilt === 'number'
        ? h('span', { class: 'muted num camera__pos', title: tr({ nb: 'Posisjon', en: 'Position' }, l) },
          [tr({ nb: 'side', en: 'pan' }, l), fixed(pos.pan, l, 2), '·', tr({ nb: 'høyde', en: 'tilt' }, l), fixed(pos.tilt, l, 2),
            ...(typeof pos.zoom === 'number' ? ['· zoom', fixed(pos.zoom, l, 2)] : [])].join(' '))
        : null),
    h('div', { class: 'card__body camera__body' },
      h('div', { class: 'camera__presets' },
        h('h3', null, tr({ nb: 'Forvalg', en: 'Presets' }, l)),
        presets.length > 0
          ? h('div', { class: 'presets', role: 'group', 'aria-label': tr({ nb: 'Forhåndsinnstillinger', en: 'Presets' }, l) },
            presets.map((name) => h('button', {
              type: 'button',
              class: 'button preset',
              'data-preset': name,
              disabled: props.disabled,
              onClick: () => send(device.id, 'ptz.gotoPreset', { preset: name }, presetLabel(name))
            }, tr(presetLabel(name), l))))
          : h('p', { class: 'muted' }, tr({ nb: 'Kameraet har ikke meldt hvilke forhåndsinnstillinger det har.', en: 'The camera has not reported its presets.' }, l))),
      h('div', { class: 'camera__pad' },
        h('h3', null, tr({ nb: 'Styring', en: 'Control' }, l)),
        h('div', { class: 'pad', role: 'group', 'aria-label': tr({ nb: 'Snu og zoom', en: 'Pan, tilt and zoom' }, l) },
          h('span', null), pad('up'), h('span', null),
          pad('left'),
          h('button', {
            type: 'button', class: 'pad__btn pad__btn--home', title: tr({ nb: 'Hjemmeposisjon', en: 'Home position' }, l),
            'aria-label': tr({ nb: 'Hjemmeposisjon', en: 'Home position' }, l), disabled: props.disabled || !ptz,
            onClick: () => send(device.id, 'ptz.home', {}, { nb: 'Hjem', en: 'Home' })
          }, '⌂'),
          pad('right'),
          h('span', null), pad('down'), h('span', null)),
        h('div', { class: 'zoom', role: 'group', 'aria-label': 'Zoom' }, pad('zoom-out'), h('span', { class: 'zoom__label' }, 'Zoom'), pad('zoom-in')),
        !ptz ? h('p', { class: 'muted' }, tr({ nb: 'Dette kameraet kan ikke snus.', en: 'This camera cannot pan or tilt.' }, l)) : null))
  )
}
