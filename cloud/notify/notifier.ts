// Sends notifications to webhooks without ever holding up the ingest: `notify()` only routes and
// queues. Each target has its own FIFO queue and sends one notification at a time (so "opened"
// arrives before "resolved"), retrying with exponential backoff and jitter on network errors,
// timeouts, 408, 429 and 5xx (honouring Retry-After up to the maximum delay); other statuses are
// final. A failing target delays only its own queue. Queues are bounded: when one is full the oldest
// reminder is dropped first, else the oldest notification — counted and reported, never silent.
import { createHmac } from 'node:crypto'
import type { Logger } from 'pino'
import { Counter, Gauge, type Registry } from 'prom-client'
import { targetName, type NotifyTarget } from './config.js'
import type { Notification } from './notification.js'
import { adaptiveCard, genericBody, messageCard } from './payloads.js'
import { routeByConfig, type RouteFn } from './route.js'

export interface DeliveryResult {
  notification: Notification
  target: string
  kind: NotifyTarget['kind']
  outcome: 'sent' | 'failed' | 'dropped'
  attempts: number
  /** The last HTTP status, when there was a response. */
  status: number | null
  error: string | null
}

export interface NotifierOptions {
  targets: readonly NotifyTarget[]
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  /** Who gets what (default: routeByConfig). */
  route?: RouteFn
  registry?: Registry
  /** Times in cards (default Europe/Oslo). */
  timezone?: string
  /** Per target (default 500). */
  queueLimit?: number
  /** First retry delay (default 2 s); doubles up to maxDelayMs (default 5 min). */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Called for every final outcome (the audit log listens here). Must not throw (it is caught). */
  onResult?: (result: DeliveryResult) => void
}

interface Job {
  notification: Notification
  attempts: number
}

interface TargetQueue {
  target: NotifyTarget
  name: string
  jobs: Job[]
  running: boolean
}

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_ATTEMPTS = 8

export class Notifier {
  private readonly queues = new Map<string, TargetQueue>()
  private readonly route: RouteFn
  private readonly abort = new AbortController()
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout, wake: () => void }>()
  private readonly workers = new Set<Promise<void>>()
  private closed = false
  private readonly queueLimit: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly timezone: string
  private readonly counter: Counter<'kind' | 'outcome'> | undefined
  private readonly queued: Gauge | undefined

  constructor (private readonly options: NotifierOptions) {
    if (!Array.isArray(options.targets)) throw new TypeError('Notifier needs targets (a list, may be empty)')
    this.route = options.route ?? routeByConfig
    this.queueLimit = options.queueLimit ?? 500
    this.baseDelayMs = options.baseDelayMs ?? 2000
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000
    this.timezone = options.timezone ?? 'Europe/Oslo'
    options.targets.forEach((t, i) => this.queueOf(t, targetName(t, i)))
    if (options.registry !== undefined) {
      this.counter = new Counter({
        name: 'helserom_hub_notifications_total',
        help: 'incident notifications by target kind and outcome (sent, retried, failed, dropped)',
        labelNames: ['kind', 'outcome'] as const,
        registers: [options.registry]
      })
      this.queued = new Gauge({
        name: 'helserom_hub_notifications_queued',
        help: 'incident notifications waiting to be sent, over every target',
        registers: [options.registry],
        collect: () => { this.queued?.set(this.pending) }
      })
    }
  }

  /** Routes and queues a notification; returns the names of the targets it was queued for. Never throws, never waits. */
  notify (notification: Notification): string[] {
    if (this.closed) return []
    let targets: readonly NotifyTarget[]
    try {
      targets = this.route(notification, this.options.targets)
    } catch (err) {
      this.options.log.error({ err, incident: notification.incident.id }, 'the notification route function threw; nothing was sent')
      return []
    }
    const names: string[] = []
    for (const target of targets) {
      const index = this.options.targets.indexOf(target)
      const q = this.queueOf(target, index >= 0 ? targetName(target, index) : target.name ?? `${target.kind}-${target.url}`)
      if (q.jobs.length >= this.queueLimit) this.dropOne(q)
      q.jobs.push({ notification, attempts: 0 })
      names.push(q.name)
      this.run(q)
    }
    return names
  }

  /** Notifications waiting or being sent. */
  get pending (): number {
    let n = 0
    for (const q of this.queues.values()) n += q.jobs.length
    return n
  }

  /** Resolves when every queue is empty (or the notifier is closed). */
  async idle (): Promise<void> {
    while (this.workers.size > 0) await Promise.allSettled([...this.workers])
  }

  /** Stops sending: requests in flight are aborted, what is queued is dropped (and reported). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.abort.abort()
    for (const s of this.sleeping) { clearTimeout(s.timer); s.wake() }
    await this.idle()
    for (const q of this.queues.values()) {
      for (const job of q.jobs.splice(0)) this.finish(q, job, 'dropped', null, 'the hub stopped')
    }
  }

  private queueOf (target: NotifyTarget, name: string): TargetQueue {
    const key = `${target.kind} ${target.url} ${name}`
    let q = this.queues.get(key)
    if (q === undefined) {
      q = { target, name, jobs: [], running: false }
      this.queues.set(key, q)
    }
    return q
  }

  private dropOne (q: TargetQueue): void {
    // the head may be in flight; never drop it
    let i = q.jobs.findIndex((j, n) => n > 0 && j.notification.event === 'reminder')
    if (i === -1) i = q.jobs.length > 1 ? 1 : 0
    const [job] = q.jobs.splice(i, 1)
    if (job !== undefined) this.finish(q, job, 'dropped', null, `the queue of ${q.name} is full (${this.queueLimit})`)
  }

  private run (q: TargetQueue): void {
    if (q.running || this.closed) return
    q.running = true
    const worker = this.work(q).finally(() => {
      q.running = false
      this.workers.delete(worker)
    })
    this.workers.add(worker)
  }

  private async work (q: TargetQueue): Promise<void> {
    while (!this.closed) {
      const job = q.jobs[0]
      if (job === undefined) return
      job.attempts++
      const outcome = await this.attempt(q.target, job.notification)
      if (this.closed) return
      if (outcome.ok) {
        q.jobs.shift()
        this.finish(q, job, 'sent', outcome.status, null)
        continue
      }
      const maxAttempts = q.target.maxAttempts ?? DEFAULT_ATTEMPTS
      if (!outcome.retry || job.attempts >= maxAttempts) {
        q.jobs.shift()
        this.finish(q, job, 'failed', outcome.status, `${outcome.error} (after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'})`)
        continue
      }
      this.counter?.inc({ kind: q.target.kind, outcome: 'retried' })
      const delay = this.backoff(job.attempts, outcome.retryAfterMs)
      this.options.log.debug({ target: q.name, attempt: job.attempts, delay, error: outcome.error }, 'a notification will be retried')
      await this.sleep(delay)
    }
  }

  /** Exponential backoff with jitter (50–100 % of the step), at least Retry-After, at most maxDelayMs. */
  private backoff (attempts: number, retryAfterMs: number | null): number {
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1))
    const jittered = step / 2 + Math.random() * step / 2
    return Math.min(this.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0))
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const s = { timer: setTimeout(() => { this.sleeping.delete(s); resolve() }, ms), wake: resolve }
      s.timer.unref()
      this.sleeping.add(s)
    })
  }

  private async attempt (target: NotifyTarget, n: Notification): Promise<{ ok: boolean, retry: boolean, status: number | null, error: string, retryAfterMs: number | null }> {
    const body = JSON.stringify(target.kind === 'teams'
      ? (target.format === 'messagecard' ? messageCard(n, this.timezone) : adaptiveCard(n, this.timezone))
      : genericBody(n))
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'helserom-hub',
      'x-helserom-delivery': n.id,
      'x-helserom-event': n.event
    }
    if (target.secret !== undefined) headers['x-helserom-signature'] = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual', // a webhook that redirects is misconfigured; do not post patient-adjacent text elsewhere
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(target.timeoutMs ?? DEFAULT_TIMEOUT_MS)])
      })
      await res.body?.cancel().catch(() => {})
      if (res.status >= 200 && res.status < 300) return { ok: true, retry: false, status: res.status, error: '', retryAfterMs: null }
      const retry = res.status === 408 || res.status === 429 || res.status >= 500
      return { ok: false, retry, status: res.status, error: `HTTP ${res.status}`, retryAfterMs: retryAfter(res.headers.get('retry-after')) }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string, message?: string } }
      const why = e.name === 'TimeoutError' ? 'timed out' : e.cause?.code ?? e.cause?.message ?? e.message
      return { ok: false, retry: true, status: null, error: why, retryAfterMs: null }
    }
  }

  private finish (q: TargetQueue, job: Job, outcome: DeliveryResult['outcome'], status: number | null, error: string | null): void {
    this.counter?.inc({ kind: q.target.kind, outcome })
    const incident = job.notification.incident.id
    if (outcome === 'sent') this.options.log.debug({ target: q.name, incident, event: job.notification.event }, 'notification sent')
    else this.options.log.warn({ target: q.name, incident, event: job.notification.event, attempts: job.attempts, status, error }, `notification ${outcome}`)
    try {
      this.options.onResult?.({ notification: job.notification, target: q.name, kind: q.target.kind, outcome, attempts: job.attempts, status, error })
    } catch (err) {
      this.options.log.error({ err }, 'a notification result listener threw')
    }
  }
}

/** Retry-After in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfter (value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}
