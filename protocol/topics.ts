// Topic builders and the one topic parser of the wire contract (DESIGN.md, "Wire contract").
// Every topic lives under `helserom/v1/{room}`; rooms and devices are slugs so that they can never
// smuggle a `/`, `+` or `#` into a topic.

export const TOPIC_ROOT = 'helserom/v1'
export const SLUG_PATTERN = '^[a-z0-9-]{1,64}$'
const slugRe = new RegExp(SLUG_PATTERN)
/** Command names look like `ptz.gotoPreset` or `check.run`. */
export const COMMAND_NAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9]*(\\.[a-zA-Z][a-zA-Z0-9]*)*$'
const commandNameRe = new RegExp(COMMAND_NAME_PATTERN)

export function isSlug (value: string): boolean {
  return slugRe.test(value)
}

export function isCommandName (value: string): boolean {
  return value.length <= 64 && commandNameRe.test(value)
}

function slug (value: string, what: string): string {
  if (!isSlug(value)) throw new TypeError(`${what} "${value}" is not a slug ([a-z0-9-], 1–64 characters)`)
  return value
}

function commandName (value: string): string {
  if (!isCommandName(value)) throw new TypeError(`command name "${value}" is not valid (e.g. ptz.gotoPreset)`)
  return value
}

const room = (r: string): string => `${TOPIC_ROOT}/${slug(r, 'room')}`

export const topics = {
  /** Everything of every room: what the hub and dashboards subscribe to. */
  all: `${TOPIC_ROOT}/#`,
  /** Everything of one room. */
  room: (r: string) => `${room(r)}/#`,
  status: (r: string) => `${room(r)}/status`,
  readiness: (r: string) => `${room(r)}/readiness`,
  network: (r: string) => `${room(r)}/network`,
  check: (r: string) => `${room(r)}/check`,
  schedule: (r: string) => `${room(r)}/schedule`,
  /** Published by the hub (retained): who to call, the hub's reasons, the specialist's presence. */
  support: (r: string) => `${room(r)}/support`,
  health: (r: string, device: string) => `${room(r)}/devices/${slug(device, 'device')}/health`,
  readings: (r: string, device: string) => `${room(r)}/devices/${slug(device, 'device')}/readings`,
  command: (r: string, name: string) => `${room(r)}/cmd/${commandName(name)}`,
  commandResult: (r: string, name: string) => `${room(r)}/cmd/${commandName(name)}/result`,
  /** Subscription filter for a room's incoming commands (not their results). */
  commands: (r: string) => `${room(r)}/cmd/+`
} as const

export type MessageKind =
  | 'status' | 'readiness' | 'network' | 'check' | 'schedule' | 'support'
  | 'health' | 'readings' | 'command' | 'commandResult'

export type ParsedTopic =
  | { kind: 'status' | 'readiness' | 'network' | 'check' | 'schedule' | 'support', room: string }
  | { kind: 'health' | 'readings', room: string, device: string }
  | { kind: 'command' | 'commandResult', room: string, name: string }

/** Parses a concrete topic of the contract; returns null for anything else (never throws). */
export function parseTopic (topic: string): ParsedTopic | null {
  if (!topic.startsWith(TOPIC_ROOT + '/')) return null
  const parts = topic.slice(TOPIC_ROOT.length + 1).split('/')
  const [r, a, b, c, ...rest] = parts
  if (r === undefined || !isSlug(r) || a === undefined) return null
  if (b === undefined) {
    switch (a) {
      case 'status': case 'readiness': case 'network': case 'check': case 'schedule': case 'support':
        return { kind: a, room: r }
      default: return null
    }
  }
  if (a === 'devices' && c !== undefined && rest.length === 0 && isSlug(b)) {
    if (c === 'health' || c === 'readings') return { kind: c, room: r, device: b }
    return null
  }
  if (a === 'cmd' && isCommandName(b) && rest.length === 0) {
    if (c === undefined) return { kind: 'command', room: r, name: b }
    if (c === 'result') return { kind: 'commandResult', room: r, name: b }
  }
  return null
}

/** The room a topic belongs to, or null when the topic is outside the contract's root. */
export function roomOfTopic (topic: string): string | null {
  if (!topic.startsWith(TOPIC_ROOT + '/')) return null
  const r = topic.slice(TOPIC_ROOT.length + 1).split('/', 1)[0]
  return r !== undefined && isSlug(r) ? r : null
}
