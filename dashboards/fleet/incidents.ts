// Open incidents with acknowledge (GET /api/incidents, POST /api/incidents/:id/ack). Polled, and
// fetched again at once when the hub pushes anything about incidents on /ws. The incident shape is
// the hub's (cloud/incidents/incident.ts); a hub without the route gets a plain notice, not an error.
import { h, type VNode } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, apiJson, apiPost, isMissingRoute } from '../shared/auth.js'
import { ago, until } from '../shared/format.js'
import { tr } from '../shared/i18n.js'
import type { Incident } from '../shared/types.js'
import { useLang } from '../shared/ui.js'
import { levelLook } from '../shared/words.js'

const POLL_MS = 15_000

/** critical → red, warning → amber, info → grey: the level colours and icons IT knows from the rooms. */
export function incidentLevel (i: Incident): 'red' | 'amber' | 'info' {
  return i.severity === 'critical' ? 'red' : i.severity === 'warning' ? 'amber' : 'info'
}

export function isAcked (i: Incident): boolean {
  return i.state === 'acknowledged'
}

const SEVERITY_RANK = { red: 3, amber: 2, info: 1 }

type Load = { kind: 'loading' } | { kind: 'missing' } | { kind: 'error', message: string } | { kind: 'ok', incidents: Incident[] }

export function IncidentsPanel (props: { now: number, roomName: (room: string) => string, open: (room: string) => void, onPush: (fn: () => void) => () => void }): VNode<any> {
  const l = useLang()
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  const [acking, setAcking] = useState<Set<string>>(new Set())
  const [ackError, setAckError] = useState<string | null>(null)

  const refresh = (): void => {
    apiJson<{ incidents: Incident[] }>('/api/incidents?state=active&limit=500').then((body) => {
      setLoad({ kind: 'ok', incidents: body.incidents.filter((i) => i.state !== 'resolved') })
    }, (err: unknown) => {
      setLoad(isMissingRoute(err) ? { kind: 'missing' } : { kind: 'error', message: (err as Error).message })
    })
  }

  useEffect(() => {
    refresh()
    const timer = setInterval(refresh, POLL_MS)
    const off = props.onPush(refresh)
    return () => { clearInterval(timer); off() }
  }, [])

  const ack = (id: string): void => {
    setAcking((s) => new Set(s).add(id))
    setAckError(null)
    apiPost(`/api/incidents/${encodeURIComponent(id)}/ack`, {}).then(refresh, (err: unknown) => {
      setAckError(err instanceof ApiError ? `${err.status}: ${err.message}` : (err as Error).message)
    }).finally(() => setAcking((s) => { const n = new Set(s); n.delete(id); return n }))
  }

  const incidents = load.kind === 'ok'
    ? [...load.incidents].sort((a, b) => Number(isAcked(a)) - Number(isAcked(b)) || SEVERITY_RANK[incidentLevel(b)] - SEVERITY_RANK[incidentLevel(a)] || b.openedAt - a.openedAt)
    : []
  const unacked = incidents.filter((i) => !isAcked(i)).length

  return h('aside', { class: 'incidents card', 'aria-labelledby': 'incidents-title' },
    h('div', { class: 'card__head' },
      h('h2', { id: 'incidents-title' }, tr({ nb: 'Hendelser', en: 'Incidents' }, l)),
      load.kind === 'ok' ? h('span', { class: `count${unacked > 0 ? ' count--alert' : ''}`, 'aria-label': tr({ nb: `${unacked} ikke kvittert`, en: `${unacked} not acknowledged` }, l) }, String(unacked)) : null),
    ackError !== null ? h('p', { class: 'notice notice--error', role: 'alert' }, tr({ nb: `Kunne ikke kvittere (${ackError})`, en: `Could not acknowledge (${ackError})` }, l)) : null,
    load.kind === 'loading' ? h('p', { class: 'card__body muted' }, tr({ nb: 'Henter …', en: 'Loading …' }, l)) : null,
    load.kind === 'missing' ? h('p', { class: 'card__body muted' }, tr({ nb: 'Hendelser er ikke tilgjengelig på denne huben ennå.', en: 'Incidents are not available on this hub yet.' }, l)) : null,
    load.kind === 'error' ? h('p', { class: 'notice notice--error' }, tr({ nb: `Kunne ikke hente hendelser: ${load.message}`, en: `Could not load incidents: ${load.message}` }, l)) : null,
    load.kind === 'ok' && incidents.length === 0 ? h('p', { class: 'card__body muted' }, h('span', { 'aria-hidden': 'true' }, '✓ '), tr({ nb: 'Ingen åpne hendelser', en: 'No open incidents' }, l)) : null,
    incidents.length > 0
      ? h('ul', { class: 'incident-list' }, incidents.map((i) => {
        const level = incidentLevel(i)
        const icon = level === 'info' ? 'i' : levelLook(level).icon
        const acked = isAcked(i)
        const soon = i.consultation !== null && i.consultation.start > props.now ? i.consultation : null
        return h('li', { key: i.id, class: `incident incident--${level}${acked ? ' incident--acked' : ''}`, 'data-incident': i.id },
          h('span', { class: `incident__icon level--${level === 'info' ? 'none' : level}`, 'aria-hidden': 'true' }, icon),
          h('div', { class: 'incident__body' },
            h('a', { href: `/rooms/${encodeURIComponent(i.room)}`, class: 'incident__room', onClick: (e: MouseEvent) => { e.preventDefault(); props.open(i.room) } }, i.roomName !== '' ? i.roomName : props.roomName(i.room)),
            h('span', { class: 'sr-only' }, `${i.severity}: `),
            h('p', { class: 'incident__text' }, h('strong', null, tr(i.title, l))),
            h('p', { class: 'incident__detail' }, tr(i.detail, l)),
            h('small', { class: 'muted' },
              ago(i.openedAt, l, props.now),
              soon !== null ? ` · ${tr({ nb: 'konsultasjon', en: 'consultation' }, l)} ${until(soon.start, l, props.now)}` : '',
              acked ? ` · ${tr({ nb: 'kvittert', en: 'acknowledged' }, l)}${i.acknowledgedBy !== null ? ` ${tr({ nb: 'av', en: 'by' }, l)} ${i.acknowledgedBy}` : ''}` : '')),
          acked
            ? null
            : h('button', { type: 'button', class: 'button incident__ack', disabled: acking.has(i.id), onClick: () => ack(i.id) }, tr({ nb: 'Kvitter', en: 'Acknowledge' }, l)))
      }))
      : null)
}
