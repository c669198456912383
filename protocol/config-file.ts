// Reading a YAML config file (room or hub) the way DESIGN.md asks: `${VAR}` is replaced from the
// environment, the result is checked against a TypeBox schema, and every problem is reported as
// `FILE:LINE path: message` so that IT can fix all of them in one go. Lives in protocol/ because
// the config shape is part of the contract and both the gateway and the hub read their files this way.
import { readFileSync } from 'node:fs'
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node as YamlNode } from 'yaml'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { Value } from '@sinclair/typebox/value'
import type { Static, TSchema } from '@sinclair/typebox'

export type ConfigPath = ReadonlyArray<string | number>

export class ConfigProblem {
  constructor (
    readonly file: string,
    readonly line: number,
    readonly path: ConfigPath,
    readonly message: string
  ) {}

  toString (): string {
    return `${this.file}:${this.line} ${formatPath(this.path)}: ${this.message}`
  }
}

export class ConfigFileError extends Error {
  constructor (readonly problems: ConfigProblem[]) {
    super(problems.map(String).join('\n'))
    this.name = 'ConfigFileError'
  }
}

/** `devices[1].port`; the root is `(root)`. */
export function formatPath (path: ConfigPath): string {
  if (path.length === 0) return '(root)'
  return path.map((p, i) => typeof p === 'number' ? `[${p}]` : (i === 0 ? p : `.${p}`)).join('')
}

/**
 * Where `${VAR}` was replaced: the values it filled (converted to their schema's type when checked,
 * so `port: "${CAM_PORT}"` is a port) and those whose variable is unset (already reported, so the
 * placeholder left there is not reported again).
 */
export interface EnvSubstitutions {
  readonly filled: ReadonlyArray<ConfigPath>
  readonly unset: ReadonlySet<string>
}

const noSubstitutions: EnvSubstitutions = { filled: [], unset: new Set() }

/** Further checks a schema cannot express (cross references, per-kind device fields). */
export type ExtraCheck<T> = (value: T, report: (path: ConfigPath, message: string) => void, substitutions: EnvSubstitutions) => void

export interface LoadOptions<T> {
  env?: Record<string, string | undefined>
  extraChecks?: ExtraCheck<T>
}

export type LoadResult<T> = { ok: true, value: T } | { ok: false, problems: ConfigProblem[] }

/** Loads and checks a config file; never throws for a problem in the file itself. */
export function loadConfigFile<S extends TSchema> (file: string, schema: S, options: LoadOptions<Static<S>> = {}): LoadResult<Static<S>> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? 'file not found' : e.code === 'EACCES' ? 'permission denied' : e.message
    return { ok: false, problems: [new ConfigProblem(file, 0, [], `cannot read the config file: ${why}`)] }
  }
  return parseConfigText(file, text, schema, options)
}

/** As loadConfigFile, from text already read (the file name is only used in messages). */
export function parseConfigText<S extends TSchema> (file: string, text: string, schema: S, options: LoadOptions<Static<S>> = {}): LoadResult<Static<S>> {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const lineOf = (offset: number | undefined): number => offset === undefined ? 1 : lines.linePos(offset).line

  if (doc.errors.length > 0) return { ok: false, problems: syntaxProblems(file, doc, lines) }

  const problems: ConfigProblem[] = []
  let substitutions = noSubstitutions
  const report = (path: ConfigPath, message: string): void => {
    // A field whose variable is unset was reported as such; what its placeholder breaks is not news.
    if (substitutions.unset.has(formatPath(path))) return
    problems.push(new ConfigProblem(file, lineOfPath(doc, path, lineOf), path, message))
  }

  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {}
  const substituted = substituteEnv(raw, options.env ?? process.env, report)
  const value = substituted.value
  substitutions = substituted

  // Checking goes on after an unset variable, so that one run lists every problem in the file.
  reportSchemaProblems(schema, value, [], report, substitutions)
  // Cross-checks run even when the shape is wrong, so that one run lists every problem; a check
  // tripping over a malformed part has nothing to add that the schema did not already say.
  try {
    options.extraChecks?.(value as Static<S>, report, substitutions)
  } catch { /* the schema problems above already cover it */ }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) }
  return { ok: true, value: value as Static<S> }
}

/** Beyond this many lines with a syntax error, the rest is summed up: they follow from the first. */
const MAX_SYNTAX_LINES = 5

/**
 * One problem per line with a YAML syntax error (the parser reports one mistake several ways), and
 * the echoes of a mistake summed up in one line: after a stray character the parser finds every
 * later line "unexpected", which says nothing new.
 */
function syntaxProblems (file: string, doc: Document, lines: LineCounter): ConfigProblem[] {
  const shown: ConfigProblem[] = []
  const echoes: number[] = []
  const seenLines = new Set<number>()
  let unexpectedSeen = false
  // A document that is one plain scalar is text where `key: value` was meant: say where it starts.
  if (isScalar(doc.contents) && doc.contents.range !== null && doc.contents.range !== undefined) {
    const line = lines.linePos(doc.contents.range[0]).line
    shown.push(new ConfigProblem(file, line, [], 'YAML syntax: plain text where "key: value" lines are expected (does a comment lack its "#"?)'))
    unexpectedSeen = true
  }
  for (const e of doc.errors) {
    const { line, col } = lines.linePos(e.pos[0])
    if (seenLines.has(line)) continue
    seenLines.add(line)
    const echo = e.code === 'UNEXPECTED_TOKEN' && unexpectedSeen
    if (e.code === 'UNEXPECTED_TOKEN') unexpectedSeen = true
    if (echo || shown.length >= MAX_SYNTAX_LINES) echoes.push(line)
    else shown.push(new ConfigProblem(file, line, [], `YAML syntax: ${firstLine(e.message)} (column ${col})`))
  }
  const first = echoes[0]
  const last = echoes.at(-1)
  if (first !== undefined && last !== undefined) {
    const where = first === last ? `line ${first}` : `${echoes.length} more lines (${first}–${last})`
    shown.push(new ConfigProblem(file, first, [], `YAML syntax: errors on ${where} that most likely follow from the ones above — fix those first`))
  }
  return shown
}

/** As loadConfigFile, but throws a ConfigFileError listing every problem. */
export function readConfigFile<S extends TSchema> (file: string, schema: S, options: LoadOptions<Static<S>> = {}): Static<S> {
  const result = loadConfigFile(file, schema, options)
  if (!result.ok) throw new ConfigFileError(result.problems)
  return result.value
}

/**
 * Fills in the schema's defaults (mutating `value`), turns values that came from `${VAR}` into the
 * schema's type, and reports every schema problem under `basePath`; used for the whole file and for
 * parts checked later (a device entry by its kind). Returns whether the value was valid.
 */
export function reportSchemaProblems (schema: TSchema, value: unknown, basePath: ConfigPath, report: (path: ConfigPath, message: string) => void, substitutions: EnvSubstitutions = noSubstitutions): boolean {
  Value.Default(schema, value)
  convertSubstituted(schema, value, basePath, substitutions)
  const seen = new Set<string>()
  for (const error of TypeCompiler.Compile(schema).Errors(value)) {
    const path = [...basePath, ...pointerToPath(error.path)]
    const key = formatPath(path)
    if (seen.has(key)) continue // TypeBox reports one problem several ways; the first says it best
    seen.add(key)
    if (substitutions.unset.has(key)) continue // reported as an unset variable
    report(path, describe(error))
  }
  return seen.size === 0
}

/**
 * The environment only holds text, so `port: "${CAM_PORT}"` gives "80": such values (and only
 * those: a quoted "80" typed into the file stays a mistake) are converted to the type the schema
 * wants there, by TypeBox's own conversion of a copy.
 */
function convertSubstituted (schema: TSchema, value: unknown, basePath: ConfigPath, substitutions: EnvSubstitutions): void {
  const under = substitutions.filled.filter((p) => p.length > basePath.length && basePath.every((k, i) => p[i] === k))
  if (under.length === 0) return
  const converted: unknown = Value.Convert(schema, structuredClone(value))
  for (const path of under) {
    const relative = path.slice(basePath.length)
    const parent = at(value, relative.slice(0, -1))
    const convertedParent = at(converted, relative.slice(0, -1))
    const key = relative.at(-1)!
    if (isRecord(parent) && isRecord(convertedParent) && key in convertedParent) parent[key] = convertedParent[key]
  }
}

function isRecord (v: unknown): v is Record<string | number, unknown> {
  return typeof v === 'object' && v !== null
}

function at (value: unknown, path: ConfigPath): unknown {
  let node = value
  for (const key of path) node = isRecord(node) ? node[key] : undefined
  return node
}

const envRef = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string. An unset variable is a problem; its
 * reference becomes empty text, a placeholder that lets the rest of the file be checked.
 */
function substituteEnv (raw: unknown, env: Record<string, string | undefined>, report: (path: ConfigPath, message: string) => void): EnvSubstitutions & { value: unknown } {
  const filled: ConfigPath[] = []
  const unset = new Set<string>()
  const walk = (value: unknown, path: Array<string | number>): unknown => {
    if (typeof value === 'string') {
      let missing = false
      const out = value.replace(envRef, (_m, name: string, fallback: string | undefined) => {
        const v = env[name]
        if (v !== undefined && v !== '') return v
        if (fallback !== undefined) return fallback
        report(path, `environment variable ${name} is not set`)
        missing = true
        return ''
      })
      if (missing) unset.add(formatPath(path))
      else if (out !== value) filled.push(path)
      return out
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]))
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k])
      return out
    }
    return value
  }
  const value = walk(raw, [])
  return { value, filled, unset }
}

function pointerToPath (pointer: string): Array<string | number> {
  if (pointer === '' || pointer === '/') return []
  return pointer.slice(1).split('/').map((part) => {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
    return /^\d+$/.test(key) ? Number(key) : key
  })
}

/** The line of the deepest YAML node that exists along `path` (a missing field points at its parent). */
function lineOfPath (doc: Document, path: ConfigPath, lineOf: (offset: number | undefined) => number): number {
  let node: unknown = doc.contents
  let line = lineOf((doc.contents as YamlNode | null)?.range?.[0])
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key)
      if (pair === undefined) break
      line = lineOf((pair.key as YamlNode | null)?.range?.[0])
      node = pair.value
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key]
      if (node === undefined) break
      line = lineOf((node as YamlNode).range?.[0])
    } else {
      break
    }
  }
  return line
}

function describe (error: ValueError): string {
  const schema = error.schema as TSchema & Record<string, unknown>
  const expected = typeof schema.description === 'string' ? schema.description : undefined
  const got = describeValue(error.value)
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required'
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys((schema.properties ?? {}) as Record<string, unknown>)
      const name = error.path.split('/').pop() ?? ''
      const guess = closest(name, known)
      return `unknown field${guess !== undefined ? ` (did you mean "${guess}"?)` : known.length > 0 ? ` (expected one of: ${known.join(', ')})` : ''}`
    }
    case ValueErrorType.Number: return `expected a number, got ${got}`
    case ValueErrorType.Integer: return `expected a whole number, got ${got}`
    case ValueErrorType.String: return `expected text, got ${got}`
    case ValueErrorType.Boolean: return `expected true or false, got ${got}`
    case ValueErrorType.Object: return `expected a mapping (key: value), got ${got}`
    case ValueErrorType.Array: return `expected a list, got ${got}`
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat:
      return `expected ${expected ?? `text matching ${String(schema.pattern ?? schema.format)}`}, got ${got}`
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${String(schema.minLength)} characters`
    case ValueErrorType.StringMaxLength: return `must be at most ${String(schema.maxLength)} characters`
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${String(schema.minimum)}, got ${got}`
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${String(schema.maximum)}, got ${got}`
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be more than ${String(schema.exclusiveMinimum)}, got ${got}`
    case ValueErrorType.ArrayMinItems: return `must have at least ${String(schema.minItems)} item(s)`
    case ValueErrorType.Union:
    case ValueErrorType.Literal: {
      const options = literalOptions(schema)
      return `expected ${expected ?? (options.length > 0 ? `one of: ${options.join(', ')}` : 'a different value')}, got ${got}`
    }
    default:
      return `${expected !== undefined ? `expected ${expected}: ` : ''}${error.message.toLowerCase()}`
  }
}

function literalOptions (schema: Record<string, unknown>): string[] {
  if ('const' in schema) return [JSON.stringify(schema.const)]
  const anyOf = schema.anyOf as Array<Record<string, unknown>> | undefined
  return (anyOf ?? []).filter((s) => 'const' in s).map((s) => JSON.stringify(s.const))
}

function describeValue (v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return String(v)
}

function firstLine (s: string): string {
  return s.split('\n', 1)[0] ?? s
}

/** The known name nearest to a misspelt one (edit distance ≤ 2), for "did you mean". */
function closest (name: string, known: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase())
    if (d < bestDistance) { best = k; bestDistance = d }
  }
  return best
}

function editDistance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length] ?? 0
}
