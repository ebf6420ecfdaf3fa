/**
 * Go types as the phantom type text of src/dsl/go-types.ts. A declared named type is
 * referenced by its namespace-qualified name; a named struct that is not declared becomes
 * `GoOpaque<'name'>` (usable, fields unchecked); other named types that are not declared
 * are written out structurally.
 */
import { typeString, type GoType, type Signature, type StructType } from '../gotypes/types.ts'
import { packageOf, propertyKey, tsString, uniqueIdentifiers } from './names.ts'
import { isDeclarable } from './selection.ts'

export interface DeclaredName {
  readonly namespace: string
  readonly name: string
}

/** Namespace and type identifiers for every declared Go type name. */
export function declaredNames(goNames: Iterable<string>): Map<string, DeclaredName> {
  const byPackage = new Map<string, string[]>()
  for (const n of goNames) {
    const pkg = packageOf(n)!
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), n.slice(pkg.length + 1)])
  }
  const namespaces = uniqueIdentifiers(byPackage.keys())
  const result = new Map<string, DeclaredName>()
  for (const [pkg, locals] of byPackage) {
    const namespace = namespaces.get(pkg)!
    for (const [local, name] of uniqueIdentifiers(locals)) result.set(`${pkg}.${local}`, { namespace, name })
  }
  return result
}

/** Field names `.field()` reaches on a struct, with their types: Go's promotion, shallowest embedding first (as the compiler searches). */
export function reachableFields(t: StructType): [string, GoType][] {
  const found = new Map<string, GoType>()
  let level: GoType[] = [t]
  const seen = new Set<GoType>()
  // The compiler searches 8 levels of embedding.
  for (let depth = 0; depth < 8 && level.length; depth++) {
    const next: GoType[] = []
    for (const type of level) {
      const st = type.kind === 'pointer' ? type.elem : type
      if (st.kind !== 'struct' || seen.has(st)) continue
      seen.add(st)
      for (const f of st.fields) {
        if (f.name !== '_' && !found.has(f.name)) found.set(f.name, f.type)
        if (f.embedded) next.push(f.type)
      }
    }
    level = next
  }
  return [...found]
}

export class TypeRenderer {
  /** Phantom type names used so far, for the import. */
  readonly used = new Set<string>()

  constructor(private readonly names: ReadonlyMap<string, DeclaredName>) {}

  /** A reference to a type, from a declaration or function entry. */
  ref(t: GoType, inlining: ReadonlySet<string> = new Set()): string {
    if (t.name !== undefined && isDeclarable(t)) {
      const declared = this.names.get(t.name)
      if (declared) return `${declared.namespace}.${declared.name}`
      if (t.kind === 'struct' || inlining.has(t.name)) return this.phantom('GoOpaque', [tsString(t.name)])
      return this.structure(t, new Set([...inlining, t.name]))
    }
    return this.structure(t, inlining)
  }

  /** A type's own structure: what a declared named type is defined as. */
  structure(t: GoType, inlining: ReadonlySet<string> = new Set()): string {
    switch (t.kind) {
      case 'int': case 'int8': case 'int16': case 'int32': case 'int64':
      case 'uint': case 'uint8': case 'uint16': case 'uint32': case 'uint64': case 'uintptr':
        return this.phantom('GoInt', [tsString(t.kind)])
      case 'bool': return this.phantom('GoBool')
      case 'float32': case 'float64': return this.phantom('GoFloat', [tsString(t.kind)])
      case 'complex64': case 'complex128': return this.phantom('GoComplex', [tsString(t.kind)])
      case 'string': return this.phantom('GoString')
      case 'unsafe.Pointer': return this.phantom('GoUnsafePointer')
      case 'pointer': return this.phantom('GoPtr', [this.ref(t.elem, inlining)])
      case 'slice': return this.phantom('GoSlice', [this.ref(t.elem, inlining)])
      case 'array': return this.phantom('GoArray', [this.ref(t.elem, inlining), String(t.len)])
      case 'chan': return this.phantom('GoChan', [this.ref(t.elem, inlining)])
      case 'map': return this.phantom('GoMap', [this.ref(t.key, inlining), this.ref(t.elem, inlining)])
      case 'func': return this.phantom('GoFunc')
      case 'interface': return this.phantom('GoInterface', [tsString(typeString(t))])
      case 'struct': return this.phantom('GoStruct', [this.fieldMap(t, inlining)])
    }
  }

  fieldMap(t: StructType, inlining: ReadonlySet<string> = new Set()): string {
    const fields = reachableFields(t)
    if (fields.length === 0) return '{}'
    return `{\n${fields.map(([name, type]) => `${propertyKey(name)}: ${this.ref(type, inlining)}`).join('\n')}\n}`
  }

  /** A function's entry in the `Functions` map. */
  functionShape(s: Signature): string {
    const refs = (list: Signature['params']): string => {
      const entries: string[] = []
      for (const p of list) if (p.name !== undefined && p.name !== '_') entries.push(`${propertyKey(p.name)}: ${this.ref(p.type)}`)
      // Positions are only trustworthy when DWARF listed every parameter.
      if (s.complete) list.forEach((p, i) => entries.push(`${i}: ${this.ref(p.type)}`))
      return entries.length ? `{\n${entries.join('\n')}\n}` : '{}'
    }
    const receiver = s.receiver ? `receiver: ${this.ref(s.receiver.type)}\n` : ''
    return `{\n${receiver}params: ${refs(s.params)}\nresults: ${refs(s.results)}\n}`
  }

  /** The untyped shape, for functions the binary has no signature for. */
  untypedShape(): string {
    return this.phantom('FunctionShape')
  }

  private phantom(name: string, args: readonly string[] = []): string {
    this.used.add(name)
    return args.length ? `${name}<${args.join(', ')}>` : name
  }
}
