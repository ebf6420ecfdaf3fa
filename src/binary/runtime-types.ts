/**
 * Go's runtime type metadata (`runtime._type`, `internal/abi.Type` from 1.21) read
 * from a binary without symbols or DWARF: the type descriptors reachable from
 * moduledata's typelinks and itablinks (from 1.27, the typelink descriptors and itabs
 * laid out back to back; see TypeRoots). Layouts and encodings are described in
 * go-internals.md §6; every fact is checked for bounds, so a corrupted descriptor
 * gives a BinaryFormatError, never a crash or a loop.
 */
import { BinaryFormatError, UnsupportedError } from '../errors.ts'
import { alignUp } from '../gotypes/layout.ts'
import type { GoType, IntKind, Param, Signature, StructField } from '../gotypes/types.ts'
import { Reader, hex } from './bytes.ts'
import type { ElfFile } from './elf.ts'
import type { GoBinary } from './go-binary.ts'
import { atLeast, type GoVersion } from './go-version.ts'
import { findModuledata, readTypeSections, type TypeSections } from './moduledata.ts'
import { qualifiedName, readTypeName, type NameEncoding } from './type-names.ts'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** What differs between Go versions in the descriptors goprobe reads. */
export interface RuntimeTypeLayout {
  readonly nameEncoding: NameEncoding
  /** 1.19+: struct field embedding is a name flag; before, bit 0 of `offsetAnon` (offset<<1). */
  readonly embeddedInName: boolean
  /**
   * Bytes of a map descriptor before its uncommon type: 1.13 80, 1.14+ 88, swiss maps
   * (1.24+) 112, 1.27 136 (the slot geometry became KeysOff, KeyStride, ElemsOff, ElemStride, ElemOff).
   */
  readonly mapDescriptorSize: number
  /**
   * Set when the binary's Go is newer than every release checked here and this is the
   * newest checked layout, taken on trust: the release it belongs to, e.g. `Go 1.27`.
   * Its user must have the binary confirm it (see confirmAssumedLayout) before believing it.
   */
  readonly assumedFrom?: string
}

/** The newest Go 1.x release whose descriptors have been checked against a real toolchain. */
export const NEWEST_RUNTIME_TYPES_MINOR = 27

/**
 * The descriptor layout of a Go version. Pre-releases and development toolchains get
 * their release's layout: every read is bounds-checked, so a layout that moved shows
 * up as an error, not as garbage. A Go 1 release newer than 1.27 gets 1.27's layout
 * marked as assumed; before 1.13 or beyond Go 1, UnsupportedError rather than a guess.
 */
export function runtimeTypeLayout(v: GoVersion, experiments: readonly string[]): RuntimeTypeLayout {
  if (v.major !== 1 || v.minor < 13) {
    throw new UnsupportedError(`runtime type metadata of Go ${v.raw} is not known (goprobe reads Go 1.13 to 1.${NEWEST_RUNTIME_TYPES_MINOR})`)
  }
  const newer = v.minor > NEWEST_RUNTIME_TYPES_MINOR
  const swiss = atLeast(v, 1, 26) || (atLeast(v, 1, 24) && !experiments.includes('noswissmap'))
  return {
    nameEncoding: atLeast(v, 1, 17) ? 'uvarint' : 'big-endian-u16',
    embeddedInName: atLeast(v, 1, 19),
    mapDescriptorSize: atLeast(v, 1, 27) ? 136 : swiss ? 112 : atLeast(v, 1, 14) ? 88 : 80,
    ...(newer ? { assumedFrom: `Go 1.${NEWEST_RUNTIME_TYPES_MINOR}` } : {}),
  }
}

// The common header (48 bytes on amd64 in every supported version).
const HEADER_SIZE = 48
const OFF_SIZE = 0
const OFF_TFLAG = 20
const OFF_ALIGN = 21
const OFF_KIND = 23
const OFF_STR = 40
const TFLAG_UNCOMMON = 1 << 0
const TFLAG_EXTRA_STAR = 1 << 1
const TFLAG_NAMED = 1 << 2
const KIND_MASK = 0x1f
const UNCOMMON_SIZE = 16
const STRUCT_FIELD_SIZE = 24
/** internal/abi.Method: name, mtyp, ifn, tfn offsets. */
const METHOD_SIZE = 16
/** internal/abi.Imethod: name and typ offsets. */
const IMETHOD_SIZE = 8
/** internal/abi.ITab up to and including its first method pointer. */
const ITAB_SIZE = 32
const VARIADIC = 0x8000

const BASIC_KINDS: readonly (IntKind | 'bool' | 'float32' | 'float64' | 'complex64' | 'complex128' | undefined)[] = [
  undefined, 'bool', 'int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr',
  'float32', 'float64', 'complex64', 'complex128',
]
const KIND = { array: 17, chan: 18, func: 19, interface: 20, map: 21, pointer: 22, slice: 23, string: 24, struct: 25, unsafePointer: 26 } as const

/** The fixed part of one descriptor. */
interface Header {
  readonly addr: number
  readonly size: number
  readonly align: number
  readonly tflag: number
  readonly kind: number
}

/**
 * The [types, etypes) range read once into memory: descriptors and names live there, and
 * reading them from the file one field at a time would dominate the cost of the index.
 */
class TypeMemory {
  private readonly reader: Reader

  constructor(private readonly elf: ElfFile, readonly start: number, readonly end: number) {
    this.reader = new Reader(elf.readVaddr(start, end - start), elf.vaddrToOffset(start) ?? 0, 'type metadata')
  }

  private at(vaddr: number, n: number): number {
    if (!(vaddr >= this.start && vaddr + n <= this.end)) {
      throw new BinaryFormatError(`type metadata reference ${hex(vaddr)} is outside the types range ${hex(this.start)}..${hex(this.end)}`)
    }
    return vaddr - this.start
  }

  u8(vaddr: number): number { return this.reader.u8(this.at(vaddr, 1)) }
  u16(vaddr: number): number { return this.reader.u16(this.at(vaddr, 2)) }
  u32(vaddr: number): number { return this.reader.u32(this.at(vaddr, 4)) }
  i32(vaddr: number): number { return this.reader.i32(this.at(vaddr, 4)) }
  u64(vaddr: number): number { return this.reader.u64(this.at(vaddr, 8)) }
  bytes(vaddr: number, length: number): Uint8Array { return this.reader.slice(this.at(vaddr, length), length) }

  /** A pointer field: PIE binaries hold zero in the file and an R_X86_64_RELATIVE relocation. */
  pointer(vaddr: number): number {
    return this.elf.relativeRelocations().get(vaddr) ?? this.u64(vaddr)
  }

  /** A pointer that must lead to a descriptor or name in this range. */
  reference(vaddr: number, what: string): number {
    const target = this.pointer(vaddr)
    if (!(target >= this.start && target < this.end)) throw new BinaryFormatError(`${what} at ${hex(vaddr)} points outside the type metadata (${hex(target)})`)
    return target
  }

  /** A nameOff/typeOff: an int32 offset from the start of the range. */
  offset(vaddr: number, what: string): number {
    const off = this.i32(vaddr)
    if (off < 0 || off >= this.end - this.start) throw new BinaryFormatError(`${what} at ${hex(vaddr)} is out of range (${off})`)
    return this.start + off
  }
}

/**
 * Named types by full name, read lazily from the runtime type metadata: the index is
 * built on the first lookup by one walk over every descriptor reachable from the
 * roots; a type is converted to the shared model only when asked for.
 */
export class RuntimeTypes {
  private indexCache?: ReadonlyMap<string, number>
  private readonly byAddress = new Map<number, GoType>()

  private constructor(
    private readonly mem: TypeMemory,
    /** Where the metadata is; `sections.types` is the base of every nameOff and typeOff. */
    readonly sections: TypeSections,
    private readonly elf: ElfFile,
    readonly layout: RuntimeTypeLayout,
  ) {}

  /**
   * The runtime types of a Go binary. UnsupportedError when its Go version is unknown or
   * outside the known layouts; BinaryFormatError when moduledata or its type ranges are unreadable.
   */
  static open(binary: GoBinary): RuntimeTypes {
    const v = binary.goVersion
    if (!v) throw new UnsupportedError(`${binary.path}: the Go version is unknown, so the layout of its runtime type metadata is too`)
    const layout = runtimeTypeLayout(v, binary.experiments)
    const md = findModuledata(binary.elf, binary.pclntab)
    if (!md) throw new BinaryFormatError(`${binary.path}: no moduledata agrees with the pclntab, so runtime type metadata cannot be found`)
    const sections = readTypeSections(binary.elf, md, binary.pclntab)
    return new RuntimeTypes(new TypeMemory(binary.elf, sections.types, sections.etypes), sections, binary.elf, layout)
  }

  /** The named type `name` (`net/http.Request`, `main.T`), or undefined when no descriptor has that name. */
  lookupType(name: string): GoType | undefined {
    const addr = this.index.get(name)
    return addr === undefined ? undefined : this.typeAt(addr)
  }

  /** Every named type the metadata holds, for "did you mean" suggestions. */
  typeNames(): Iterable<string> {
    return this.index.keys()
  }

  /** Full name -> descriptor address of every named type reachable from typelinks and itablinks. */
  get index(): ReadonlyMap<string, number> {
    return (this.indexCache ??= this.buildIndex())
  }

  private buildIndex(): Map<string, number> {
    const index = new Map<string, number>()
    const seen = new Set<number>()
    const todo = this.roots()
    while (todo.length > 0) {
      const addr = todo.pop()!
      if (seen.has(addr)) continue
      seen.add(addr)
      const h = this.header(addr)
      if (h.tflag & TFLAG_NAMED) {
        const name = this.fullName(h)
        if (!index.has(name)) index.set(name, addr)
      }
      for (const r of this.references(h)) todo.push(r)
    }
    return index
  }

  /** Descriptors the module lists: typelinks (unnamed composites) and both types of every itab. */
  private roots(): number[] {
    const roots = this.sections.roots
    if (roots.form === 'ranges') return [...this.typelinkDescriptors(roots.typelinkDescriptors), ...this.itabTypes(roots.itabs)]
    const { types } = this.sections
    const { typelinks, itablinks } = roots
    const out: number[] = []
    const links = new Reader(this.elf.readVaddr(typelinks.vaddr, typelinks.count * 4), 0, 'typelinks')
    for (let i = 0; i < typelinks.count; i++) {
      const off = links.i32(i * 4)
      if (off < 0 || types + off >= this.sections.etypes) throw new BinaryFormatError(`typelinks[${i}] = ${off} is outside the types range`)
      out.push(types + off)
    }
    for (let i = 0; i < itablinks.count; i++) out.push(...this.itabTypesAt(this.elf.readPointer(itablinks.vaddr + i * 8)))
    return out
  }

  /**
   * 1.27+: the typelink descriptors lie back to back, each at the next 8-aligned address,
   * from one word past `types` (as the runtime walks them). The walk must land exactly on
   * the recorded end: a descriptor size goprobe computed wrong cannot go unnoticed.
   */
  private typelinkDescriptors(range: { start: number; end: number }): number[] {
    const out: number[] = []
    let at = range.start + 8
    while (at < range.end) {
      at = alignUp(at, 8)
      out.push(at)
      at += this.extent(this.header(at))
    }
    if (at !== range.end) throw new BinaryFormatError(`the typelink descriptors run to ${hex(at)}, not to ${hex(range.end)} where moduledata ends them`)
    return out
  }

  /** 1.27+: the itabs lie back to back; an itab's size follows from its interface's method count. */
  private itabTypes(range: { start: number; end: number }): number[] {
    const out: number[] = []
    let at = range.start
    while (at < range.end) {
      at = alignUp(at, 8)
      const [inter, type] = this.itabTypesAt(at)
      out.push(inter, type)
      at += this.itabSize(at, inter)
    }
    if (at !== range.end) throw new BinaryFormatError(`the itabs run to ${hex(at)}, not to ${hex(range.end)} where moduledata ends them`)
    return out
  }

  /** An itab's interface type (+0) and concrete type (+8). */
  private itabTypesAt(itab: number): [number, number] {
    const types = [itab, itab + 8].map((at) => this.elf.readPointer(at))
    for (const t of types) {
      if (!(t >= this.mem.start && t < this.mem.end)) throw new BinaryFormatError(`itab at ${hex(itab)} refers to ${hex(t)}, outside the types range`)
    }
    return [types[0]!, types[1]!]
  }

  /**
   * Inter, Type, Hash, then one method pointer per interface method; an itab of a type
   * that does not implement the interface keeps only the first, zeroed.
   */
  private itabSize(itab: number, inter: number): number {
    if (this.mem.pointer(itab + 24) === 0) return ITAB_SIZE
    const h = this.header(inter)
    if (h.kind !== KIND.interface) throw new BinaryFormatError(`itab at ${hex(itab)} has a non-interface type at ${hex(inter)} (kind ${h.kind})`)
    const methods = this.mem.u64(inter + HEADER_SIZE + 16)
    if (methods === 0 || methods > 1 << 16) throw new BinaryFormatError(`itab at ${hex(itab)}: its interface ${hex(inter)} has ${methods} methods`)
    return ITAB_SIZE + (methods - 1) * 8
  }

  /**
   * The bytes one descriptor takes: its kind's fixed part, its uncommon type, what follows
   * both (parameter types, interface methods, struct fields), then its methods.
   */
  private extent(h: Header): number {
    let trailing: number
    switch (h.kind) {
      case KIND.func: {
        const { inCount, outCount } = this.funcCounts(h)
        trailing = (inCount + outCount) * 8
        break
      }
      case KIND.interface: trailing = this.count(h.addr + HEADER_SIZE + 16, 'interface methods') * IMETHOD_SIZE; break
      case KIND.struct: trailing = this.count(h.addr + HEADER_SIZE + 16, 'struct fields') * STRUCT_FIELD_SIZE; break
      default:
        if (h.kind === 0 || h.kind > KIND.unsafePointer) throw new BinaryFormatError(`type descriptor at ${hex(h.addr)} has unknown kind ${h.kind}`)
        trailing = 0
    }
    const methods = h.tflag & TFLAG_UNCOMMON ? UNCOMMON_SIZE + this.mem.u16(h.addr + this.descriptorSize(h.kind) + 4) * METHOD_SIZE : 0
    return this.descriptorSize(h.kind) + trailing + methods
  }

  /** A slice length inside a descriptor, bounded so that sizes computed from it stay exact. */
  private count(at: number, what: string): number {
    const n = this.mem.u64(at)
    if (n > 1 << 24) throw new BinaryFormatError(`${what} at ${hex(at)}: ${n} is not a plausible count`)
    return n
  }

  private header(addr: number): Header {
    const size = this.mem.u64(addr + OFF_SIZE)
    const align = this.mem.u8(addr + OFF_ALIGN)
    if (align === 0 || (align & (align - 1)) !== 0 || align > 64) throw new BinaryFormatError(`type descriptor at ${hex(addr)} has alignment ${align}`)
    return { addr, size, align, tflag: this.mem.u8(addr + OFF_TFLAG), kind: this.mem.u8(addr + OFF_KIND) & KIND_MASK }
  }

  /** Bytes of the kind-specific descriptor, i.e. where its uncommon type starts. */
  private descriptorSize(kind: number): number {
    switch (kind) {
      case KIND.pointer: case KIND.slice: case KIND.func: return HEADER_SIZE + 8
      case KIND.chan: return HEADER_SIZE + 16
      case KIND.array: return HEADER_SIZE + 24
      case KIND.interface: case KIND.struct: return HEADER_SIZE + 32
      case KIND.map: return this.layout.mapDescriptorSize
      default: return HEADER_SIZE
    }
  }

  private fullName(h: Header): string {
    let str = readTypeName(this.mem, this.mem.offset(h.addr + OFF_STR, 'type name offset'), this.layout.nameEncoding).text
    if (h.tflag & TFLAG_EXTRA_STAR && str.startsWith('*')) str = str.slice(1)
    if (!(h.tflag & TFLAG_UNCOMMON)) return str
    const uncommon = h.addr + this.descriptorSize(h.kind)
    const pkgPathOff = this.mem.i32(uncommon)
    if (pkgPathOff === 0) return str
    const pkgPath = readTypeName(this.mem, this.mem.offset(uncommon, 'package path offset'), this.layout.nameEncoding).text
    return qualifiedName(str, pkgPath)
  }

  /** Descriptors this one refers to: elements, keys, fields, parameters, method types. */
  private references(h: Header): number[] {
    const out: number[] = []
    const a = h.addr
    switch (h.kind) {
      case KIND.pointer: case KIND.slice: case KIND.array: case KIND.chan:
        out.push(this.mem.reference(a + HEADER_SIZE, 'element type'))
        break
      case KIND.map:
        out.push(this.mem.reference(a + HEADER_SIZE, 'map key type'), this.mem.reference(a + HEADER_SIZE + 8, 'map element type'))
        break
      case KIND.struct:
        for (const f of this.fieldRecords(a)) out.push(this.mem.reference(f + 8, 'field type'))
        break
      case KIND.func:
        for (const p of this.funcParams(h).all) out.push(p)
        break
      case KIND.interface: {
        const [methods, count] = this.sliceHeader(a + HEADER_SIZE + 8, 8)
        for (let i = 0; i < count; i++) out.push(this.mem.offset(methods + i * 8 + 4, 'interface method type'))
        break
      }
    }
    if (h.tflag & TFLAG_UNCOMMON) for (const m of this.methodTypes(h)) out.push(m)
    return out
  }

  /** Types of the methods an uncommon type lists; the linker marks dropped ones with offset -1. */
  private methodTypes(h: Header): number[] {
    const uncommon = h.addr + this.descriptorSize(h.kind)
    const count = this.mem.u16(uncommon + 4)
    const methods = uncommon + this.mem.u32(uncommon + 8)
    const out: number[] = []
    for (let i = 0; i < count; i++) {
      const at = methods + i * 16 + 4
      if (this.mem.i32(at) > 0) out.push(this.mem.offset(at, 'method type'))
    }
    return out
  }

  /** A slice header inside the metadata whose elements lie inside it too. */
  private sliceHeader(at: number, elemSize: number): [number, number] {
    const count = this.mem.u64(at + 8)
    if (count === 0) return [0, 0]
    const data = this.mem.reference(at, 'slice data')
    if (data + count * elemSize > this.mem.end) throw new BinaryFormatError(`slice at ${hex(at)} (${count} elements) runs past the type metadata`)
    return [data, count]
  }

  private fieldRecords(structAddr: number): number[] {
    const [fields, count] = this.sliceHeader(structAddr + HEADER_SIZE + 8, STRUCT_FIELD_SIZE)
    return Array.from({ length: count }, (_, i) => fields + i * STRUCT_FIELD_SIZE)
  }

  /** A func descriptor's parameter and result types, stored after it (and after its uncommon type). */
  private funcParams(h: Header): { ins: number[]; outs: number[]; all: number[]; variadic: boolean } {
    const { inCount, outCount, variadic } = this.funcCounts(h)
    const start = h.addr + this.descriptorSize(KIND.func) + (h.tflag & TFLAG_UNCOMMON ? UNCOMMON_SIZE : 0)
    const all = Array.from({ length: inCount + outCount }, (_, i) => this.mem.reference(start + i * 8, 'parameter type'))
    return { ins: all.slice(0, inCount), outs: all.slice(inCount), all, variadic }
  }

  private funcCounts(h: Header): { inCount: number; outCount: number; variadic: boolean } {
    const outWord = this.mem.u16(h.addr + HEADER_SIZE + 2)
    return { inCount: this.mem.u16(h.addr + HEADER_SIZE), outCount: outWord & ~VARIADIC, variadic: (outWord & VARIADIC) !== 0 }
  }

  /**
   * The descriptor at `addr` in the shared model. Nodes are memoized by address and
   * created before what they refer to, so cycles through pointers become cyclic graphs.
   */
  typeAt(addr: number): GoType {
    const known = this.byAddress.get(addr)
    if (known) return known
    const created: number[] = []
    const pending: (() => void)[] = []
    try {
      const t = this.shell(addr, created, pending)
      while (pending.length > 0) pending.pop()!()
      return t
    } catch (e) {
      // A failure half-way must not leave half-filled nodes behind for later lookups.
      for (const a of created) this.byAddress.delete(a)
      throw e
    }
  }

  private shell(addr: number, created: number[], pending: (() => void)[]): GoType {
    const known = this.byAddress.get(addr)
    if (known) return known
    const node = {} as GoType
    this.byAddress.set(addr, node)
    created.push(addr)
    const ref = (target: number) => this.shell(target, created, pending)
    Object.assign(node, this.create(this.header(addr), node, (fill) => pending.push(() => fill(ref))))
    return node
  }

  /** The node's own facts; references are filled through `later` once the node is registered. */
  private create(h: Header, self: GoType, later: (fill: (ref: (addr: number) => GoType) => void) => void): GoType {
    const base = { size: h.size, align: h.align, ...(h.tflag & TFLAG_NAMED ? this.modelName(h) : {}) }
    const m = self as Mutable<GoType> & Record<string, unknown>
    const a = h.addr
    const basic = BASIC_KINDS[h.kind]
    if (basic) return { kind: basic, ...base } as GoType
    switch (h.kind) {
      case KIND.string: return { kind: 'string', ...base }
      case KIND.unsafePointer: return { kind: 'unsafe.Pointer', ...base }
      case KIND.pointer: case KIND.slice: case KIND.chan: {
        const elem = this.mem.reference(a + HEADER_SIZE, 'element type')
        later((ref) => { m.elem = ref(elem) })
        return { kind: h.kind === KIND.pointer ? 'pointer' : h.kind === KIND.slice ? 'slice' : 'chan', ...base } as GoType
      }
      case KIND.array: {
        const elem = this.mem.reference(a + HEADER_SIZE, 'element type')
        later((ref) => { m.elem = ref(elem) })
        return { kind: 'array', len: this.mem.u64(a + HEADER_SIZE + 16), ...base } as GoType
      }
      case KIND.map: {
        const key = this.mem.reference(a + HEADER_SIZE, 'map key type')
        const elem = this.mem.reference(a + HEADER_SIZE + 8, 'map element type')
        later((ref) => { m.key = ref(key); m.elem = ref(elem) })
        return { kind: 'map', ...base } as GoType
      }
      case KIND.interface:
        return { kind: 'interface', empty: this.mem.u64(a + HEADER_SIZE + 16) === 0, ...base }
      case KIND.func: {
        const { ins, outs, variadic } = this.funcParams(h)
        later((ref) => {
          const params: Param[] = ins.map((t) => ({ type: ref(t) }))
          const results: Param[] = outs.map((t) => ({ type: ref(t) }))
          const signature: Signature = { params, results, variadic, complete: true, source: 'runtime-types' }
          m.signature = signature
        })
        return { kind: 'func', ...base }
      }
      case KIND.struct: {
        const records = this.fieldRecords(a)
        const fields: StructField[] = records.map((f) => this.field(f))
        const types = records.map((f) => this.mem.reference(f + 8, 'field type'))
        later((ref) => { types.forEach((t, i) => { fields[i] = { ...fields[i]!, type: ref(t) } }) })
        return { kind: 'struct', fields, ...base }
      }
      default:
        throw new BinaryFormatError(`type descriptor at ${hex(a)} has unknown kind ${h.kind}`)
    }
  }

  /** A struct field's name, offset and embedding; its type is filled in later. */
  private field(record: number): StructField {
    const name = readTypeName(this.mem, this.mem.reference(record, 'field name'), this.layout.nameEncoding)
    const x = this.mem.u64(record + 16)
    const offset = this.layout.embeddedInName ? x : Math.floor(x / 2)
    const embedded = this.layout.embeddedInName ? name.embedded : x % 2 === 1
    return { name: name.text, offset, embedded } as StructField
  }

  /** Named types carry their full name, except predeclared ones (`int`, `string`), which the model leaves unnamed. */
  private modelName(h: Header): { name?: string } {
    const name = this.fullName(h)
    const kind = BASIC_KINDS[h.kind] ?? (h.kind === KIND.string ? 'string' : h.kind === KIND.unsafePointer ? 'unsafe.Pointer' : undefined)
    return name === kind ? {} : { name }
  }
}
