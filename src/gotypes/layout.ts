/**
 * Constructors for composite Go types with the gc compiler's amd64 layout rules
 * (cmd/compile/internal/types/size.go): every producer of types (DWARF reader,
 * runtime-type reader, type-text parser) builds through these so sizes, alignments
 * and field offsets are computed in exactly one place.
 */
import type {
  ArrayType, ChanType, FuncType, GoType, InterfaceType, MapType, PointerType, Signature,
  SliceType, StructField, StructType,
} from './types.ts'
import { UsageError } from '../errors.ts'

const WORD = 8

/** Rounds `n` up to a multiple of `align` (a power of two, or 0/1 for no alignment). */
export function alignUp(n: number, align: number): number {
  return align <= 1 ? n : Math.ceil(n / align) * align
}

const named = (name: string | undefined) => (name === undefined ? {} : { name })

export interface FieldSpec {
  readonly name: string
  readonly type: GoType
  readonly embedded?: boolean
}

/**
 * The runtime's `atomic.align64` marker type forces 8-byte alignment on the struct
 * that embeds it (atomic.Int64 and friends); the compiler recognises it by name.
 */
const ALIGN64_MARKERS = new Set(['sync/atomic.align64', 'runtime/internal/atomic.align64', 'internal/runtime/atomic.align64'])

/**
 * A struct laid out like gc does it: each field at the next offset aligned to its own
 * alignment; struct alignment is the largest field alignment; a non-empty struct whose
 * last field has zero size gets one extra byte (so a pointer to that field cannot point
 * past the object, Go issue 9401); the size is then rounded up to the alignment.
 */
export function structType(name: string | undefined, specs: readonly FieldSpec[]): StructType {
  let offset = 0
  let align = name !== undefined && ALIGN64_MARKERS.has(name) ? 8 : 1
  const fields: StructField[] = []
  for (const spec of specs) {
    offset = alignUp(offset, spec.type.align)
    fields.push({ name: spec.name, type: spec.type, offset, embedded: spec.embedded ?? false })
    offset += spec.type.size
    align = Math.max(align, spec.type.align)
  }
  const last = specs[specs.length - 1]
  if (offset > 0 && last !== undefined && last.type.size === 0) offset += 1
  return { kind: 'struct', size: alignUp(offset, align), align, fields, ...named(name) }
}

export function arrayType(elem: GoType, len: number, name?: string): ArrayType {
  if (!Number.isSafeInteger(len) || len < 0) throw new UsageError(`invalid array length ${len}`)
  return { kind: 'array', elem, len, size: elem.size * len, align: elem.align, ...named(name) }
}

export function pointerType(elem: GoType, name?: string): PointerType {
  return { kind: 'pointer', elem, size: WORD, align: WORD, ...named(name) }
}

/** {ptr, len, cap} */
export function sliceType(elem: GoType, name?: string): SliceType {
  return { kind: 'slice', elem, size: 3 * WORD, align: WORD, ...named(name) }
}

/** A map value is a pointer to the runtime's map header. */
export function mapType(key: GoType, elem: GoType, name?: string): MapType {
  return { kind: 'map', key, elem, size: WORD, align: WORD, ...named(name) }
}

/** A channel value is a pointer to the runtime's hchan. */
export function chanType(elem: GoType, name?: string): ChanType {
  return { kind: 'chan', elem, size: WORD, align: WORD, ...named(name) }
}

/** A func value is a pointer to a closure record {PC, captured variables...}. */
export function funcType(signature: Signature | undefined, name?: string): FuncType {
  return { kind: 'func', size: WORD, align: WORD, ...named(name), ...(signature === undefined ? {} : { signature }) }
}

/** {type or itab, data}; `empty` says the first word is a type (no methods) rather than an itab. */
export function interfaceType(empty: boolean, name?: string): InterfaceType {
  return { kind: 'interface', empty, size: 2 * WORD, align: WORD, ...named(name) }
}

/**
 * The same type under a defined name (`type Celsius float64`). Layout is inherited,
 * except that a struct is laid out again because its name can change its alignment.
 */
export function withName(type: GoType, name: string): GoType {
  if (type.kind === 'struct') return structType(name, type.fields)
  return { ...type, name }
}
