/**
 * The ABI fuzz's model of a Go signature: the types it draws (a subset of Go whose values
 * both the Go program and a bpftrace probe can print exactly), seeded drawing of types,
 * signatures and values, and their Go text.
 */
import { seededRandom } from '../../oracles/abi/random-go.ts'

export interface IntKind {
  readonly go: string
  readonly signed: boolean
  readonly bits: 8 | 16 | 32 | 64
}

const INT_KINDS: readonly IntKind[] = [
  { go: 'int8', signed: true, bits: 8 }, { go: 'int16', signed: true, bits: 16 },
  { go: 'int32', signed: true, bits: 32 }, { go: 'int64', signed: true, bits: 64 },
  { go: 'int', signed: true, bits: 64 }, { go: 'rune', signed: true, bits: 32 },
  { go: 'uint8', signed: false, bits: 8 }, { go: 'uint16', signed: false, bits: 16 },
  { go: 'uint32', signed: false, bits: 32 }, { go: 'uint64', signed: false, bits: 64 },
  { go: 'uint', signed: false, bits: 64 }, { go: 'uintptr', signed: false, bits: 64 },
  { go: 'byte', signed: false, bits: 8 },
]

export interface Field {
  readonly name: string
  readonly type: FuzzType
}

/** A named struct declared in the generated program (`type N3 struct{...}`, with a value method M). */
export interface NamedStruct {
  readonly name: string
  readonly fields: readonly Field[]
}

/** What an interface argument holds in one function (the same dynamic type on every call, nil on some). */
export type Dynamic =
  | { readonly kind: 'boxed'; readonly type: FuzzType }
  | { readonly kind: 'pointer'; readonly struct: NamedStruct }
  | { readonly kind: 'errorsNew' }

export type FuzzType =
  | { readonly kind: 'int'; readonly int: IntKind }
  | { readonly kind: 'bool' }
  | { readonly kind: 'float'; readonly bits: 32 | 64 }
  | { readonly kind: 'string' }
  | { readonly kind: 'slice'; readonly elem: FuzzType }
  | { readonly kind: 'array'; readonly len: number; readonly elem: FuzzType }
  | { readonly kind: 'struct'; readonly fields: readonly Field[] }
  | { readonly kind: 'named'; readonly struct: NamedStruct }
  | { readonly kind: 'pointer'; readonly struct: NamedStruct }
  | { readonly kind: 'interface'; readonly iface: 'any' | 'error' | 'method'; readonly dynamic: Dynamic }

export interface Param {
  readonly name: string
  readonly type: FuzzType
}

export interface FuzzFunction {
  /** Go identifier: F<i>, P<i> (pointer receiver), V<i> (value receiver), G<i> (generic). */
  readonly ident: string
  readonly receiver?: { readonly struct: NamedStruct; readonly pointer: boolean }
  readonly params: readonly Param[]
  /** The last parameter is variadic (`...T`, a slice to the ABI). */
  readonly variadic: boolean
  readonly results: readonly Param[]
  readonly namedResults: boolean
  /** Generic functions have one type parameter T, instantiated with `typeArg` (a builtin type). */
  readonly typeArg?: FuzzType
  /** Literals of the results on the two return paths. */
  readonly returns: readonly [readonly string[], readonly string[]]
  /** Literals of the arguments, per call. */
  readonly calls: readonly { readonly receiver?: string; readonly args: readonly string[] }[]
}

/** The interface with one method that every named struct implements (with a value receiver). */
export const METHOD_IFACE = 'interface{ M() int }'

export function goType(t: FuzzType): string {
  switch (t.kind) {
    case 'int': return t.int.go
    case 'bool': return 'bool'
    case 'float': return `float${t.bits}`
    case 'string': return 'string'
    case 'slice': return `[]${goType(t.elem)}`
    case 'array': return `[${t.len}]${goType(t.elem)}`
    case 'struct': return structLiteralType(t.fields)
    case 'named': return t.struct.name
    case 'pointer': return `*${t.struct.name}`
    case 'interface': return t.iface === 'any' ? 'any' : t.iface === 'error' ? 'error' : METHOD_IFACE
  }
}

/** The type as goprobe's signature parser reads it: named types qualified with `main.`. */
export function declaredType(t: FuzzType): string {
  switch (t.kind) {
    case 'named': return `main.${t.struct.name}`
    case 'pointer': return `*main.${t.struct.name}`
    case 'slice': return `[]${declaredType(t.elem)}`
    case 'array': return `[${t.len}]${declaredType(t.elem)}`
    case 'struct': return `struct{ ${t.fields.map((f) => `${f.name} ${declaredType(f.type)}`).join('; ')} }`
    default: return goType(t)
  }
}

export function structLiteralType(fields: readonly Field[]): string {
  return fields.length === 0 ? 'struct{}' : `struct{ ${fields.map((f) => `${f.name} ${goType(f.type)}`).join('; ')} }`
}

/** True when the type names a struct declared in the program (unresolvable without DWARF until runtime types land). */
export function usesNamedType(t: FuzzType): boolean {
  switch (t.kind) {
    case 'named': case 'pointer': return true
    case 'slice': case 'array': return usesNamedType(t.elem)
    case 'struct': return t.fields.some((f) => usesNamedType(f.type))
    default: return false
  }
}

export function containsFloat(t: FuzzType): boolean {
  switch (t.kind) {
    case 'float': return true
    case 'slice': case 'array': return containsFloat(t.elem)
    case 'struct': return t.fields.some((f) => containsFloat(f.type))
    case 'named': case 'pointer': return t.struct.fields.some((f) => containsFloat(f.type))
    default: return false
  }
}

export function functionUsesNamedType(f: FuzzFunction): boolean {
  return f.receiver !== undefined || [...f.params, ...f.results].some((p) => usesNamedType(p.type))
}

export function functionHasFloat(f: FuzzFunction): boolean {
  return [...f.params, ...f.results].some((p) => containsFloat(p.type))
}

/** Seeded drawing of types, signatures and values. */
export class Drawer {
  private readonly rand: () => number
  readonly structs: NamedStruct[] = []

  constructor(seed: number, namedStructs = 5) {
    this.rand = seededRandom(seed)
    for (let i = 0; i < namedStructs; i++) this.structs.push({ name: `N${i}`, fields: this.fields(1 + this.int(4), 1) })
  }

  int(n: number): number {
    return Math.floor(this.rand() * n)
  }

  chance(p: number): boolean {
    return this.rand() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  intType(): FuzzType {
    return { kind: 'int', int: this.pick(INT_KINDS) }
  }

  /** A builtin scalar or string (what generic type arguments and interface boxes use). */
  builtinLeaf(): FuzzType {
    const r = this.rand()
    if (r < 0.6) return this.intType()
    if (r < 0.75) return { kind: 'bool' }
    return { kind: 'string' }
  }

  private fields(count: number, depth: number): Field[] {
    return Array.from({ length: count }, (_, i) => ({ name: String.fromCharCode(65 + i), type: this.fieldType(depth) }))
  }

  /** Struct fields mix widths; depth bounds nesting. */
  private fieldType(depth: number): FuzzType {
    const r = this.rand()
    if (r < 0.55 || depth <= 0) return this.intType()
    if (r < 0.7) return { kind: 'bool' }
    if (r < 0.85) return { kind: 'string' }
    if (r < 0.93) return { kind: 'array', len: this.pick([0, 1, 2]), elem: this.intType() }
    return { kind: 'struct', fields: this.fields(1 + this.int(2), depth - 1) }
  }

  /** A parameter or result type; sometimes a float (such functions are called but not probed). */
  type(): FuzzType {
    const r = this.rand()
    if (r < 0.3) return this.intType()
    if (r < 0.36) return { kind: 'bool' }
    if (r < 0.46) return { kind: 'string' }
    if (r < 0.51) return { kind: 'slice', elem: { kind: 'int', int: INT_KINDS[12]! } } // []byte
    if (r < 0.55) return { kind: 'slice', elem: { kind: 'string' } }
    if (r < 0.62) return { kind: 'array', len: this.pick([0, 1, 2, 3]), elem: this.pick<FuzzType>([this.intType(), { kind: 'string' }, { kind: 'bool' }]) }
    if (r < 0.7) return { kind: 'struct', fields: this.fields(1 + this.int(3), 1) }
    if (r < 0.76) return { kind: 'named', struct: this.pick(this.structs) }
    if (r < 0.82) return { kind: 'pointer', struct: this.pick(this.structs) }
    if (r < 0.96) return this.interfaceType()
    return { kind: 'float', bits: this.pick([32, 64] as const) }
  }

  private interfaceType(): FuzzType {
    const r = this.rand()
    if (r < 0.4) {
      const dynamic: Dynamic = this.chance(0.5) ? { kind: 'boxed', type: this.builtinLeaf() } : this.chance(0.5)
        ? { kind: 'pointer', struct: this.pick(this.structs) }
        : { kind: 'boxed', type: { kind: 'named', struct: this.pick(this.structs) } }
      return { kind: 'interface', iface: 'any', dynamic }
    }
    if (r < 0.7) return { kind: 'interface', iface: 'error', dynamic: { kind: 'errorsNew' } }
    const struct = this.pick(this.structs)
    return { kind: 'interface', iface: 'method', dynamic: this.chance(0.5) ? { kind: 'pointer', struct } : { kind: 'boxed', type: { kind: 'named', struct } } }
  }

  /** A Go expression of type `t` with a pseudo-random value. */
  value(t: FuzzType): string {
    switch (t.kind) {
      case 'int': return `${t.int.go}(${this.intValue(t.int)})`
      case 'bool': return this.chance(0.5) ? 'true' : 'false'
      case 'float': return `float${t.bits}(${(this.int(2000) - 1000) / 8})`
      case 'string': return this.stringValue()
      case 'slice': {
        if (t.elem.kind === 'int' && t.elem.int.go === 'byte') return `[]byte(${this.stringValue()})`
        const n = this.int(4)
        return `${goType(t)}{${Array.from({ length: n }, () => this.value(t.elem)).join(', ')}}`
      }
      case 'array': return `${goType(t)}{${Array.from({ length: t.len }, () => this.value(t.elem)).join(', ')}}`
      case 'struct': return `${goType(t)}{${t.fields.map((f) => `${f.name}: ${this.value(f.type)}`).join(', ')}}`
      case 'named': return `${t.struct.name}{${t.struct.fields.map((f) => `${f.name}: ${this.value(f.type)}`).join(', ')}}`
      case 'pointer': return `&${t.struct.name}{${t.struct.fields.map((f) => `${f.name}: ${this.value(f.type)}`).join(', ')}}`
      case 'interface': {
        if (this.chance(0.25)) return 'nil'
        const d = t.dynamic
        if (d.kind === 'errorsNew') return `errors.New(${this.stringValue()})`
        if (d.kind === 'pointer') return this.value({ kind: 'pointer', struct: d.struct })
        return this.value(d.type)
      }
    }
  }

  /** Edge values (min, max, 0, -1) half of the time, otherwise uniform over the width. */
  private intValue(k: IntKind): string {
    const bits = BigInt(k.bits)
    const min = k.signed ? -(1n << (bits - 1n)) : 0n
    const max = k.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n
    if (this.chance(0.4)) return String(this.pick(k.signed ? [min, max, 0n, -1n, 1n] : [min, max, 1n, max - 1n]))
    let v = 0n
    for (let i = 0n; i < bits; i += 16n) v = (v << 16n) | BigInt(this.int(0x10000))
    v &= (1n << bits) - 1n
    return String(k.signed && v > max ? v - (1n << bits) : v)
  }

  /** 0 to 12 arbitrary bytes (not necessarily UTF-8), as a Go literal of hex escapes. */
  private stringValue(): string {
    const n = this.pick([0, 1, 3, 5, 8, 12])
    return `"${Array.from({ length: n }, () => `\\x${this.int(256).toString(16).padStart(2, '0')}`).join('')}"`
  }
}
