// Small preact pieces the fleet page and the console share: the token form, the language toggle,
// the live/stale badge, level and state chips, and an SVG sparkline. Written with `h` rather than
// JSX so the repo's one tsconfig checks them without JSX settings.
import { h, type ComponentChildren, type VNode } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { lang, onLangChange, otherLang, setLang, tr, type Lang, type Localized } from './i18n.js'
import { clock } from './format.js'
import type { LiveStatus } from './hub-live.js'
import { levelLook, stateLook } from './words.js'

/** Re-renders when the language changes; returns the current one. */
export function useLang (): Lang {
  const [current, set] = useState(lang())
  useEffect(() => onLangChange(set), [])
  return current
}

/** The time, ticking every `ms` (pages show ages and countdowns from it). */
export function useNow (ms = 1000): number {
  const [now, set] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => set(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}

export function LangToggle (): VNode<any> {
  const current = useLang()
  const next = otherLang(current)
  return h('button', {
    type: 'button',
    class: 'lang-toggle',
    lang: next,
    'aria-label': next === 'en' ? 'Switch to English' : 'Bytt til norsk',
    onClick: () => setLang(next)
  }, next === 'en' ? 'English' : 'Norsk')
}

export type TokenProblem = 'missing' | 'unauthorized' | 'forbidden'

/** Asks for a token; says plainly why when one was refused (401) or lacks the right role (403). */
export function TokenForm (props: { problem: TokenProblem, detail?: string, need: Localized, onToken: (token: string) => void }): VNode<any> {
  const l = useLang()
  const [value, setValue] = useState('')
  const title: Localized = props.problem === 'forbidden'
    ? { nb: 'Ingen tilgang (403)', en: 'No access (403)' }
    : props.problem === 'unauthorized'
      ? { nb: 'Tokenet ble ikke godtatt (401)', en: 'The token was not accepted (401)' }
      : { nb: 'Logg inn med token', en: 'Sign in with a token' }
  const explain: Localized = props.problem === 'forbidden'
    ? { nb: 'Tokenet ditt gir ikke tilgang til denne siden. Bruk et token med riktig rolle.', en: 'Your token does not give access to this page. Use a token with the right role.' }
    : props.problem === 'unauthorized'
      ? { nb: 'Sjekk at du limte inn hele tokenet, eller be om et nytt.', en: 'Check that you pasted the whole token, or ask for a new one.' }
      : { nb: 'Denne siden trenger et token fra huben. Det lagres bare i denne fanen.', en: 'This page needs a token from the hub. It is kept in this tab only.' }
  return h('main', { class: 'token-page' },
    h('form', {
      class: `token-card ${props.problem !== 'missing' ? 'token-card--problem' : ''}`,
      'aria-labelledby': 'token-title',
      onSubmit: (event: Event) => { event.preventDefault(); if (value.trim() !== '') props.onToken(value.trim()) }
    },
    h('div', { class: 'token-card__top' }, h('span', { class: 'brand' }, 'Helserom'), h(LangToggle, null)),
    h('h1', { id: 'token-title' }, props.problem !== 'missing' ? h('span', { 'aria-hidden': 'true', class: 'token-card__icon' }, '✕ ') : null, tr(title, l)),
    h('p', null, tr(explain, l)),
    h('p', { class: 'muted' }, tr({ nb: 'Krever: ', en: 'Needs: ' }, l), tr(props.need, l)),
    props.detail !== undefined && props.detail !== '' ? h('p', { class: 'token-card__detail', role: 'alert' }, props.detail) : null,
    h('label', { for: 'token-input' }, 'Token'),
    h('input', {
      id: 'token-input', name: 'token', type: 'password', autocomplete: 'off', spellcheck: false, required: true,
      value, onInput: (e: Event) => setValue((e.target as HTMLInputElement).value)
    }),
    h('button', { type: 'submit', class: 'button button--primary' }, tr({ nb: 'Fortsett', en: 'Continue' }, l))
    )
  )
}

/** Whether the page's data is live, and since when it is not. */
export function LiveBadge (props: { status: LiveStatus, now: number }): VNode<any> {
  const l = useLang()
  const { state, lastMessageAt } = props.status
  if (state === 'live') {
    return h('span', { class: 'live live--ok', role: 'status' }, h('span', { class: 'live__dot', 'aria-hidden': 'true' }), tr({ nb: 'Direkte', en: 'Live' }, l))
  }
  const since = lastMessageAt > 0 ? clock(lastMessageAt, l, undefined, props.now) : null
  const text: Localized = state === 'connecting' && since === null
    ? { nb: 'Kobler til …', en: 'Connecting …' }
    : { nb: `Ikke oppdatert siden ${since ?? '–'} — kobler til på nytt`, en: `Not updated since ${since ?? '–'} — reconnecting` }
  return h('span', { class: 'live live--stale', role: 'status' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), tr(text, l))
}

/** A banner across the page while its data is stale: the figures below may be old. */
export function StaleBanner (props: { status: LiveStatus, now: number }): VNode<any> | null {
  const l = useLang()
  if (props.status.state !== 'stale') return null
  const since = props.status.lastMessageAt > 0 ? clock(props.status.lastMessageAt, l, undefined, props.now) : '–'
  return h('div', { class: 'stale-banner', role: 'alert' },
    h('span', { 'aria-hidden': 'true' }, '⚠ '),
    tr({ nb: `Mistet kontakten med huben. Tallene under er fra kl. ${since} og kan være gamle.`, en: `Lost contact with the hub. The figures below are from ${since} and may be old.` }, l))
}

export function LevelBadge (props: { level: string | null | undefined, large?: boolean }): VNode<any> {
  const l = useLang()
  const look = levelLook(props.level)
  return h('span', { class: `level level--${props.level ?? 'none'}${props.large === true ? ' level--large' : ''}` },
    h('span', { class: 'level__icon', 'aria-hidden': 'true' }, look.icon), tr(look.word, l))
}

export function StateChip (props: { state: string, name: string, title?: string }): VNode<any> {
  const l = useLang()
  const look = stateLook(props.state)
  return h('span', { class: `chip chip--${props.state}`, title: props.title ?? `${props.name}: ${tr(look.word, l)}` },
    h('span', { class: 'chip__icon', 'aria-hidden': 'true' }, look.icon),
    h('span', { class: 'chip__name' }, props.name),
    h('span', { class: 'sr-only' }, `: ${tr(look.word, l)}`))
}

/** A line of the last values; nothing drawn for fewer than two. */
export function Sparkline (props: { values: readonly number[], width?: number, height?: number, label?: string, min?: number }): VNode<any> {
  const width = props.width ?? 96
  const height = props.height ?? 24
  const values = props.values
  let points = ''
  if (values.length >= 2) {
    const lo = Math.min(props.min ?? Infinity, ...values)
    const hi = Math.max(...values)
    const range = hi - lo || 1
    points = values.map((v, i) => `${((i / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 2 - ((v - lo) / range) * (height - 4)).toFixed(1)}`).join(' ')
  }
  return h('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: props.label !== undefined ? 'img' : undefined, 'aria-label': props.label, 'aria-hidden': props.label === undefined ? 'true' : undefined },
    points !== '' ? h('polyline', { points, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }) : null)
}

export function Muted (props: { children: ComponentChildren }): VNode<any> {
  return h('span', { class: 'muted' }, props.children)
}
