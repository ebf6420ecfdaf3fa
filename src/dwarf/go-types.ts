import { DwarfFormatError } from '../errors.ts'
import {
  isIntKind, type ArrayType, type ChanType, type GoType, type IntKind, type MapType, type PointerType, type SliceType,
  type StructField, type StructType,
} from '../gotypes/types.ts'
import { DW_AT, DW_TAG, GO_KIND } from './constants.ts'
import { attr, attrFlag, attrNumber, attrString, type Die } from './die.ts'
import type { Dwarf } from './dwarf.ts'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const KIND_BY_GO_KIND: ReadonlyMap<number, IntKind | 'bool' | 'float32' | 'float64' | 'complex64' | 'complex128'> = new Map([
  [GO_KIND.bool, 'bool'], [GO_KIND.int, 'int'], [GO_KIND.int8, 'int8'], [GO_KIND.int16, 'int16'], [GO_KIND.int32, 'int32'],
  [GO_KIND.int64, 'int64'], [GO_KIND.uint, 'uint'], [GO_KIND.uint8, 'uint8'], [GO_KIND.uint16, 'uint16'],
  [GO_KIND.uint32, 'uint32'], [GO_KIND.uint64, 'uint64'], [GO_KIND.uintptr, 'uintptr'], [GO_KIND.float32, 'float32'],
  [GO_KIND.float64, 'float64'], [GO_KIND.complex64, 'complex64'], [GO_KIND.complex128, 'complex128'],
])

// DW_ATE_* encodings, for base types without DW_AT_go_kind (C code in cgo binaries).
const ATE_boolean = 0x02
const ATE_complex_float = 0x03
const ATE_float = 0x04
const ATE_signed = 0x05
const ATE_signed_char = 0x06

/** Type literals (`*T`, `[]T`, `map[K]V`, `struct {...}`) have no name in the model; defined types keep theirs. */
function goName(name: string | undefined, kind: string): string | undefined {
  if (name === undefined || name === kind) return undefined
  return /^(\*|\[|map\[|chan\b|<-chan|func\(|struct ?\{|interface ?\{)/.test(name) ? undefined : name
}

/**
 * Converts Go-emitted DWARF types into the shared Go type model. Each type DIE
 * becomes one node, memoized by offset; a node is created before the types it
 * refers to are converted, so cyclic types (`type L struct{ next *L }`) come out as
 * cyclic object graphs. Typedefs without Go kinds are transparent: Go emits one
 * beside every defined struct, with the same name.
 */
export class DwarfTypes {
  private readonly byOffset = new Map<number, GoType>()
  /** Fills pending for nodes created by the conversion in progress. */
  private pending: (() => void)[] = []
  private created: number[] = []
  private unaligned: Mutable<StructType | ArrayType>[] = []

  constructor(private readonly dwarf: Dwarf) {}

  /** The named type `name` (`main.T`, `net/http.Request`, `main.Pair[int,string]`, `runtime.g`). */
  lookupType(name: string): GoType | undefined {
    const offset = this.dwarf.index.typeOffset(name)
    return offset === undefined ? undefined : this.typeAt(offset)
  }

  /** Every type name DWARF declares, for "did you mean" suggestions. */
  typeNames(): Iterable<string> {
    return this.dwarf.index.typeNames()
  }

  /** The type described by the DIE at `offset` (a DW_AT_type target), with everything it refers to. */
  typeAt(offset: number): GoType {
    const known = this.byOffset.get(offset)
    if (known) return known
    // A failure half-way must not leave half-filled nodes behind for later lookups.
    const outer = this.created.length
    try {
      const t = this.shell(offset)
      while (this.pending.length) this.pending.pop()!()
      for (const n of this.unaligned) this.align(n, new Set())
      this.unaligned = []
      this.created.length = outer
      return t
    } catch (e) {
      for (const off of this.created.splice(outer)) this.byOffset.delete(off)
      this.pending = []
      this.unaligned = []
      throw e
    }
  }

  /** The node for a DIE, created empty (its references filled later through `pending`). */
  private shell(offset: number): GoType {
    const known = this.byOffset.get(offset)
    if (known) return known
    const chain: number[] = []
    let die = this.dwarf.die(offset)
    while (isTransparent(die)) {
      chain.push(die.offset)
      const next = attrNumber(die, DW_AT.type)
      if (next === undefined) throw new DwarfFormatError('typedef of nothing', '.debug_info', die.offset)
      const k = this.byOffset.get(next)
      if (k) return this.remember(chain, k)
      if (chain.includes(next)) throw new DwarfFormatError('cyclic typedef chain', '.debug_info', die.offset)
      die = this.dwarf.die(next)
    }
    chain.push(die.offset)
    // Remember before converting, so references back to this DIE find the node.
    const node = {} as GoType
    this.remember(chain, node)
    Object.assign(node, this.create(die, node))
    return node
  }

  private remember(offsets: number[], t: GoType): GoType {
    for (const off of offsets) {
      this.byOffset.set(off, t)
      this.created.push(off)
    }
    return t
  }

  private refLater(die: Die, at: number, set: (t: GoType) => void): void {
    const target = attrNumber(die, at)
    if (target === undefined) throw new DwarfFormatError(`type entry lacks attribute 0x${at.toString(16)}`, '.debug_info', die.offset)
    this.pending.push(() => set(this.shell(target)))
  }

  private create(die: Die, self: GoType): GoType {
    const name = attrString(die, DW_AT.name)
    const size = attrNumber(die, DW_AT.byte_size)
    const goKind = attrNumber(die, DW_AT.go_kind)
    switch (die.tag) {
      case DW_TAG.base_type: return baseType(die, name, size ?? 0, goKind)
      case DW_TAG.structure_type:
        if (goKind === GO_KIND.string || (goKind === undefined && name === 'string')) return { kind: 'string', size: size ?? 16, align: 8 }
        if (goKind === GO_KIND.slice) {
          this.refLater(die, DW_AT.go_elem, (t) => { (self as Mutable<SliceType>).elem = t })
          return { kind: 'slice', name: goName(name, 'slice'), size: size ?? 24, align: 8 } as SliceType
        }
        return this.struct(die, self as Mutable<StructType>, name, size ?? 0)
      case DW_TAG.union_type: return this.struct(die, self as Mutable<StructType>, name, size ?? 0)
      case DW_TAG.typedef: return this.goTypedef(die, self, name, goKind)
      case DW_TAG.pointer_type:
        if (goKind === GO_KIND.unsafePointer || attr(die, DW_AT.type) === undefined) return { kind: 'unsafe.Pointer', size: 8, align: 8 }
        this.refLater(die, DW_AT.type, (t) => { (self as Mutable<PointerType>).elem = t })
        return { kind: 'pointer', name: goName(name, 'pointer'), size: 8, align: 8 } as PointerType
      case DW_TAG.array_type: {
        this.refLater(die, DW_AT.type, (t) => {
          const a = self as Mutable<ArrayType>
          a.elem = t
          if (size === undefined) a.size = t.size * a.len
        })
        this.unaligned.push(self as Mutable<ArrayType>)
        return { kind: 'array', name: goName(name, 'array'), size: size ?? 0, align: 1, len: this.arrayLength(die) } as ArrayType
      }
      case DW_TAG.subroutine_type: return { kind: 'func', name: goName(name, 'func'), size: 8, align: 8 }
      case DW_TAG.enumeration_type: return baseType(die, name, size ?? 4, undefined)
      default:
        throw new DwarfFormatError(`type entry with tag 0x${die.tag.toString(16)} is not a Go type`, '.debug_info', die.offset)
    }
  }

  /** Typedefs that carry a Go kind stand for interfaces, maps and channels (whose DWARF shape is a pointer or iface struct). */
  private goTypedef(die: Die, self: GoType, name: string | undefined, goKind: number | undefined): GoType {
    switch (goKind) {
      case GO_KIND.interface:
        return { kind: 'interface', name: goName(name, 'interface'), size: 16, align: 8, empty: this.isEmptyInterface(die) }
      case GO_KIND.map:
        this.refLater(die, DW_AT.go_key, (t) => { (self as Mutable<MapType>).key = t })
        this.refLater(die, DW_AT.go_elem, (t) => { (self as Mutable<MapType>).elem = t })
        return { kind: 'map', name: goName(name, 'map'), size: 8, align: 8 } as MapType
      case GO_KIND.chan:
        this.refLater(die, DW_AT.go_elem, (t) => { (self as Mutable<ChanType>).elem = t })
        return { kind: 'chan', name: goName(name, 'chan'), size: 8, align: 8 } as ChanType
      default:
        throw new DwarfFormatError(`typedef with Go kind ${goKind} is not understood`, '.debug_info', die.offset)
    }
  }

  /** `interface {}` is laid out as runtime.eface (type word first); others as runtime.iface (itab first). */
  private isEmptyInterface(die: Die): boolean {
    let d: Die | undefined = die
    for (let hops = 0; d && d.tag === DW_TAG.typedef && hops < 16; hops++) d = this.dwarf.ref(d, DW_AT.type)
    if (!d) return false
    if (attrString(d, DW_AT.name) === 'runtime.eface') return true
    for (const m of this.dwarf.children(d)) return attrString(m, DW_AT.name) === '_type'
    return false
  }

  private struct(die: Die, self: Mutable<StructType>, name: string | undefined, size: number): StructType {
    const fields: StructField[] = []
    for (const m of this.dwarf.children(die)) {
      if (m.tag !== DW_TAG.member) continue
      const fieldName = attrString(m, DW_AT.name) ?? ''
      const offset = memberOffset(m)
      const embedded = attrFlag(m, DW_AT.go_embedded_field)
      const index = fields.length
      // The field's type is set by the pending fill, before the node is handed out.
      fields.push({ name: fieldName, offset, embedded } as StructField)
      this.refLater(m, DW_AT.type, (t) => { fields[index] = { ...fields[index]!, type: t } })
    }
    this.unaligned.push(self)
    return { kind: 'struct', name: goName(name, 'struct'), size, align: 1, fields }
  }

  private arrayLength(die: Die): number {
    for (const sub of this.dwarf.children(die)) {
      if (sub.tag !== DW_TAG.subrange_type) continue
      const count = attrNumber(sub, DW_AT.count)
      if (count !== undefined) return count
      const upper = attrNumber(sub, DW_AT.upper_bound)
      return upper === undefined ? 0 : upper + 1
    }
    return 0
  }

  /** Alignment is not in DWARF: it is the largest alignment of what a struct or array holds by value. */
  private align(t: GoType, inProgress: Set<GoType>): number {
    if (t.kind !== 'struct' && t.kind !== 'array') return t.align
    const m = t as Mutable<StructType | ArrayType>
    if (m.align !== 1 || inProgress.has(t)) {
      if (inProgress.has(t)) throw new DwarfFormatError(`type ${t.name ?? t.kind} contains itself by value`)
      return m.align
    }
    inProgress.add(t)
    m.align = m.kind === 'array' ? this.align(m.elem, inProgress) : m.fields.reduce((a, f) => Math.max(a, this.align(f.type, inProgress)), 1)
    inProgress.delete(t)
    return m.align
  }
}

/** Typedefs without a Go kind, and C qualifiers, add nothing to the type they name. */
function isTransparent(die: Die): boolean {
  if (die.tag === DW_TAG.const_type || die.tag === DW_TAG.volatile_type) return true
  return die.tag === DW_TAG.typedef && attrNumber(die, DW_AT.go_kind) === undefined
}

function baseType(die: Die, name: string | undefined, size: number, goKind: number | undefined): GoType {
  let kind = goKind === undefined ? undefined : KIND_BY_GO_KIND.get(goKind)
  if (goKind === GO_KIND.unsafePointer) return { kind: 'unsafe.Pointer', size: 8, align: 8 }
  if (!kind) kind = kindFromEncoding(attrNumber(die, DW_AT.encoding), size)
  if (!kind) throw new DwarfFormatError(`base type ${name ?? ''} has an unknown encoding`, '.debug_info', die.offset)
  const align = kind === 'complex64' || kind === 'complex128' ? size / 2 : size
  return { kind, name: goName(name, kind), size, align: Math.max(1, align) } as GoType
}

function kindFromEncoding(encoding: number | undefined, size: number): IntKind | 'bool' | 'float32' | 'float64' | 'complex64' | 'complex128' | undefined {
  if (encoding === ATE_boolean) return 'bool'
  if (encoding === ATE_float) return size === 4 ? 'float32' : size === 8 ? 'float64' : undefined
  if (encoding === ATE_complex_float) return size === 8 ? 'complex64' : size === 16 ? 'complex128' : undefined
  const signed = encoding === ATE_signed || encoding === ATE_signed_char
  const k = `${signed ? 'int' : 'uint'}${size * 8}`
  return isIntKind(k as IntKind) ? (k as IntKind) : undefined
}

/** DW_AT_data_member_location: a constant, or (old producers) `DW_OP_plus_uconst n`. */
function memberOffset(m: Die): number {
  const v = attr(m, DW_AT.data_member_location)?.value
  if (v === undefined) return 0
  if (typeof v === 'number') return v
  if (v instanceof Uint8Array && v[0] === 0x23) {
    let result = 0
    let mul = 1
    for (let i = 1; i < v.length; i++) {
      result += (v[i]! & 0x7f) * mul
      if ((v[i]! & 0x80) === 0) return result
      mul *= 128
    }
  }
  throw new DwarfFormatError('member location is not a constant offset', '.debug_info', m.offset)
}
