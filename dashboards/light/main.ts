// The readiness light (DESIGN.md, "Words on screen"): one glance from across the room on a cheap
// tablet. A huge colour field with an icon and a word (never colour alone), one plain sentence
// saying why and what to do, and the next consultation. Served by the gateway, it listens to the
// gateway's /ws and so keeps working when the hub is unreachable — then it says so. The hub serves
// the same page at /light/:room as a remote view (a token, then the hub's /ws). Plain DOM, no
// framework: it must stay small for old Android WebViews.
import './light.css'
import { getToken, saveToken, takeTokenFromUrl, forgetToken } from '../shared/auth.js'
import { clock } from '../shared/format.js'
import { lang, onLangChange, otherLang, setLang, tr, type Localized } from '../shared/i18n.js'
import { HubLive } from '../shared/hub-live.js'
import type { ReadinessMessage, RoomView } from '../shared/types.js'
import { lightView, type LightInput } from './model.js'

const source: 'gateway' | 'hub' = document.querySelector('meta[name="helserom-source"]')?.getAttribute('content') === 'hub' ? 'hub' : 'gateway'

const input: LightInput = {
  source,
  readiness: null,
  roomName: null,
  timezone: 'Europe/Oslo',
  supportPhone: null,
  supportName: null,
  linkUp: null,
  lastSeen: null,
  lastMessageAt: 0,
  openedAt: Date.now()
}

// --- the page ------------------------------------------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string> = {}, parent?: HTMLElement): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  parent?.appendChild(node)
  return node
}

const root = document.getElementById('light') ?? document.body
const top = el('header', { class: 'top' }, root)
const roomEl = el('span', { id: 'room', class: 'top__room' }, top)
const clockEl = el('span', { id: 'clock', class: 'top__clock' }, top)
const toggle = el('button', { type: 'button', id: 'lang', class: 'top__lang' }, top)
const notice = el('div', { id: 'notice', class: 'notice', role: 'status' }, root)
const main = el('main', { class: 'field', 'aria-live': 'polite' }, root)
const icon = el('div', { id: 'icon', class: 'icon', 'aria-hidden': 'true' }, main)
const word = el('div', { id: 'word', class: 'word' }, main)
const why = el('p', { id: 'why', class: 'why' }, main)
const whyOther = el('p', { id: 'why-other', class: 'why-other' }, main)
const next = el('p', { id: 'next', class: 'next' }, main)
const foot = el('footer', { class: 'foot' }, root)
const updated = el('span', { id: 'updated' }, foot)

toggle.addEventListener('click', () => setLang(otherLang()))
onLangChange(() => render())

function set (node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text
}

function both (text: Localized | null): [string, string] {
  if (text === null) return ['', '']
  const l = lang()
  return [tr(text, l), tr(text, otherLang(l))]
}

function render (): void {
  const now = Date.now()
  const view = lightView(input, now)
  document.body.setAttribute('data-level', view.tone)
  set(icon, view.icon)
  set(word, tr(view.word))
  const [primary, secondary] = both(view.why)
  set(why, primary)
  // long sentences (a check's finding and what to do) must still fit a landscape tablet
  why.className = primary.length > 150 ? 'why why--very-long' : primary.length > 80 ? 'why why--long' : 'why'
  set(whyOther, secondary)
  whyOther.setAttribute('lang', otherLang())
  set(next, both(view.next)[0])
  notice.hidden = view.notice === null
  set(notice, view.notice !== null ? `⚠ ${tr(view.notice)}` : '')
  set(updated, both(view.updated)[0])
  set(roomEl, input.roomName ?? '')
  set(clockEl, clock(now, lang(), input.timezone, now))
  set(toggle, otherLang() === 'en' ? 'English' : 'Norsk')
  toggle.setAttribute('aria-label', otherLang() === 'en' ? 'Switch to English' : 'Bytt til norsk')
  document.title = `${tr(view.word)} – ${input.roomName ?? 'Helserom'}`
}

// --- the gateway: its /ws snapshot and events ---------------------------------------------------

interface GatewaySnapshot {
  type: 'snapshot'
  room: { name?: string, timezone?: string, support?: { phone?: string, name?: Localized } }
  readiness: ReadinessMessage | null
  uplink: { connected: boolean } | null
}

function connectGateway (): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`)
  ws.onmessage = (event) => {
    let m: { type?: string, [k: string]: unknown }
    try { m = JSON.parse(String(event.data)) } catch { return }
    input.lastMessageAt = Date.now()
    if (m.type === 'snapshot') {
      const s = m as unknown as GatewaySnapshot
      input.readiness = s.readiness
      input.roomName = s.room.name ?? null
      input.timezone = s.room.timezone ?? input.timezone
      input.supportPhone = s.room.support?.phone ?? null
      input.supportName = s.room.support?.name ?? null
      input.linkUp = s.uplink?.connected ?? null
    } else if (m.type === 'readiness') {
      input.readiness = m.readiness as ReadinessMessage
    } else if (m.type === 'uplink') {
      input.linkUp = (m.uplink as { connected: boolean }).connected
    }
    render()
  }
  ws.onclose = () => { setTimeout(connectGateway, 2000) }
}

// --- the hub's remote view: /light/:room with a token --------------------------------------------

function askToken (problem: Localized | null): void {
  root.hidden = true
  const form = el('form', { class: 'token', 'aria-labelledby': 'token-title' }, document.body)
  el('h1', { id: 'token-title' }, form).textContent = problem !== null ? tr(problem) : tr({ nb: 'Token for fjernvisning av lyset', en: 'Token for the light\'s remote view' })
  el('p', {}, form).textContent = tr({ nb: 'Lim inn et token fra huben (rolle: helsepersonell, spesialist eller IT).', en: 'Paste a token from the hub (role: staff, specialist or IT).' })
  el('label', { for: 'token-input' }, form).textContent = 'Token'
  const field = el('input', { id: 'token-input', type: 'password', autocomplete: 'off', required: '' }, form)
  el('button', { type: 'submit' }, form).textContent = tr({ nb: 'Vis lyset', en: 'Show the light' })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (field.value.trim() === '') return
    saveToken(field.value)
    form.remove()
    root.hidden = false
    connectHub()
  })
  field.focus()
}

function applyRoom (view: RoomView): void {
  input.readiness = view.readiness
  input.roomName = view.name
  input.linkUp = view.online
  input.lastSeen = view.lastSeen
  input.lastMessageAt = Date.now()
  render()
}

function connectHub (): void {
  const room = decodeURIComponent(location.pathname.split('/').filter((p) => p !== '').pop() ?? '')
  const token = getToken()
  if (token === null) { askToken(null); return }
  const live: HubLive = new HubLive(token, [room], {
    onSnapshot: (rooms) => { const r = rooms.find((v) => v.room === room); if (r !== undefined) applyRoom(r) },
    onRoom: (view) => { if (view.room === room) applyRoom(view) },
    onStatus: (status) => {
      if (status.state === 'unauthorized') {
        live.stop()
        forgetToken()
        askToken({ nb: 'Tokenet ble ikke godtatt (401)', en: 'The token was not accepted (401)' })
        return
      }
      if (status.error !== null && (status.error.code === 'forbidden' || status.error.code === 'not_found')) {
        live.stop()
        forgetToken()
        askToken(status.error.code === 'forbidden'
          ? { nb: `Ingen tilgang til dette rommet (403): ${status.error.message}`, en: `No access to this room (403): ${status.error.message}` }
          : { nb: `Fant ikke rommet «${room}»`, en: `No room "${room}"` })
        return
      }
      if (status.lastMessageAt > input.lastMessageAt) input.lastMessageAt = status.lastMessageAt
      render()
    }
  })
  live.start()
}

takeTokenFromUrl()
if (source === 'hub') connectHub()
else connectGateway()
setInterval(render, 1000)
render()
