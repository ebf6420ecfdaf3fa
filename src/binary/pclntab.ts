import { BinaryFormatError } from '../errors.ts'
import { Reader, hex, latin1OrUtf8 } from './bytes.ts'
import { ElfFile, PF_X, PT_LOAD, type Segment } from './elf.ts'

/**
 * Go's pclntab (runtime function table): the one source of function names and
 * addresses that survives stripping. Layouts by magic (runtime/symtab.go, debug/gosym):
 *   0xfffffffb Go 1.2–1.15, 0xfffffffa 1.16–1.17, 0xfffffff0 1.18–1.19, 0xfffffff1 1.20+.
 */
export type PclntabFormat = 'go1.2' | 'go1.16' | 'go1.18' | 'go1.20'

const FORMATS = new Map<number, PclntabFormat>([
  [0xfffffffb, 'go1.2'],
  [0xfffffffa, 'go1.16'],
  [0xfffffff0, 'go1.18'],
  [0xfffffff1, 'go1.20'],
])

export interface PclntabHeader {
  readonly format: PclntabFormat
  /** Instruction size quantum: pc deltas in pc-value tables are multiples of it (1 on x86). */
  readonly minLC: number
  readonly nfunc: number
  /**
   * Go 1.18+: base of the functab's 32-bit entry offsets. Go 1.26 writes 0 here, so the
   * caller must supply the text start from moduledata. Always 0 before 1.18 (absolute entries).
   */
  readonly textStart: number
  /** Offsets from the header of the sub-tables (1.16+); 0 for go1.2, where everything is relative to the start. */
  readonly funcnameOffset: number
  readonly pctabOffset: number
  /** Offset of the functab from the header. */
  readonly functabOffset: number
  /**
   * Offset of the file table: Go 1.16+ a run of NUL-terminated names reached through the
   * compilation-unit table at `cutabOffset`; go1.2 a count followed by 32-bit offsets of
   * names from the table's start, indexed directly by pcfile values (cutabOffset is 0).
   */
  readonly filetabOffset: number
  readonly cutabOffset: number
}

/** Where the table was found: the reader's own evidence, for messages and tests. */
export type PclntabSource = '.gopclntab' | '.data.rel.ro.gopclntab' | 'scan of data segments'

export interface PclntabLocation {
  readonly vaddr: number
  /** The table's bytes: the whole section, or from the header to its segment's end. */
  readonly data: Uint8Array
  readonly source: PclntabSource
}

const SECTION_NAMES = ['.gopclntab', '.data.rel.ro.gopclntab'] as const
/** Header-shaped byte runs examined before the scan gives up: a real binary has one. */
const MAX_CANDIDATES = 64

/** Parses and validates the fixed header; BinaryFormatError when it is not a usable amd64 pclntab. */
export function parsePclntabHeader(data: Uint8Array, fileOffset: number): PclntabHeader {
  const r = new Reader(data, fileOffset, 'pclntab')
  const format = FORMATS.get(r.u32(0))
  if (!format) throw new BinaryFormatError(`pclntab has unknown magic ${hex(r.u32(0))}`, fileOffset)
  if (r.u8(4) !== 0 || r.u8(5) !== 0) throw new BinaryFormatError('pclntab header padding is not zero', fileOffset + 4)
  const minLC = r.u8(6)
  if (minLC !== 1) throw new BinaryFormatError(`pclntab instruction quantum is ${minLC}, not x86's 1`, fileOffset + 6)
  if (r.u8(7) !== 8) throw new BinaryFormatError(`pclntab pointer size is ${r.u8(7)}, not 8`, fileOffset + 7)
  const word = (i: number): number => r.u64(8 + 8 * i)
  let header: PclntabHeader
  let headerSize: number
  if (format === 'go1.2') {
    // The file table's offset is the word after the functab's closing entry.
    const filetabAt = 16 + word(0) * 16 + 8
    if (filetabAt + 4 > data.length) throw new BinaryFormatError('pclntab ends before its file table offset', fileOffset + filetabAt)
    const filetabOffset = r.u32(filetabAt)
    header = { format, minLC, nfunc: word(0), textStart: 0, funcnameOffset: 0, pctabOffset: 0, functabOffset: 16, filetabOffset, cutabOffset: 0 }
    headerSize = 16
  } else if (format === 'go1.16') {
    header = { format, minLC, nfunc: word(0), textStart: 0, funcnameOffset: word(2), cutabOffset: word(3), filetabOffset: word(4), pctabOffset: word(5), functabOffset: word(6) }
    headerSize = 64
  } else {
    header = { format, minLC, nfunc: word(0), textStart: word(2), funcnameOffset: word(3), cutabOffset: word(4), filetabOffset: word(5), pctabOffset: word(6), functabOffset: word(7) }
    headerSize = 72
  }
  const functabBytes = (header.nfunc + 1) * functabEntrySize(format)
  const sane =
    header.nfunc > 0 &&
    header.functabOffset >= headerSize &&
    header.functabOffset + functabBytes <= data.length &&
    (format === 'go1.2' || (header.funcnameOffset >= headerSize && header.funcnameOffset <= header.pctabOffset && header.pctabOffset <= header.functabOffset))
  if (!sane) throw new BinaryFormatError(`pclntab header has implausible counts or offsets (nfunc ${header.nfunc})`, fileOffset)
  return header
}

function functabEntrySize(format: PclntabFormat): number {
  return format === 'go1.18' || format === 'go1.20' ? 8 : 16
}

/**
 * Finds the pclntab: by section name, or (no section headers) by scanning the
 * non-executable loadable segments (read-only data, and the relro segment where
 * PIE builds before Go 1.26 put it) for a header that validates and whose functab
 * lies inside executable code.
 */
export function locatePclntab(elf: ElfFile): PclntabLocation | undefined {
  for (const name of SECTION_NAMES) {
    const section = elf.section(name)
    if (!section) continue
    const data = elf.sectionData(name) ?? new Uint8Array(0)
    parsePclntabHeader(data, section.offset)
    return { vaddr: section.addr, data, source: name }
  }
  return scanForPclntab(elf)
}

function scanForPclntab(elf: ElfFile): PclntabLocation | undefined {
  const code = elf.segments.filter((p) => p.type === PT_LOAD && p.flags & PF_X)
  let candidates = 0
  for (const seg of elf.segments.filter((p) => p.type === PT_LOAD && !(p.flags & PF_X))) {
    const bytes = elf.source.read(seg.offset, seg.filesz, 'segment scan')
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (let at = 0; at + 8 <= bytes.length; at += 4) {
      if (!FORMATS.has(view.getUint32(at, true)) || view.getUint16(at + 4, true) !== 0 || bytes[at + 6] !== 1 || bytes[at + 7] !== 8) continue
      // Each candidate costs a functab walk; a file full of fake headers must not make that quadratic.
      if (++candidates > MAX_CANDIDATES) return undefined
      const data = bytes.subarray(at)
      if (isValidTable(data, seg.offset + at, code)) return { vaddr: seg.vaddr + at, data, source: 'scan of data segments' }
    }
  }
  return undefined
}

function isValidTable(data: Uint8Array, fileOffset: number, code: readonly Segment[]): boolean {
  try {
    return functabLooksValid(data, parsePclntabHeader(data, fileOffset), code)
  } catch (e) {
    if (e instanceof BinaryFormatError) return false
    throw e
  }
}

/**
 * The check that tells a real table from bytes that happen to look like a header:
 * entries strictly increase and land inside executable code. Go 1.26 records no
 * text start, so there only the span of the offsets can be checked against code size.
 */
function functabLooksValid(data: Uint8Array, h: PclntabHeader, code: readonly Segment[]): boolean {
  const table = new FunctabView(data, h)
  const inCode = (pc: number): boolean => code.some((p) => pc >= p.vaddr && pc <= p.vaddr + p.memsz)
  const codeSize = code.reduce((n, p) => n + p.memsz, 0)
  let previous = -1
  for (let i = 0; i <= h.nfunc; i++) {
    const e = table.entry(i)
    if (e <= previous) return false
    previous = e
  }
  const relative = (h.format === 'go1.18' || h.format === 'go1.20') && h.textStart === 0
  return relative ? previous <= codeSize : inCode(h.textStart + table.entry(0)) && inCode(h.textStart + previous)
}

/** Raw functab access: entry (absolute, or offset from text start in 1.18+) and _func offset. */
class FunctabView {
  private readonly r: Reader
  private readonly wide: boolean
  constructor(
    data: Uint8Array,
    private readonly h: PclntabHeader,
  ) {
    this.r = new Reader(data, 0, 'pclntab functab')
    this.wide = functabEntrySize(h.format) === 16
  }
  entry(i: number): number {
    const at = this.h.functabOffset + i * (this.wide ? 16 : 8)
    return this.wide ? this.r.u64(at) : this.r.u32(at)
  }
  funcOffset(i: number): number {
    const at = this.h.functabOffset + i * (this.wide ? 16 : 8) + (this.wide ? 8 : 4)
    return this.wide ? this.r.u64(at) : this.r.u32(at)
  }
}

/** One function as the pclntab describes it. */
export interface PclntabFunction {
  readonly name: string
  readonly entry: number
  /** End of the function's code, padding excluded when known. */
  readonly end: number
  /** 'pcsp': last pc of the SP-delta table (exact); 'next-entry': next function's entry (includes padding). */
  readonly endSource: 'pcsp' | 'next-entry'
  /** Index in the functab, for pcsp() and other per-function tables. */
  readonly index: number
  /** The record's ASM flag (Go 1.19+): hand-written assembly, hence ABI0. False when the format has no flag. */
  readonly assembly: boolean
}

/** Offset of the `flag` byte in a _func record, per format; go1.2 records have none. */
const FLAG_OFFSET: Record<PclntabFormat, number | undefined> = { 'go1.2': undefined, 'go1.16': 41, 'go1.18': 37, 'go1.20': 41 }
const FUNC_FLAG_ASM = 0x4

/** Table offsets (from the pclntab's start; 0 for none) and the compilation unit of one function's source positions. */
export interface PositionTables {
  readonly entry: number
  readonly pcfile: number
  readonly pcln: number
  /** Index of the function's compilation unit in the CU table (Go 1.16+), which maps its file numbers to names. */
  readonly cuOffset: number
  readonly inlineIndex: number
  /**
   * Offset of the function's inline tree from moduledata.gofunc (FUNCDATA_InlTree), Go
   * 1.18+; undefined when the function inlines nothing or the format keeps absolute pointers.
   */
  readonly inlineTree: number | undefined
}

/** PCDATA_InlTreeIndex (runtime/symtab.go): which inlined call, if any, a pc belongs to. */
const PCDATA_INL_TREE_INDEX = 2
/** FUNCDATA_InlTree: the inlined calls of a function, indexed by PCDATA_InlTreeIndex. */
const FUNCDATA_INL_TREE = 3
/** Offset of `nfuncdata` in a _func record of the formats whose funcdata are gofunc offsets (1.18+). */
const NFUNCDATA_OFFSET: Partial<Record<PclntabFormat, number>> = { 'go1.18': 39, 'go1.20': 43 }

/** Offsets in a _func record of the fields the position tables need, per format (runtime2.go `_func`). */
const POSITION_FIELDS: Record<PclntabFormat, { pcfile: number; pcln: number; npcdata: number; cuOffset?: number; pcdata: number }> = {
  'go1.2': { pcfile: 24, pcln: 28, npcdata: 32, pcdata: 40 },
  'go1.16': { pcfile: 24, pcln: 28, npcdata: 32, cuOffset: 36, pcdata: 44 },
  'go1.18': { pcfile: 20, pcln: 24, npcdata: 28, cuOffset: 32, pcdata: 40 },
  // Go 1.20 added startLine after cuOffset.
  'go1.20': { pcfile: 20, pcln: 24, npcdata: 28, cuOffset: 32, pcdata: 44 },
}

/** A run of pcs [start, end) over which a pc-value table has one value. */
export interface PcValueRun {
  readonly start: number
  readonly end: number
  readonly value: number
}

/**
 * A decoded pclntab with the text start it is relative to. Function records are
 * decoded on first use; a corrupted record raises BinaryFormatError naming it.
 */
export class Pclntab {
  private readonly r: Reader
  private readonly functab: FunctabView
  private decoded?: readonly PclntabFunction[]
  /** File names by table offset: many functions share each. */
  private readonly fileNames = new Map<number, string>()

  constructor(
    readonly location: PclntabLocation,
    readonly header: PclntabHeader,
    /** Address the 1.18+ entry offsets are relative to; ignored by older formats. */
    readonly textStart: number,
  ) {
    this.r = new Reader(location.data, 0, 'pclntab')
    this.functab = new FunctabView(location.data, header)
  }

  get count(): number {
    return this.header.nfunc
  }

  /** Whether functab entries are offsets from the text start (Go 1.18+). */
  get entriesAreRelative(): boolean {
    return this.header.format === 'go1.18' || this.header.format === 'go1.20'
  }

  /** Absolute entry of functab slot i (slot nfunc is the end of the last function). */
  entry(i: number): number {
    return (this.entriesAreRelative ? this.textStart : 0) + this.functab.entry(i)
  }

  /** Raw functab value of slot i (an offset from text in 1.18+), for cross-checks such as moduledata's. */
  rawEntry(i: number): number {
    return this.functab.entry(i)
  }

  /** Address of the functab inside the mapped table; moduledata's ftab slice points here. */
  get functabVaddr(): number {
    return this.location.vaddr + this.header.functabOffset
  }

  functions(): readonly PclntabFunction[] {
    if (this.decoded) return this.decoded
    const out: PclntabFunction[] = []
    let nextEntry = this.entry(0)
    for (let i = 0; i < this.header.nfunc; i++) {
      const entry = nextEntry
      nextEntry = this.entry(i + 1)
      if (nextEntry <= entry) throw new BinaryFormatError(`pclntab functab entry ${i + 1} (${hex(nextEntry)}) does not follow entry ${i} (${hex(entry)})`)
      const func = this.funcRecord(i, entry)
      const spEnd = this.pcValueEnd(func.pcsp, entry)
      const exact = spEnd !== undefined && spEnd > entry && spEnd <= nextEntry
      out.push({ name: func.name, entry, end: exact ? spEnd : nextEntry, endSource: exact ? 'pcsp' : 'next-entry', index: i, assembly: func.assembly })
    }
    return (this.decoded = out)
  }

  /** The SP-delta table of function `index`: frame size above the entry SP at each pc. */
  pcsp(index: number): PcValueRun[] {
    const entry = this.entry(index)
    const runs: PcValueRun[] = []
    this.walkPcValue(this.funcRecord(index, entry).pcsp, entry, (start, end, value) => runs.push({ start, end, value }))
    return runs
  }

  /**
   * Bytes of argument frame function `index` declares (`_func.args`): stack arguments,
   * results and, under the register ABI, the spill area. A parameter list that yields
   * this size is not missing anything that takes space.
   */
  argumentSize(index: number): number {
    const base = this.header.format === 'go1.2' ? 0 : this.header.functabOffset
    const at = base + this.functab.funcOffset(index)
    return this.r.i32(at + (this.entriesAreRelative ? 8 : 12))
  }

  /**
   * Function `index`'s source-position tables: file and line per pc, and the inline-tree
   * index per pc (PCDATA_InlTreeIndex, -1 outside inlined code; absent when the function
   * inlines nothing). File numbers are resolved to names with `fileName`.
   */
  positionTables(index: number): PositionTables {
    const entry = this.entry(index)
    this.funcRecord(index, entry) // checks that the record is this function's
    const at = this.funcBase(index)
    const layout = POSITION_FIELDS[this.header.format]
    const table = (raw: number): number => (raw === 0 ? 0 : this.header.pctabOffset + raw)
    const npcdata = this.r.u32(at + layout.npcdata)
    // The funcdata offsets follow the pcdata offsets; ~0 marks a missing one.
    const nfuncdataAt = NFUNCDATA_OFFSET[this.header.format]
    const treeSlot = at + layout.pcdata + 4 * npcdata + 4 * FUNCDATA_INL_TREE
    const tree = nfuncdataAt !== undefined && this.r.u8(at + nfuncdataAt) > FUNCDATA_INL_TREE ? this.r.u32(treeSlot) : undefined
    return {
      inlineTree: tree === 0xffffffff ? undefined : tree,
      entry,
      pcfile: table(this.r.u32(at + layout.pcfile)),
      pcln: table(this.r.u32(at + layout.pcln)),
      cuOffset: layout.cuOffset === undefined ? 0 : this.r.u32(at + layout.cuOffset),
      inlineIndex: npcdata > PCDATA_INL_TREE_INDEX ? table(this.r.u32(at + layout.pcdata + 4 * PCDATA_INL_TREE_INDEX)) : 0,
    }
  }

  /** The runs of one pc-value table (see positionTables), from the function's entry. */
  pcValues(offset: number, entry: number): PcValueRun[] {
    const runs: PcValueRun[] = []
    this.walkPcValue(offset, entry, (start, end, value) => runs.push({ start, end, value }))
    return runs
  }

  /** The source file a pcfile value names in a function of compilation unit `cuOffset`; undefined when none. */
  fileName(cuOffset: number, fileno: number): string | undefined {
    const h = this.header
    let nameAt: number
    if (h.format === 'go1.2') {
      if (fileno <= 0 || fileno >= this.r.u32(h.filetabOffset)) return undefined
      nameAt = this.r.u32(h.filetabOffset + 4 * fileno)
    } else {
      if (fileno < 0) return undefined
      const slot = h.cutabOffset + 4 * (cuOffset + fileno)
      if (slot + 4 > h.filetabOffset) throw new BinaryFormatError(`pclntab file number ${fileno} of compilation unit ${cuOffset} is outside the unit table`)
      const offset = this.r.u32(slot)
      if (offset === 0xffffffff) return undefined
      nameAt = h.filetabOffset + offset
    }
    let name = this.fileNames.get(nameAt)
    if (name === undefined) this.fileNames.set(nameAt, (name = this.r.cstring(nameAt)))
    return name
  }

  /** A function name by its offset in the function name table (inline trees refer to names so). */
  functionName(nameOffset: number): string {
    return this.name(this.header.funcnameOffset + nameOffset)
  }

  private funcBase(index: number): number {
    return (this.header.format === 'go1.2' ? 0 : this.header.functabOffset) + this.functab.funcOffset(index)
  }

  /** Name and pcsp table offset of function i, checked against the functab entry. */
  private funcRecord(i: number, entry: number): { name: string; pcsp: number; assembly: boolean } {
    const relative = this.entriesAreRelative
    const base = this.header.format === 'go1.2' ? 0 : this.header.functabOffset
    const at = base + this.functab.funcOffset(i)
    const recordEntry = relative ? this.textStart + this.r.u32(at) : this.r.u64(at)
    if (recordEntry !== entry) throw new BinaryFormatError(`pclntab function ${i} record says entry ${hex(recordEntry)}, functab says ${hex(entry)}`)
    const nameOff = this.r.i32(at + (relative ? 4 : 8))
    const pcspOff = this.r.u32(at + (relative ? 16 : 20))
    const flagAt = FLAG_OFFSET[this.header.format]
    return {
      name: this.name(this.header.funcnameOffset + nameOff),
      pcsp: pcspOff === 0 ? 0 : this.header.pctabOffset + pcspOff,
      assembly: flagAt !== undefined && (this.r.u8(at + flagAt) & FUNC_FLAG_ASM) !== 0,
    }
  }

  private name(at: number): string {
    const bytes = this.r.bytes
    if (at < 0 || at >= bytes.length) throw new BinaryFormatError(`pclntab function name offset ${at} out of range`)
    const end = bytes.indexOf(0, at)
    if (end < 0) throw new BinaryFormatError(`pclntab function name at ${at} is unterminated`)
    // One decoder call per name: spreading the bytes into String.fromCharCode was three times slower.
    return latin1OrUtf8(bytes.subarray(at, end))
  }

  /** Last pc covered by the pc-value table at `offset`, or undefined when there is none. */
  private pcValueEnd(offset: number, entry: number): number | undefined {
    if (offset === 0) return undefined
    // Run for every function when the table is built, so it reads the bytes itself instead of
    // going through walkPcValue's callback and tuples. Anything unusual (a varint longer than
    // packedUvarint takes, the end of the table) is redone by walkPcValue, to fail as it does.
    const bytes = this.r.bytes
    let at = offset
    let pc = entry
    for (let first = true; ; first = false) {
      const value = packedUvarint(bytes, at)
      if (value < 0) break
      at += value % 8
      if (value < 8 && !first) return pc
      const delta = packedUvarint(bytes, at)
      if (delta < 0) break
      at += delta % 8
      pc += Math.floor(delta / 8) * this.header.minLC
      if (at >= bytes.length) break
    }
    let last = entry
    this.walkPcValue(offset, entry, (_start, end) => (last = end))
    return last
  }

  /**
   * Pc-value tables are pairs (zig-zag value delta, pc delta × quantum) of uvarints,
   * ending at a zero value delta after the first pair (debug/gosym `step`).
   */
  private walkPcValue(offset: number, entry: number, visit: (start: number, end: number, value: number) => void): void {
    if (offset === 0) return
    let at = offset
    let pc = entry
    let value = -1
    for (let first = true; ; first = false) {
      const [uvdelta, n1] = this.r.uvarint(at)
      if (uvdelta === 0 && !first) return
      const vdelta = uvdelta % 2 === 1 ? -((uvdelta + 1) / 2) : uvdelta / 2
      const [pcdelta, n2] = this.r.uvarint(at + n1)
      at += n1 + n2
      value += vdelta
      const next = pc + pcdelta * this.header.minLC
      visit(pc, next, value)
      pc = next
      if (at >= this.r.length) throw new BinaryFormatError(`pclntab pc-value table at ${offset} runs past the table`)
    }
  }
}

/**
 * The uvarint at `at` packed as value * 8 + its byte length, or -1 when it runs past
 * the bytes or is longer than 7 bytes (values of up to 49 bits, always safe integers).
 */
function packedUvarint(bytes: Uint8Array, at: number): number {
  let value = 0
  let mul = 1
  for (let i = 0; i < 7 && at + i < bytes.length; i++) {
    const b = bytes[at + i]!
    value += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return value * 8 + i + 1
    mul *= 128
  }
  return -1
}
