// The one validator both sides use on receipt: topic → kind → size → JSON → schema. An invalid
// message is rejected with a reason, counted by kind and cause, and logged (rate-limited so a
// flood of garbage cannot flood the log); it never throws.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { TSchema } from '@sinclair/typebox'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { messageSchemas, type MessageOfKind } from './messages.js'
import { parseTopic, type MessageKind, type ParsedTopic } from './topics.js'

const compiled = Object.fromEntries(
  Object.entries(messageSchemas).map(([kind, schema]) => [kind, TypeCompiler.Compile(schema as TSchema)])
) as Record<MessageKind, TypeCheck<TSchema>>

/** Payloads above this are refused before parsing; a reading is a few hundred bytes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024

export type RejectCause = 'topic' | 'too-large' | 'json' | 'schema'

export type Check<K extends MessageKind> =
  | { ok: true, value: MessageOfKind[K] }
  | { ok: false, reason: string }

/** Checks a parsed value against the schema of `kind`; the reason names the first offending field. */
export function checkMessage<K extends MessageKind> (kind: K, value: unknown): Check<K> {
  const check = compiled[kind]
  if (check.Check(value)) return { ok: true, value: value as MessageOfKind[K] }
  const first = explainable(check.Errors(value).First())
  const where = first?.path !== undefined && first.path !== '' ? first.path : '(root)'
  return { ok: false, reason: `${kind} ${where}: ${first?.message ?? 'invalid'}` }
}

/**
 * For a union (e.g. status: online with version and boot, or the Will's bare offline), the error of
 * the variant the value meant — the one whose discriminating literal it matched, with the fewest
 * errors — rather than TypeBox's "Expected union value", which names no field.
 */
function explainable (error: ValueError | undefined): ValueError | undefined {
  if (error?.type !== ValueErrorType.Union || error.errors.length === 0) return error
  const variants = error.errors.map((iterator) => [...iterator])
  const meant = variants.filter((errors) => errors.length > 0 && !errors.some((e) => e.type === ValueErrorType.Literal))
  const closest = (meant.length > 0 ? meant : variants).reduce((a, b) => (b.length < a.length ? b : a))
  return explainable(closest[0]) ?? error
}

/** Serialises a message we are about to publish; throws on a message that breaks the contract (our bug). */
export function encodeMessage<K extends MessageKind> (kind: K, value: MessageOfKind[K]): Buffer {
  const result = checkMessage(kind, value)
  if (!result.ok) throw new TypeError(`refusing to publish an invalid message: ${result.reason}`)
  return Buffer.from(JSON.stringify(value))
}

/** The parsed topic of a message kind, with the fields that kind's topics carry. */
export type TopicOf<K extends MessageKind> =
  K extends 'health' | 'readings' ? { kind: K, room: string, device: string }
    : K extends 'command' | 'commandResult' ? { kind: K, room: string, name: string }
      : { kind: K, room: string }

export type Decoded = {
  [K in MessageKind]: { topic: TopicOf<K>, kind: K, message: MessageOfKind[K] }
}[MessageKind]

export interface RejectLogger {
  warn: (obj: Record<string, unknown>, msg: string) => void
}

export interface WireValidatorOptions {
  log?: RejectLogger
  maxPayloadBytes?: number
  /** At most this many reject log lines per minute; the rest are only counted. */
  logPerMinute?: number
  clock?: () => number
}

export class WireValidator {
  /** Rejections counted as `kind/cause` (kind is `unknown` when the topic itself was wrong). */
  readonly rejected = new Map<string, number>()
  private readonly maxPayloadBytes: number
  private readonly logPerMinute: number
  private readonly clock: () => number
  private windowStart = 0
  private loggedInWindow = 0

  constructor (private readonly options: WireValidatorOptions = {}) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    this.logPerMinute = options.logPerMinute ?? 60
    this.clock = options.clock ?? Date.now
  }

  get rejectedTotal (): number {
    let total = 0
    for (const n of this.rejected.values()) total += n
    return total
  }

  /** Returns the typed message, or null when rejected (then it has been counted and logged). */
  decode (topic: string, payload: Uint8Array | string): Decoded | null {
    const parsed = parseTopic(topic)
    if (parsed === null) return this.reject('unknown', 'topic', topic, 'topic is not part of the helserom/v1 contract')
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
    if (size > this.maxPayloadBytes) {
      return this.reject(parsed.kind, 'too-large', topic, `payload of ${size} bytes exceeds ${this.maxPayloadBytes}`)
    }
    let value: unknown
    try {
      value = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'))
    } catch (err) {
      return this.reject(parsed.kind, 'json', topic, `payload is not JSON: ${(err as Error).message}`)
    }
    const result = checkMessage(parsed.kind, value)
    if (!result.ok) return this.reject(parsed.kind, 'schema', topic, result.reason)
    return { topic: parsed, kind: parsed.kind, message: result.value } as Decoded
  }

  private reject (kind: string, cause: RejectCause, topic: string, reason: string): null {
    const key = `${kind}/${cause}`
    this.rejected.set(key, (this.rejected.get(key) ?? 0) + 1)
    const now = this.clock()
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now
      this.loggedInWindow = 0
    }
    if (this.options.log !== undefined && this.loggedInWindow < this.logPerMinute) {
      this.loggedInWindow++
      this.options.log.warn({ topic: topic.slice(0, 200), kind, cause, reason }, 'rejected an invalid message')
    }
    return null
  }
}
