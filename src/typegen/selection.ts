/**
 * What a declaration file covers: the functions and named types of the requested packages,
 * the requested types and functions, and the named types they reach, up to a depth. A named
 * type's fields are one level deeper than the type; pointers, slices, maps and the like are
 * part of the type that holds them. Named types past the depth are not declared (see render.ts).
 */
import { GoprobeError, UnknownNameError } from '../errors.ts'
import type { GoType, Signature } from '../gotypes/types.ts'
import type { Target } from '../target.ts'
import { suggest } from '../util/suggest.ts'
import { packageOf } from './names.ts'

export interface TypegenRequest {
  /** Go package paths whose functions and named types are all included (`net/http`). */
  readonly packages: readonly string[]
  /** Named types to include (`net/http.Request`). */
  readonly types: readonly string[]
  /** Functions to include (`net/http.(*Client).do`). */
  readonly functions: readonly string[]
  /** How many levels of named types below the selected ones are declared too. */
  readonly depth: number
}

export interface SelectedFunction {
  readonly name: string
  /** Undefined when the binary has no signature for it (no DWARF entry). */
  readonly signature?: Signature
}

export interface Selection {
  /** Named types to declare, by Go name. */
  readonly declared: ReadonlyMap<string, GoType>
  readonly functions: readonly SelectedFunction[]
}

type Named = GoType & { name: string }

/** Named types with a package (not the predeclared `int`, `error`, ...): the ones declarations are written for. */
export function isDeclarable(t: GoType): t is Named {
  return t.name !== undefined && t.kind !== 'unsafe.Pointer' && packageOf(t.name) !== undefined
}

/** Names the binary knows types by: DWARF's, and the runtime type metadata's for stripped builds. */
function knownTypeNames(target: Target): string[] {
  return [...new Set([...(target.dwarf?.types.typeNames() ?? []), ...(target.runtimeTypes?.typeNames() ?? [])])]
}

/** The types a type is made of: element, key and field types. */
function components(t: GoType): GoType[] {
  switch (t.kind) {
    case 'pointer': case 'slice': case 'array': case 'chan': return [t.elem]
    case 'map': return [t.key, t.elem]
    case 'struct': return t.fields.map((f) => f.type)
    default: return []
  }
}

/** The declarable named types a type expression mentions without going through another named type. */
function namedIn(t: GoType, out: Named[] = [], path = new Set<GoType>()): Named[] {
  if (isDeclarable(t)) out.push(t)
  else if (!path.has(t)) {
    path.add(t)
    for (const c of components(t)) namedIn(c, out, path)
  }
  return out
}

export function select(target: Target, request: TypegenRequest): Selection {
  const packages = new Set(request.packages)
  const names = new Set<string>(request.functions)
  const present = new Set<string>()
  for (const fn of target.binary.functions.functions) {
    const pkg = packageOf(fn.name)
    if (pkg === undefined || /^(type|go):/.test(fn.name)) continue
    present.add(pkg)
    if (packages.has(pkg)) names.add(fn.name)
  }
  for (const pkg of packages) {
    if (!present.has(pkg)) throw new UnknownNameError('package (no function of the binary is in it)', pkg, suggest(pkg, [...present]))
  }
  const functions = [...names].sort().map((name): SelectedFunction => {
    const signature = signatureOf(target, name)
    return signature ? { name, signature } : { name }
  })

  let level: GoType[] = []
  for (const { signature: s } of functions) {
    if (s) for (const p of [...(s.receiver ? [s.receiver] : []), ...s.params, ...s.results]) level.push(p.type)
  }
  for (const name of request.types) level.push(target.lookupType(name).value)
  for (const name of knownTypeNames(target).sort()) {
    const pkg = packageOf(name)
    if (pkg === undefined || !packages.has(pkg)) continue
    const t = target.lookupType(name).value
    if (t.name === name) level.push(t)
  }
  // Breadth first, so a type's depth is its shortest distance from the selection.
  const declared = new Map<string, GoType>()
  for (let depth = 0; depth <= request.depth && level.length; depth++) {
    const next: GoType[] = []
    for (const t of level) {
      for (const n of namedIn(t)) {
        if (declared.has(n.name)) continue
        declared.set(n.name, n)
        next.push(...components(n))
      }
    }
    level = next
  }
  return { declared, functions }
}

/** The function's signature (DWARF) when the binary has one; unknown function names are the caller's error. */
function signatureOf(target: Target, name: string): Signature | undefined {
  const fn = target.function(name)
  try {
    return target.signature(fn)?.value
  } catch (e) {
    // A DWARF entry goprobe cannot read leaves the function untyped rather than failing the whole file.
    if (e instanceof GoprobeError) return undefined
    throw e
  }
}
