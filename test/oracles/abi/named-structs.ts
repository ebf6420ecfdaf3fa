/**
 * A type resolver for the named structs of a generated Go program: each declaration is
 * parsed with goprobe's own parser and laid out under its package-qualified name, in
 * order, so a struct may refer to the ones declared before it.
 */
import { withName } from '../../../src/gotypes/layout.ts'
import { parseType, type TypeResolver } from '../../../src/gotypes/parse.ts'
import type { GoType } from '../../../src/gotypes/types.ts'
import type { NamedStruct } from './random-go.ts'

/** Resolves both the bare name the Go source uses (`S1`) and the qualified one (`main.S1`). */
export function namedStructResolver(structs: readonly NamedStruct[], pkg = 'main'): TypeResolver {
  const known = new Map<string, GoType>()
  const resolve: TypeResolver = (name) => known.get(name) ?? known.get(`${pkg}.${name}`)
  for (const s of structs) known.set(`${pkg}.${s.name}`, withName(parseType(s.literal, resolve), `${pkg}.${s.name}`))
  return resolve
}
