// The hub's side of a device command (DESIGN.md, wire contract: `cmd/{name}` → `cmd/{name}/result`
// with a correlation id): publishes the request to the room's gateway and waits for the result the
// ingest hands back, matched by id, room and name. Each request waits in a bounded pending map
// with its own timer; what can go wrong is a CommandRelayError with a kind the HTTP layer maps to a
// status (offline 503, unavailable 503, busy 429, timeout 504, closed 503):
//   - the gateway is offline (its retained status, Last Will included) → at once, nothing is sent
//   - the gateway goes offline while a request waits → at once, not after the timeout
//   - no result in time → timeout; a result that comes later is dropped (and counted)
//   - the order's beforePublish (the audit of the attempt) fails → unrecorded, nothing is sent
// In a clustered hub every instance sees every result; only the instance that sent the request has
// it pending, so the others drop it as not theirs.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { Counter, type Registry } from 'prom-client'
import type { CommandRequest, CommandResult } from '../../protocol/messages.js'
import { topics } from '../../protocol/topics.js'
import { encodeMessage } from '../../protocol/validate.js'
import type { HubBroker } from '../broker/broker.js'
import type { FleetState } from '../fleet-state.js'
import type { Ingest } from '../ingest.js'

export type CommandFailure = 'offline' | 'unavailable' | 'busy' | 'timeout' | 'closed' | 'unrecorded'

export class CommandRelayError extends Error {
  override readonly name = 'CommandRelayError'
  constructor (readonly kind: CommandFailure, message: string, readonly id?: string, options?: ErrorOptions) {
    super(message, options)
  }
}

export interface CommandRelayOptions {
  broker: Pick<HubBroker, 'publish' | 'connected'>
  ingest: Pick<Ingest, 'on'>
  fleet: Pick<FleetState, 'get' | 'has'>
  /** pino, or fastify's logger (the same shape). */
  log: Pick<FastifyBaseLogger, 'debug' | 'warn'>
  clock?: () => number
  /**
   * How long to wait for a result when the request names no timeout. Longer than the gateway's own
   * device command timeout (30 s), so that a slow device is answered by the gateway's better reason.
   */
  defaultTimeoutMs?: number
  /** Requests waiting at once, over every room (default 500) and per room (default 20). */
  maxPending?: number
  maxPendingPerRoom?: number
  /** Where to count outcomes (helserom_hub_commands_total); the hub's registry. */
  registry?: Registry
}

export interface CommandOrder {
  /** The device (slug); none for a gateway-level command such as check.run. */
  device?: string
  args?: Record<string, unknown>
  /** Who asked, for the gateway's log and audit trail (a hub user name). */
  by: string
  timeoutMs?: number
  /**
   * Awaited with the request's id after every check and before the request is published (the
   * hub audits the attempt here); when it throws, nothing is sent and send() fails `unrecorded`.
   */
  beforePublish?: (id: string) => Promise<void> | void
}

interface Pending {
  id: string
  room: string
  name: string
  timer: NodeJS.Timeout
  resolve: (result: CommandResult) => void
  reject: (err: CommandRelayError) => void
}

export const MAX_COMMAND_TIMEOUT_MS = 120_000

export class CommandRelay {
  private readonly pending = new Map<string, Pending>()
  private readonly clock: () => number
  private readonly defaultTimeoutMs: number
  private readonly maxPending: number
  private readonly maxPendingPerRoom: number
  private readonly offs: Array<() => void>
  private readonly outcomes: Counter<'outcome'> | undefined
  private closed = false

  constructor (private readonly options: CommandRelayOptions) {
    const { ingest } = options
    this.clock = options.clock ?? Date.now
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 35_000
    this.maxPending = options.maxPending ?? 500
    this.maxPendingPerRoom = options.maxPendingPerRoom ?? 20
    for (const [what, n, max] of [['defaultTimeoutMs', this.defaultTimeoutMs, MAX_COMMAND_TIMEOUT_MS], ['maxPending', this.maxPending, 1e6], ['maxPendingPerRoom', this.maxPendingPerRoom, 1e6]] as const) {
      if (!Number.isInteger(n) || n < 1 || n > max) throw new TypeError(`${what} must be a whole number from 1 to ${max}, got ${String(n)}`)
    }
    this.outcomes = options.registry !== undefined
      ? new Counter({ name: 'helserom_hub_commands_total', help: 'device commands sent by the hub, by outcome (ok, failed, offline, unavailable, busy, timeout, closed; late: a result nobody here waits for — too late, or for another instance of a clustered hub)', labelNames: ['outcome'] as const, registers: [options.registry] })
      : undefined
    this.offs = [
      ingest.on('commandResult', ({ room, name, result }) => this.onResult(room, name, result)),
      ingest.on('room', ({ room, part, state }) => { if (part === 'status' && !state.online) this.failRoom(room) })
    ]
  }

  /** Requests waiting for their result now. */
  get waiting (): number {
    return this.pending.size
  }

  /** Sends `name` to the room's gateway and resolves with its result (ok or not); rejects with a CommandRelayError. */
  async send (room: string, name: string, order: CommandOrder): Promise<CommandResult> {
    try {
      const result = await this.sendOnce(room, name, order)
      this.outcomes?.inc({ outcome: result.ok ? 'ok' : 'failed' })
      return result
    } catch (err) {
      this.outcomes?.inc({ outcome: err instanceof CommandRelayError ? err.kind : 'unavailable' })
      throw err
    }
  }

  private async sendOnce (room: string, name: string, order: CommandOrder): Promise<CommandResult> {
    if (this.closed) throw new CommandRelayError('closed', 'the hub is stopping')
    const state = this.options.fleet.get(room)
    if (state === undefined) throw new TypeError(`room "${room}" is not configured at this hub`)
    const timeoutMs = order.timeoutMs ?? this.defaultTimeoutMs
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_COMMAND_TIMEOUT_MS) {
      throw new TypeError(`timeoutMs must be a whole number from 1 to ${MAX_COMMAND_TIMEOUT_MS}, got ${String(timeoutMs)}`)
    }
    if (!this.options.broker.connected) throw new CommandRelayError('unavailable', 'the hub\'s MQTT broker is not running; try again shortly')
    if (!state.online) {
      throw new CommandRelayError('offline', `the gateway of ${state.name} (${room}) is offline${state.lastSeen !== null ? ` (last heard ${new Date(state.lastSeen).toISOString()})` : ' (never seen since the hub started)'}`)
    }
    if (this.pending.size >= this.maxPending) throw new CommandRelayError('busy', `${this.pending.size} commands are already waiting for answers; try again shortly`)
    let inRoom = 0
    for (const p of this.pending.values()) if (p.room === room) inRoom++
    if (inRoom >= this.maxPendingPerRoom) throw new CommandRelayError('busy', `${inRoom} commands to ${room} are already waiting for answers; try again shortly`)

    const id = randomUUID()
    const request: CommandRequest = {
      id,
      ...(order.device !== undefined ? { device: order.device } : {}),
      ...(order.args !== undefined ? { args: order.args } : {}),
      by: order.by,
      ts: this.clock()
    }
    const payload = encodeMessage('command', request) // throws on a request that breaks the contract
    const answered = new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new CommandRelayError('timeout', `the gateway of ${room} did not answer ${name} within ${formatMs(timeoutMs)}`, id))
      }, timeoutMs)
      timer.unref()
      // Pending before the publish: a fast gateway may answer before publish() resolves. Pending
      // before beforePublish too, so that requests waiting for it count against the bounds.
      this.pending.set(id, { id, room, name, timer, resolve, reject })
    })
    if (order.beforePublish !== undefined) {
      try {
        await order.beforePublish(id)
      } catch (err) {
        this.settle(id)?.reject(new CommandRelayError('unrecorded', `${name} was not sent to ${room}`, undefined, { cause: err }))
      }
      // failed above, timed out or failed (offline, closed) while waiting: nothing to send
      if (!this.pending.has(id)) return await answered
    }
    // Not awaited on its own: a publish that hangs (a clustered broker waiting for Redis) must not
    // hold the request past its timeout; a publish that fails fails the request.
    this.options.broker.publish(topics.command(room, name), payload, { qos: 1, retain: false }).then(
      () => this.options.log.debug({ room, command: name, device: order.device, id, by: order.by }, 'command sent'),
      (err: Error) => this.settle(id)?.reject(new CommandRelayError('unavailable', `could not send ${name} to ${room}: ${err.message}`, id))
    )
    return await answered
  }

  private onResult (room: string, name: string, result: CommandResult): void {
    const p = this.pending.get(result.id)
    if (p === undefined) {
      // Late (after its timeout), or sent by another hub instance of a cluster.
      this.outcomes?.inc({ outcome: 'late' })
      this.options.log.debug({ room, command: name, id: result.id }, 'a command result nobody here waits for')
      return
    }
    if (p.room !== room || p.name !== name) {
      this.options.log.warn({ room, command: name, id: result.id, expected: { room: p.room, command: p.name } }, 'ignored a command result for another room or command')
      return
    }
    this.settle(result.id)?.resolve(result)
  }

  private failRoom (room: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.room !== room) continue
      this.settle(p.id)?.reject(new CommandRelayError('offline', `the gateway of ${room} went offline before it answered ${p.name}`, p.id))
    }
  }

  private settle (id: string): Pending | undefined {
    const p = this.pending.get(id)
    if (p === undefined) return undefined
    clearTimeout(p.timer)
    this.pending.delete(id)
    return p
  }

  /** Fails every waiting request (closed) and stops listening. Idempotent. */
  close (): void {
    if (this.closed) return
    this.closed = true
    for (const off of this.offs) off()
    for (const p of [...this.pending.values()]) this.settle(p.id)?.reject(new CommandRelayError('closed', 'the hub is stopping', p.id))
    if (this.outcomes !== undefined) this.options.registry?.removeSingleMetric('helserom_hub_commands_total')
  }
}

function formatMs (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
