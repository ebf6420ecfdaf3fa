import * as v from 'valibot'
import { UsageError } from '../errors.ts'
import { suggest } from '../util/suggest.ts'

/** A valibot schema as far as goprobe looks into it: object entries, wrapped and piped schemas. */
interface SchemaShape {
  readonly type?: string
  readonly entries?: Record<string, unknown>
  readonly wrapped?: unknown
  readonly pipe?: readonly unknown[]
  readonly default?: unknown
}

const shape = (schema: unknown): SchemaShape | undefined => (typeof schema === 'object' && schema !== null ? (schema as SchemaShape) : undefined)

/** The parameter names of a probe's schema, when it is a valibot object schema (in the order written). */
export function parameterKeys(schema: unknown): string[] {
  const entries = shape(schema)?.entries
  return entries ? Object.keys(entries) : []
}

/**
 * The schemas a parameter's schema is made of, outermost first: `v.optional(...)` wraps one,
 * `v.pipe(s, ...)` starts with one. Descriptions and defaults may sit at any level.
 */
function layers(schema: unknown): SchemaShape[] {
  const out: SchemaShape[] = []
  for (let s = shape(schema); s; s = shape(s.wrapped) ?? shape(s.pipe?.[0])) out.push(s)
  return out
}

/** What a parameter does, from the first `v.description(...)` found from the outside in. */
export function parameterDescription(schema: unknown, key: string): string | undefined {
  for (const layer of layers(shape(schema)?.entries?.[key])) {
    const d = v.getDescription(layer as v.GenericSchema)
    if (d !== undefined) return d
  }
  return undefined
}

/** The value an optional parameter takes when it is not given (as the user would write it). */
export function parameterDefault(schema: unknown, key: string): string | undefined {
  for (const layer of layers(shape(schema)?.entries?.[key])) {
    if (layer.type === 'optional' && typeof layer.default === 'string') return layer.default
  }
  return undefined
}

/** A key of the raw parameters that the schema does not name (a loose object takes any). */
function refuseUnknownKeys(probe: string, schema: unknown, raw: Record<string, unknown>): void {
  const s = shape(schema)
  if (!s?.entries || s.type === 'loose_object') return
  const keys = parameterKeys(schema)
  for (const key of Object.keys(raw)) {
    if (keys.includes(key)) continue
    const [near] = suggest(key, keys, 1)
    const takes = keys.length ? `it takes ${keys.map((k) => `${k}=`).join(', ')}` : 'it takes none'
    throw new UsageError(`${probe}: unknown parameter ${key}=${near === undefined ? `; ${takes}` : `; did you mean ${near}=?`} (see --help)`)
  }
}

/** A valibot issue in the user's words: what is wrong with the value, or what is missing. */
function issueText(probe: string, schema: unknown, raw: Record<string, unknown>, issue: v.BaseIssue<unknown>): string {
  const top = issue.path?.[0]?.key
  if (typeof top !== 'string') return `${probe}: ${issue.message}`
  if (!(top in raw)) {
    const what = parameterDescription(schema, top)
    return `${probe}: missing parameter ${top}=...${what ? ` (${what})` : ''}`
  }
  const given = raw[top]
  const value = Array.isArray(given) ? given.map((g) => `${top}=${g}`).join(' ') : `${top}=${String(given)}`
  return `${probe}: ${value}: ${problem(issue)}`
}

/** valibot's own messages start with "Invalid"; a schema's custom message is kept as written. */
function problem(issue: v.BaseIssue<unknown>): string {
  if (!issue.message.startsWith('Invalid ')) return issue.message
  switch (issue.type) {
    case 'picklist': return `expected one of ${(issue.expected ?? '').replace(/^\(|\)$/g, '').split(' | ').join(', ')}`
    case 'min_length': return issue.requirement === 1 ? 'must not be empty' : `needs at least ${String(issue.requirement)}`
    case 'max_length': return `takes at most ${String(issue.requirement)}`
    case 'integer': return 'expected a whole number'
    case 'min_value': return `must be at least ${String(issue.requirement)}`
    case 'max_value': return `must be at most ${String(issue.requirement)}`
    case 'regex': return `must match ${String(issue.requirement)}`
    case 'string': return 'give it once (this parameter takes one value)'
    default: return issue.message
  }
}

/** Validate `key=value` parameters against a probe's schema, refusing unknown keys, with readable one-line errors. */
export function validateParams(probe: string, schema: v.GenericSchema | undefined, raw: Record<string, string | string[]>): unknown {
  if (!schema) {
    const keys = Object.keys(raw)
    if (keys.length) throw new UsageError(`${probe} takes no parameters (got ${keys.map((k) => `${k}=`).join(', ')})`)
    return {}
  }
  refuseUnknownKeys(probe, schema, raw)
  const res = v.safeParse(schema, raw)
  if (res.success) return res.output
  throw new UsageError(issueText(probe, schema, raw, res.issues[0]))
}
