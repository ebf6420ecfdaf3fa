/**
 * How Go names become TypeScript names in generated declarations. Each Go package is one
 * namespace named by its import path with every run of characters that cannot appear in
 * an identifier replaced by `_` (`net/http` -> `net_http`, `golang.org/x/net/http2` ->
 * `golang_org_x_net_http2`); a type keeps its Go name within it (`net_http.Request`).
 * Names that would clash get a numeric suffix, assigned in sorted order so output is stable.
 */

/** The package path of a qualified Go name (`net/http.(*Client).do` -> `net/http`); undefined for predeclared names. */
export function packageOf(goName: string): string | undefined {
  const bracket = goName.indexOf('[')
  const head = bracket < 0 ? goName : goName.slice(0, bracket)
  const dot = head.indexOf('.', head.lastIndexOf('/') + 1)
  return dot <= 0 ? undefined : head.slice(0, dot)
}

// Words TypeScript rejects as a namespace or type name.
const RESERVED = new Set([
  'any', 'as', 'bigint', 'boolean', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'declare',
  'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if',
  'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'never', 'new', 'null', 'number', 'object',
  'package', 'private', 'protected', 'public', 'return', 'static', 'string', 'super', 'switch', 'symbol', 'this',
  'throw', 'true', 'try', 'type', 'typeof', 'undefined', 'unknown', 'var', 'void', 'while', 'with', 'yield',
])

/** An identifier for Go text (a package path, a type name with type arguments). */
export function identifier(text: string): string {
  let id = text.replace(/[^A-Za-z0-9_$]+/g, '_').replace(/_+$/, '')
  if (id === '') id = '_'
  if (/^[0-9]/.test(id)) id = `_${id}`
  return RESERVED.has(id) ? `${id}_` : id
}

/** A single-quoted TypeScript string literal. */
export const tsString = (text: string): string => `'${JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`

/** A property key: bare when it is an identifier, quoted otherwise (`~r0`). */
export const propertyKey = (name: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : tsString(name))

/** Unique identifiers for a set of texts; clashes get `_2`, `_3`, ... in sorted order of the texts. */
export function uniqueIdentifiers(texts: Iterable<string>): Map<string, string> {
  const result = new Map<string, string>()
  const taken = new Set<string>()
  for (const text of [...new Set(texts)].sort()) {
    const base = identifier(text)
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`
    taken.add(id)
    result.set(text, id)
  }
  return result
}
