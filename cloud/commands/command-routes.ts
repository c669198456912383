// Device commands over HTTP (DESIGN.md, "HTTP surfaces"):
//   POST /api/rooms/:room/devices/:device/commands/:name   a device's command (ptz.gotoPreset, snapshot …)
//   POST /api/rooms/:room/commands/:name                   a gateway-level command (check.run)
// body: { args?: {…}, timeoutMs? }. Only `it` and `specialist` (in a room they have) may command.
// The request goes to the gateway as `cmd/{name}` with a correlation id (CommandRelay); the answer is
//   200  { id, room, device?, command, ok: true, result?, ts }
//   4xx/502 with the gateway's own reason (nb/en) when it answered ok: false (statusOfFailure)
//   503  at once when the gateway is offline, or when the attempt cannot be audited (nothing is sent);
//        504 when it does not answer in time; 429 when too many wait
// Every attempt — refused, failed or done — is audited: who, what, which args, and how it went. A
// command that goes to a gateway is written to the audit log (result `sent`) before it is published,
// so that no device moves unrecorded; its outcome is a second entry with the same correlation id.
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type {} from '@fastify/swagger' // the summary, tags and security of route schemas
import { Type, type Static } from '@sinclair/typebox'
import type { Registry } from 'prom-client'
import { Reason, type CommandResult } from '../../protocol/messages.js'
import { COMMAND_NAME_PATTERN, SLUG_PATTERN } from '../../protocol/topics.js'
import type { AuditInput } from '../audit/audit-log.js'
import { canSeeRoom, type HubUser } from '../auth/users.js'
import type { HubBroker } from '../broker/broker.js'
import type { FleetState } from '../fleet-state.js'
import type { Ingest } from '../ingest.js'
import { ErrorResponse } from '../http/errors.js'
import { CommandRelay, CommandRelayError, MAX_COMMAND_TIMEOUT_MS, type CommandFailure } from './command-relay.js'

export interface CommandRoutesOptions {
  fleet: FleetState
  broker: Pick<HubBroker, 'publish' | 'connected'>
  ingest: Pick<Ingest, 'on'>
  /**
   * Called for every command attempt; awaited. Before a command is sent it must succeed (else 503,
   * nothing sent); for the outcome, a failure is logged (the attempt is already on record).
   */
  audit: (entry: AuditInput) => void | Promise<void>
  log?: FastifyBaseLogger
  /** Default wait for a gateway's answer (35 s: longer than the gateway's own 30 s device timeout). */
  defaultTimeoutMs?: number
  maxPending?: number
  maxPendingPerRoom?: number
  /** The hub's Prometheus registry, for helserom_hub_commands_total. */
  registry?: Registry
}

const Params = {
  room: Type.String({ pattern: SLUG_PATTERN, description: 'the room slug, e.g. rodoy-1' }),
  device: Type.String({ pattern: SLUG_PATTERN, description: 'the device id in the room config, e.g. cam-1' }),
  name: Type.String({ pattern: COMMAND_NAME_PATTERN, maxLength: 64, description: 'the command, e.g. ptz.gotoPreset, ptz.move, ptz.stop, ptz.home, snapshot, selfTest, check.run' })
}
const DeviceParams = Type.Object({ room: Params.room, device: Params.device, name: Params.name })
const RoomParams = Type.Object({ room: Params.room, name: Params.name })
type DeviceParams = Static<typeof DeviceParams>
type RoomParams = Static<typeof RoomParams>

export const CommandBody = Type.Object({
  args: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { description: 'the command\'s arguments, e.g. {"preset":"patient"} for ptz.gotoPreset' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: MAX_COMMAND_TIMEOUT_MS, description: 'how long to wait for the gateway\'s answer (default 35000)' }))
}, { additionalProperties: false, description: 'a command request' })
export type CommandBody = Static<typeof CommandBody>

export const CommandResponse = Type.Object({
  id: Type.String({ description: 'the correlation id of the request' }),
  room: Type.String(),
  device: Type.Optional(Type.String()),
  command: Type.String(),
  ok: Type.Literal(true),
  result: Type.Optional(Type.Unknown({ description: 'what the command returned (e.g. the preset reached, a self-test report)' })),
  ts: Type.Integer({ description: 'when the gateway answered (its clock), ms since epoch' })
}, { description: 'the gateway carried the command out' })

export const CommandErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'the gateway\'s reason code (e.g. command.invalid-args), or gateway_offline, gateway_timeout, busy, unavailable' }),
    message: Type.String({ description: 'what went wrong, in English' }),
    reason: Type.Optional(Reason)
  }),
  id: Type.Optional(Type.String({ description: 'the correlation id, when the request was sent' }))
}, { description: 'the command was refused, failed, or got no answer' })

/** The HTTP status of a gateway's ok: false, by its reason code (the gateway's local API maps them alike). */
export function statusOfFailure (code: string): 400 | 404 | 409 | 502 | 504 {
  switch (code) {
    case 'command.invalid-args': return 400
    case 'command.unknown':
    case 'command.unknown-device': return 404
    case 'command.device-unavailable': return 409
    case 'command.timeout': return 504
    default: return 502
  }
}

const statusOfRelayFailure: Record<CommandFailure, { status: 429 | 503 | 504, code: string }> = {
  offline: { status: 503, code: 'gateway_offline' },
  unavailable: { status: 503, code: 'unavailable' },
  closed: { status: 503, code: 'unavailable' },
  unrecorded: { status: 503, code: 'audit_unavailable' },
  busy: { status: 429, code: 'busy' },
  timeout: { status: 504, code: 'gateway_timeout' }
}

const security = [{ bearer: [] }]

/** A command without arguments may be posted without a body. */
async function noBodyIsEmpty (request: FastifyRequest): Promise<void> {
  request.body ??= {}
}
const responses = {
  200: CommandResponse,
  400: CommandErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: CommandErrorResponse,
  409: CommandErrorResponse,
  429: CommandErrorResponse,
  502: CommandErrorResponse,
  503: CommandErrorResponse,
  504: CommandErrorResponse
}

export const commandRoutes: FastifyPluginAsync<CommandRoutesOptions> = async (app, opts) => {
  if (opts.fleet === undefined || opts.broker === undefined || opts.ingest === undefined) throw new TypeError('commandRoutes needs fleet, broker and ingest')
  if (typeof opts.audit !== 'function') throw new TypeError('commandRoutes needs audit: every command is audited (DESIGN.md)')
  const { fleet, audit } = opts
  const log = opts.log ?? app.log
  const relay = new CommandRelay({
    broker: opts.broker,
    ingest: opts.ingest,
    fleet,
    log,
    ...(opts.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: opts.defaultTimeoutMs } : {}),
    ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}),
    ...(opts.maxPendingPerRoom !== undefined ? { maxPendingPerRoom: opts.maxPendingPerRoom } : {}),
    ...(opts.registry !== undefined ? { registry: opts.registry } : {})
  })
  app.addHook('onClose', async () => relay.close())

  const record = async (entry: AuditInput): Promise<void> => {
    try {
      await audit(entry)
    } catch (err) {
      log.error({ err, entry: { ...entry, detail: undefined } }, 'could not write a command to the audit log')
    }
  }

  const fail = async (reply: FastifyReply, status: number, code: string, message: string, extra: { reason?: Static<typeof Reason>, id?: string } = {}): Promise<FastifyReply> =>
    await reply.code(status).send({ error: { code, message, ...(extra.reason !== undefined ? { reason: extra.reason } : {}) }, ...(extra.id !== undefined ? { id: extra.id } : {}) })

  const run = async (user: HubUser, reply: FastifyReply, room: string, name: string, device: string | undefined, body: CommandBody | undefined): Promise<FastifyReply> => {
    const args = body?.args
    // Action names are dotted lowercase (cloud/audit); which command it was is in the detail.
    const base = { actor: user.name, role: user.role, action: device !== undefined ? 'device.command' : 'gateway.command', room, ...(device !== undefined ? { device } : {}) }
    const detail: Record<string, unknown> = { command: name, ...(args !== undefined ? { args } : {}) }
    const state = fleet.get(room)
    if (state === undefined) return await fail(reply, 404, 'not_found', `room "${room}" is not configured at this hub`)
    if (!canSeeRoom(user, room)) {
      await record({ ...base, detail: { ...detail, reason: 'not one of the user\'s rooms' }, result: 'denied' })
      return await reply.code(403).send({ error: { code: 'forbidden', message: `${user.name} may not command devices in room "${room}"` } })
    }
    if (device !== undefined && state.devices[device] === undefined) {
      await record({ ...base, detail: { ...detail, reason: 'the hub has not heard of the device' }, result: 'unknown-device' })
      return await fail(reply, 404, 'not_found', `the hub has not heard of device "${device}" in ${room} (known: ${Object.keys(state.devices).join(', ') || 'none'})`)
    }
    let result: CommandResult
    try {
      result = await relay.send(room, name, {
        ...(device !== undefined ? { device } : {}),
        ...(args !== undefined ? { args } : {}),
        by: `hub:${user.name}`,
        ...(body?.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : {}),
        // on record before the gateway hears of it; a throw here means nothing is sent
        beforePublish: async (id) => await audit({ ...base, detail: { ...detail, id }, result: 'sent' })
      })
    } catch (err) {
      if (!(err instanceof CommandRelayError)) throw err
      const { status, code } = statusOfRelayFailure[err.kind]
      if (err.kind === 'unrecorded') {
        log.error({ err: err.cause, room, command: name, user: user.name }, 'a command was not sent: its audit entry could not be written')
        return await fail(reply, status, code, `${err.message}: the audit log cannot be written, so no command is sent; try again or call IT`)
      }
      await record({ ...base, detail: { ...detail, ...(err.id !== undefined ? { id: err.id } : {}), reason: err.message }, result: err.kind })
      return await fail(reply, status, code, err.message, err.id !== undefined ? { id: err.id } : {})
    }
    if (!result.ok) {
      const reason = result.error ?? { code: 'command.failed', message: { nb: 'Kommandoen feilet', en: 'The command failed' } }
      await record({ ...base, detail: { ...detail, id: result.id, reason: reason.message.en }, result: `failed: ${reason.code}`.slice(0, 200) })
      return await fail(reply, statusOfFailure(reason.code), reason.code, reason.message.en, { reason, id: result.id })
    }
    await record({ ...base, detail: { ...detail, id: result.id }, result: 'ok' })
    return await reply.code(200).send({
      id: result.id,
      room,
      ...(device !== undefined ? { device } : {}),
      command: name,
      ok: true,
      ...(result.result !== undefined ? { result: result.result } : {}),
      ts: result.ts
    })
  }

  app.post<{ Params: DeviceParams, Body: CommandBody | undefined }>('/api/rooms/:room/devices/:device/commands/:name', {
    config: { roles: ['it', 'specialist'] },
    preValidation: noBodyIsEmpty,
    schema: {
      summary: 'Send a command to a device in a room (through its gateway) and wait for the answer',
      description: 'Commands: onvif-camera ptz.gotoPreset {preset}, ptz.move {pan, tilt, zoom, timeoutMs?}, ptz.stop, ptz.home, snapshot {includeImage?}, selfTest; hololens selfTest. ' +
        'it, or a specialist in one of their rooms. Audited.',
      tags: ['commands'],
      security,
      params: DeviceParams,
      body: CommandBody,
      response: responses
    }
  }, async (request, reply) => {
    const { room, device, name } = request.params
    return await run(request.user as HubUser, reply, room, name, device, request.body)
  })

  app.post<{ Params: RoomParams, Body: CommandBody | undefined }>('/api/rooms/:room/commands/:name', {
    config: { roles: ['it', 'specialist'] },
    preValidation: noBodyIsEmpty,
    schema: {
      summary: 'Send a gateway-level command to a room (e.g. check.run) and wait for the answer',
      description: 'check.run {session?, profile?} runs the pre-session check now. it, or a specialist in one of their rooms. Audited.',
      tags: ['commands'],
      security,
      params: RoomParams,
      body: CommandBody,
      response: responses
    }
  }, async (request, reply) => {
    const { room, name } = request.params
    return await run(request.user as HubUser, reply, room, name, undefined, request.body)
  })
}
