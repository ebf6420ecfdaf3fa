/**
 * The Go type model shared by every part of goprobe. Types form a graph that may be
 * cyclic (a struct holding a pointer to itself), so element and field types are plain
 * object references; producers (DWARF, runtime type metadata, the type-text parser)
 * create a node first and fill in its references afterwards, and nobody mutates a node
 * once it has been handed out.
 */

export type IntKind = 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'uintptr'
export type FloatKind = 'float32' | 'float64'
export type ComplexKind = 'complex64' | 'complex128'

/** Where a fact came from; carried to the generated program's comments. */
export type FactSource = 'dwarf' | 'runtime-types' | 'version-table' | 'declared' | 'builtin' | 'heuristic'

interface TypeBase {
  /** Fully qualified name for named types (`net/http.Request`, `main.T`, `main.Pair[int,string]`); undefined for type literals. */
  readonly name?: string
  readonly size: number
  readonly align: number
}

export interface BoolType extends TypeBase { readonly kind: 'bool' }
export interface IntType extends TypeBase { readonly kind: IntKind }
export interface FloatType extends TypeBase { readonly kind: FloatKind }
export interface ComplexType extends TypeBase { readonly kind: ComplexKind }
export interface StringType extends TypeBase { readonly kind: 'string' }
export interface UnsafePointerType extends TypeBase { readonly kind: 'unsafe.Pointer' }
export interface PointerType extends TypeBase { readonly kind: 'pointer'; elem: GoType }
export interface SliceType extends TypeBase { readonly kind: 'slice'; elem: GoType }
export interface ArrayType extends TypeBase { readonly kind: 'array'; elem: GoType; readonly len: number }
export interface MapType extends TypeBase { readonly kind: 'map'; key: GoType; elem: GoType }
export interface ChanType extends TypeBase { readonly kind: 'chan'; elem: GoType }
export interface FuncType extends TypeBase { readonly kind: 'func'; signature?: Signature }
/** `empty` distinguishes `interface{}`/`any` (type word first) from interfaces with methods (itab first). */
export interface InterfaceType extends TypeBase { readonly kind: 'interface'; readonly empty: boolean }

export interface StructField {
  readonly name: string
  readonly type: GoType
  readonly offset: number
  readonly embedded: boolean
}
export interface StructType extends TypeBase { readonly kind: 'struct'; fields: StructField[] }

export type GoType =
  | BoolType | IntType | FloatType | ComplexType | StringType | UnsafePointerType
  | PointerType | SliceType | ArrayType | MapType | ChanType | FuncType | InterfaceType | StructType

export type GoKind = GoType['kind']

export interface Param {
  /** Source name; undefined for unnamed parameters. Unnamed results are named `~r0`, `~r1`, ... by DWARF. */
  readonly name?: string
  readonly type: GoType
}

export interface Signature {
  readonly receiver?: Param
  readonly params: readonly Param[]
  readonly results: readonly Param[]
  readonly variadic: boolean
  /**
   * False when the list may be missing entries (DWARF omits unnamed parameters and
   * generic dictionaries). Register assignment must never trust an incomplete list by position.
   */
  readonly complete: boolean
  readonly source: FactSource
}

const INT_SIZES: Record<IntKind, number> = {
  int: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, uintptr: 8,
}

export const isIntKind = (k: GoKind): k is IntKind => k in INT_SIZES
export const isSignedInt = (k: GoKind): boolean => k === 'int' || k === 'int8' || k === 'int16' || k === 'int32' || k === 'int64'
export const isFloatKind = (k: GoKind): k is FloatKind => k === 'float32' || k === 'float64'

/** The predeclared types, with their amd64 sizes and alignments. */
export function basicType(kind: IntKind | FloatKind | ComplexKind | 'bool' | 'string' | 'unsafe.Pointer', name?: string): GoType {
  const named = name === undefined ? {} : { name }
  if (isIntKind(kind)) { const s = INT_SIZES[kind]; return { kind, size: s, align: s, ...named } }
  switch (kind) {
    case 'bool': return { kind, size: 1, align: 1, ...named }
    case 'float32': return { kind, size: 4, align: 4, ...named }
    case 'float64': return { kind, size: 8, align: 8, ...named }
    case 'complex64': return { kind, size: 8, align: 4, ...named }
    case 'complex128': return { kind, size: 16, align: 8, ...named }
    case 'string': return { kind, size: 16, align: 8, ...named }
    case 'unsafe.Pointer': return { kind, size: 8, align: 8, ...named }
  }
}

/** A readable rendering of a type: its name if it has one, else its literal form. */
export function typeString(t: GoType, depth = 0): string {
  if (t.name !== undefined) return t.name
  if (depth > 8) return '…'
  switch (t.kind) {
    case 'pointer': return `*${typeString(t.elem, depth + 1)}`
    case 'slice': return `[]${typeString(t.elem, depth + 1)}`
    case 'array': return `[${t.len}]${typeString(t.elem, depth + 1)}`
    case 'map': return `map[${typeString(t.key, depth + 1)}]${typeString(t.elem, depth + 1)}`
    case 'chan': return `chan ${typeString(t.elem, depth + 1)}`
    case 'func': return 'func(…)'
    case 'interface': return t.empty ? 'interface {}' : 'interface {…}'
    case 'struct':
      return `struct { ${t.fields.map((f) => (f.embedded ? typeString(f.type, depth + 1) : `${f.name} ${typeString(f.type, depth + 1)}`)).join('; ')} }`
    default: return t.kind
  }
}
