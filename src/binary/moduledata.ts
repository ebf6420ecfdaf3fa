import { BinaryFormatError } from '../errors.ts'
import { ElfFile, PF_W, PF_X, PT_LOAD } from './elf.ts'
import { hex } from './bytes.ts'
import type { InlineNameReader } from './line-table.ts'
import type { Pclntab } from './pclntab.ts'

/**
 * The fields of `runtime.firstmoduledata` goprobe needs. Its first word points at
 * the pclntab, which is how it is found without symbols; every field used is
 * cross-checked against the pclntab before the struct is believed.
 */
export interface Moduledata {
  readonly vaddr: number
  /** Start of Go text: what Go 1.18+ functab entry offsets are relative to. */
  readonly text: number
  /** Lowest function entry (first functab entry). */
  readonly minpc: number
  readonly source: '.go.module' | 'runtime.firstmoduledata' | 'scan of data segments'
}

/**
 * Offsets of the cross-checked fields on amd64: one layout from 1.16 through 1.27
 * (pcHeader, five slices, then ftab), and before 1.16 the pclntable slice first.
 * Confirmed by the tests on go1.15, 1.16, 1.19, 1.21, 1.23, 1.26 and 1.27 binaries.
 */
const LAYOUTS = {
  old: { ftab: 24, minpc: 80, text: 96 },
  current: { ftab: 128, minpc: 160, text: 176 },
} as const
/** Candidates beyond this many are not examined: a real binary has one or two. */
const MAX_CANDIDATES = 64

/** Finds and validates moduledata; undefined when no candidate agrees with the pclntab. */
export function findModuledata(elf: ElfFile, pcln: Pclntab): Moduledata | undefined {
  const section = elf.section('.go.module')
  const fromSection = section && check(elf, pcln, section.addr, '.go.module')
  if (fromSection) return fromSection
  const symbol = elf.symbols().find((s) => s.name === 'runtime.firstmoduledata')
  const fromSymbol = symbol && check(elf, pcln, symbol.value, 'runtime.firstmoduledata')
  if (fromSymbol) return fromSymbol
  return findModuledataByScan(elf, pcln)
}

/** The symbol-free search alone: data words (or PIE relocations) pointing at the pclntab. */
export function findModuledataByScan(elf: ElfFile, pcln: Pclntab): Moduledata | undefined {
  let examined = 0
  for (const vaddr of candidates(elf, pcln.location.vaddr)) {
    const found = check(elf, pcln, vaddr, 'scan of data segments')
    if (found || ++examined >= MAX_CANDIDATES) return found
  }
  return undefined
}

/**
 * Pointer-aligned words in the writable segments equal to the pclntab address. In PIE
 * binaries that word is zero in the file and set by a relative relocation, so
 * relocation targets are candidates too.
 */
function* candidates(elf: ElfFile, pclntabVaddr: number): Generator<number> {
  for (const [target, addend] of elf.relativeRelocations()) if (addend === pclntabVaddr) yield target
  const low = pclntabVaddr % 2 ** 32
  const high = Math.floor(pclntabVaddr / 2 ** 32)
  for (const seg of elf.segments) {
    if (seg.type !== PT_LOAD || !(seg.flags & PF_W) || seg.flags & PF_X) continue
    const bytes = elf.source.read(seg.offset, seg.filesz, 'data segment')
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const skew = (8 - (seg.vaddr % 8)) % 8
    for (let at = skew; at + 8 <= bytes.length; at += 8) {
      if (view.getUint32(at, true) === low && view.getUint32(at + 4, true) === high) yield seg.vaddr + at
    }
  }
}

function check(elf: ElfFile, pcln: Pclntab, vaddr: number, source: Moduledata['source']): Moduledata | undefined {
  const layout = pcln.header.format === 'go1.2' ? LAYOUTS.old : LAYOUTS.current
  try {
    if (elf.readPointer(vaddr) !== pcln.location.vaddr) return undefined
    if (elf.readPointer(vaddr + layout.ftab) !== pcln.functabVaddr) return undefined
    if (elf.readPointer(vaddr + layout.ftab + 8) !== pcln.count + 1) return undefined
    const minpc = elf.readPointer(vaddr + layout.minpc)
    const text = elf.readPointer(vaddr + layout.text)
    const firstEntry = pcln.entriesAreRelative ? text + pcln.rawEntry(0) : pcln.rawEntry(0)
    if (minpc !== firstEntry || text > minpc) return undefined
    const code = elf.segmentForVaddr(text)
    if (!code || !(code.flags & PF_X)) return undefined
    return { vaddr, text, minpc, source }
  } catch (e) {
    // A candidate whose fields point outside the file is simply not moduledata.
    if (e instanceof BinaryFormatError) return undefined
    throw e
  }
}

/**
 * Where the descriptors a module lists are, from which every other descriptor is reached.
 * Before 1.27, two slices: `typelinks []int32` (offsets from `types` of the unnamed
 * composite types) and `itablinks []*itab`. From 1.27 the linker lays those descriptors
 * out back to back at the start of the types range instead, followed by the other
 * descriptors and then the itabs, and records where each run ends.
 */
export type TypeRoots =
  | {
    readonly form: 'lists'
    readonly typelinks: { readonly vaddr: number; readonly count: number }
    /** Each itab names an interface type (+0) and a concrete type (+8). */
    readonly itablinks: { readonly vaddr: number; readonly count: number }
  }
  | {
    readonly form: 'ranges'
    /** [start, end): the typelink descriptors, each at the next 8-aligned address after the previous one. */
    readonly typelinkDescriptors: { readonly start: number; readonly end: number }
    /** [start, end): the itabs, back to back. */
    readonly itabs: { readonly start: number; readonly end: number }
  }

/** Where the runtime type metadata of one module is: the descriptors and their roots. */
export interface TypeSections {
  /** [types, etypes): every type descriptor and name record; nameOff/typeOff are relative to `types`. */
  readonly types: number
  readonly etypes: number
  readonly roots: TypeRoots
  /** moduledata.gofunc (go:func.*, where inline trees are), 1.18+; undefined before. */
  readonly gofunc?: number
  /** Which moduledata layout matched, for messages. */
  readonly layout: string
}

/**
 * Offsets in moduledata per layout (go-internals.md §6, checked against runtime/symtab.go
 * of 1.19, 1.20, 1.21, 1.23, 1.24, 1.25, 1.26 and 1.27). 1.18 added rodata and gofunc,
 * 1.20 covctrs, 1.26 epclntab (which moves the two lists but not types). 1.27 replaced
 * the two lists by `typedesclen` between types and etypes and `itaboffset, itabsize`
 * after etypes, which moves gofunc.
 */
interface ListsLayout { readonly name: string; readonly form: 'lists'; readonly types: number; readonly typelinks: number; readonly itablinks: number; readonly gofunc?: number }
interface RangesLayout { readonly name: string; readonly form: 'ranges'; readonly types: number; readonly gofunc: number }
type ModuleTypeLayout = ListsLayout | RangesLayout

const TYPE_LAYOUTS: Record<Pclntab['header']['format'], readonly ModuleTypeLayout[]> = {
  'go1.2': [{ name: 'go1.13-1.15', form: 'lists', types: 200, typelinks: 240, itablinks: 264 }],
  'go1.16': [{ name: 'go1.16-1.17', form: 'lists', types: 280, typelinks: 320, itablinks: 344 }],
  'go1.18': [{ name: 'go1.18-1.19', form: 'lists', types: 280, typelinks: 336, itablinks: 360, gofunc: 304 }],
  'go1.20': [
    { name: 'go1.20-1.25', form: 'lists', types: 296, typelinks: 352, itablinks: 376, gofunc: 320 },
    { name: 'go1.26', form: 'lists', types: 296, typelinks: 360, itablinks: 384, gofunc: 320 },
    { name: 'go1.27', form: 'ranges', types: 296, gofunc: 344 },
  ],
}

/**
 * The type metadata ranges of a validated moduledata. The layout is chosen by the pclntab
 * format; where one format spans several layouts, the one whose fields are well formed
 * wins (they exclude each other: where one layout has an address, the next has a length
 * or a slice header that fails its checks). BinaryFormatError when none is.
 */
export function readTypeSections(elf: ElfFile, md: Moduledata, pcln: Pclntab): TypeSections {
  const problems: string[] = []
  for (const layout of TYPE_LAYOUTS[pcln.header.format]) {
    try {
      return layout.form === 'lists' ? readListsLayout(elf, md, layout) : readRangesLayout(elf, md, layout)
    } catch (e) {
      if (!(e instanceof BinaryFormatError)) throw e
      problems.push(`${layout.name}: ${e.message}`)
    }
  }
  throw new BinaryFormatError(`moduledata at ${hex(md.vaddr)} has no readable type metadata (${problems.join('; ')})`)
}

function readListsLayout(elf: ElfFile, md: Moduledata, layout: ListsLayout): TypeSections {
  const types = elf.readPointer(md.vaddr + layout.types)
  const etypes = elf.readPointer(md.vaddr + layout.types + 8)
  checkTypesRange(elf, types, etypes)
  const typelinks = slice(elf, md.vaddr + layout.typelinks, 4)
  const itablinks = slice(elf, md.vaddr + layout.itablinks, 8)
  const gofunc = layout.gofunc === undefined ? undefined : elf.readPointer(md.vaddr + layout.gofunc)
  return { types, etypes, roots: { form: 'lists', typelinks, itablinks }, ...(gofunc === undefined ? {} : { gofunc }), layout: layout.name }
}

/** `types, typedesclen, etypes, itaboffset, itabsize`: the two lengths and the offset must fall inside the range, in that order. */
function readRangesLayout(elf: ElfFile, md: Moduledata, layout: RangesLayout): TypeSections {
  const word = (i: number) => elf.readPointer(md.vaddr + layout.types + i * 8)
  const [types, typedesclen, etypes, itaboffset, itabsize] = [word(0), word(1), word(2), word(3), word(4)]
  checkTypesRange(elf, types, etypes)
  const size = etypes - types
  if (!(typedesclen >= 8 && typedesclen <= itaboffset && itaboffset % 8 === 0 && itaboffset + itabsize <= size)) {
    throw new BinaryFormatError(`typedesclen ${typedesclen}, itaboffset ${itaboffset} and itabsize ${itabsize} do not fit the ${size}-byte types range`)
  }
  return {
    types, etypes,
    roots: { form: 'ranges', typelinkDescriptors: { start: types, end: types + typedesclen }, itabs: { start: types + itaboffset, end: types + itaboffset + itabsize } },
    gofunc: elf.readPointer(md.vaddr + layout.gofunc),
    layout: layout.name,
  }
}

function checkTypesRange(elf: ElfFile, types: number, etypes: number): void {
  if (!(types < etypes) || elf.segmentForVaddr(types) !== elf.segmentForVaddr(etypes - 1) || !elf.segmentForVaddr(types)) {
    throw new BinaryFormatError(`types range ${hex(types)}..${hex(etypes)} is not one mapped range`)
  }
}

/** A Go slice header whose elements are `size` bytes; len must equal cap and the elements be mapped. */
function slice(elf: ElfFile, at: number, size: number): { vaddr: number; count: number } {
  const vaddr = elf.readPointer(at)
  const count = elf.readPointer(at + 8)
  const cap = elf.readPointer(at + 16)
  if (count !== cap || count > 1 << 24) throw new BinaryFormatError(`slice at ${hex(at)} has len ${count} and cap ${cap}`)
  if (count > 0) {
    const seg = elf.segmentForVaddr(vaddr)
    if (!seg || vaddr + count * size > seg.vaddr + seg.memsz) throw new BinaryFormatError(`slice at ${hex(at)} points outside the mapped segments`)
  }
  return { vaddr, count }
}

/**
 * Inline trees (Go 1.18+) live in go:func.*, at offsets from moduledata.gofunc. An entry
 * names the inlined function by its offset in the function name table: at +4 of 16-byte
 * entries from 1.20, at +12 of 20-byte entries in 1.18-1.19. Undefined when moduledata
 * cannot be read, so line tables still work, only without the inlined functions' names.
 */
export function inlineNameReader(elf: ElfFile, pcln: Pclntab): InlineNameReader | undefined {
  const read = inlinedCallReader(elf, pcln)
  return read && ((tree, index) => read(tree, index)?.name)
}

/** One entry of an inline tree: the inlined function, and the caller's pc offset (from its entry) of the call. */
export interface InlinedCall {
  readonly name: string
  readonly parentPc: number
}

/** Reads entry `index` of the inline tree at `tree` (an offset from moduledata.gofunc). */
export type InlinedCallReader = (tree: number, index: number) => InlinedCall | undefined

/**
 * Like inlineNameReader, with the parent pc that leads to the next outer frame: at +8 of
 * the 16-byte entries from 1.20 (funcID, pad, nameOff, parentPc, startLine), at +16 of the
 * 20-byte entries of 1.18-1.19 (parent, funcID, pad, file, line, nameOff, parentPc).
 */
export function inlinedCallReader(elf: ElfFile, pcln: Pclntab): InlinedCallReader | undefined {
  const format = pcln.header.format
  if (format !== 'go1.18' && format !== 'go1.20') return undefined
  const md = findModuledata(elf, pcln)
  if (!md) return undefined
  let gofunc: number | undefined
  try {
    gofunc = readTypeSections(elf, md, pcln).gofunc
  } catch (e) {
    if (e instanceof BinaryFormatError) return undefined
    throw e
  }
  if (gofunc === undefined) return undefined
  const base = gofunc
  const [size, nameAt, parentPcAt] = format === 'go1.20' ? [16, 4, 8] : [20, 12, 16]
  return (tree, index) => {
    try {
      const entry = elf.readVaddr(base + tree + index * size, size)
      const view = new DataView(entry.buffer, entry.byteOffset, size)
      return { name: pcln.functionName(view.getInt32(nameAt, true)), parentPc: view.getInt32(parentPcAt, true) }
    } catch (e) {
      if (e instanceof BinaryFormatError) return undefined
      throw e
    }
  }
}
