import { promisify } from 'node:util'
import { inflate, inflateSync, type ZlibOptions } from 'node:zlib'
import { BinaryFormatError } from '../errors.ts'
import { ByteSource } from './byte-source.ts'
import { Reader, hex } from './bytes.ts'

/** ELF constants goprobe needs; names follow the ELF specification. */
export const SHT_SYMTAB = 2
export const SHT_RELA = 4
export const SHT_NOBITS = 8
export const SHF_ALLOC = 0x2
export const SHF_EXECINSTR = 0x4
export const SHF_COMPRESSED = 0x800
export const PT_LOAD = 1
export const PT_TLS = 7
export const PF_X = 1
export const PF_W = 2
export const ET_EXEC = 2
export const ET_DYN = 3
const EM_X86_64 = 62
const R_X86_64_RELATIVE = 8
/** Sections larger than this are refused: a corrupted size must not make us allocate gigabytes. */
const MAX_SECTION_BYTES = 1 << 30

export interface Section {
  readonly index: number
  readonly name: string
  readonly type: number
  readonly flags: number
  readonly addr: number
  readonly offset: number
  readonly size: number
  readonly link: number
  readonly entsize: number
}

export interface Segment {
  readonly type: number
  readonly flags: number
  readonly offset: number
  readonly vaddr: number
  readonly filesz: number
  readonly memsz: number
  readonly align: number
}

export interface ElfSymbol {
  readonly name: string
  readonly value: number
  readonly size: number
  /** STT_* type (2 = FUNC, 1 = OBJECT). */
  readonly type: number
  readonly sectionIndex: number
}

/**
 * An ELF64 little-endian x86-64 file. Headers are read eagerly (they are small);
 * section contents, symbols and relocations are read on first use and cached.
 */
export class ElfFile {
  readonly type: number
  readonly entry: number
  readonly sections: readonly Section[]
  readonly segments: readonly Segment[]
  private readonly sectionCache = new Map<string, Uint8Array>()
  private symbolCache?: readonly ElfSymbol[]
  private relocCache?: ReadonlyMap<number, number>

  private constructor(readonly source: ByteSource) {
    if (source.size < 64) throw new BinaryFormatError(`${source.path}: not an ELF file (only ${source.size} bytes)`)
    const h = new Reader(source.read(0, 64, 'ELF header'), 0, 'ELF header')
    if (h.u32(0) !== 0x464c457f) throw new BinaryFormatError(`${source.path}: not an ELF file`)
    if (h.u8(4) !== 2) throw new BinaryFormatError(`${source.path}: 32-bit ELF is not supported (goprobe reads x86-64 binaries)`)
    if (h.u8(5) !== 1) throw new BinaryFormatError(`${source.path}: big-endian ELF is not supported (goprobe reads x86-64 binaries)`)
    const machine = h.u16(18)
    if (machine !== EM_X86_64) throw new BinaryFormatError(`${source.path}: ELF for ${machineName(machine)}, goprobe supports x86-64 only`)
    this.type = h.u16(16)
    this.entry = h.u64(24)
    this.segments = readSegments(source, h)
    this.sections = readSections(source, h)
  }

  static open(path: string): ElfFile {
    const source = ByteSource.open(path)
    try {
      return new ElfFile(source)
    } catch (e) {
      source.close()
      throw e
    }
  }

  get path(): string {
    return this.source.path
  }

  get isPIE(): boolean {
    return this.type === ET_DYN
  }

  close(): void {
    this.source.close()
  }

  section(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name)
  }

  /**
   * The contents of a section, decompressed when it is SHF_COMPRESSED (zlib) or a
   * GNU-style `.zdebug_*` section; looked up by its plain name (`.debug_info` finds
   * `.zdebug_info` too). Undefined when the file has no such section.
   */
  sectionData(name: string): Uint8Array | undefined {
    const cached = this.sectionCache.get(name)
    if (cached) return cached
    const found = this.storedSection(name)
    if (!found) return undefined
    const { sec, zdebug } = found
    let data = sec.type === SHT_NOBITS ? new Uint8Array(0) : this.source.read(sec.offset, sec.size, `section ${sec.name}`)
    if (sec.flags & SHF_COMPRESSED) data = decompressChdr(data, sec)
    else if (zdebug) data = decompressZdebug(data, sec)
    this.sectionCache.set(name, data)
    return data
  }

  /**
   * Starts decompressing the named sections on libuv's thread pool, so the caller's
   * thread can do other work meanwhile; `sectionData` then finds them ready. Sections
   * that are absent, stored plain or corrupted are left to `sectionData`, which reads
   * them (and reports any problem) as usual.
   */
  async prefetch(names: readonly string[]): Promise<void> {
    await Promise.all(names.map(async (name) => {
      const found = this.sectionCache.has(name) ? undefined : this.storedSection(name)
      if (!found || found.sec.type === SHT_NOBITS || !(found.sec.flags & SHF_COMPRESSED || found.zdebug)) return
      const { sec, zdebug } = found
      try {
        const stored = this.source.read(sec.offset, sec.size, `section ${sec.name}`)
        const { stream, size } = zdebug ? zdebugStream(stored, sec) : chdrStream(stored, sec)
        const out = await inflateAsync(stream, inflateOptions(size, sec))
        if (out.length === size && !this.sectionCache.has(name)) this.sectionCache.set(name, new Uint8Array(out.buffer, out.byteOffset, out.length))
      } catch {
        // sectionData will decompress it again and say what is wrong.
      }
    }))
  }

  /** The section holding `name`'s contents: itself, or its GNU `.zdebug_*` form. */
  private storedSection(name: string): { sec: Section; zdebug: boolean } | undefined {
    const sec = this.section(name)
    if (sec) return { sec, zdebug: false }
    const z = name.startsWith('.debug_') ? this.section(`.z${name.slice(1)}`) : undefined
    return z && { sec: z, zdebug: true }
  }

  /** The symbol table (`.symtab`), empty for stripped binaries. */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB)
    if (!symtab) return (this.symbolCache = [])
    const strtab = this.sections[symtab.link]
    if (!strtab) throw new BinaryFormatError(`symbol table links to missing string section ${symtab.link}`)
    const data = new Reader(this.source.read(symtab.offset, symtab.size, '.symtab'), symtab.offset, '.symtab')
    const strs = new Reader(this.source.read(strtab.offset, strtab.size, 'string table'), strtab.offset, 'symbol string table')
    const out: ElfSymbol[] = []
    for (let at = 24; at + 24 <= data.length; at += 24) {
      const info = data.u8(at + 4)
      out.push({
        name: strs.cstring(data.u32(at)),
        type: info & 0xf,
        sectionIndex: data.u16(at + 6),
        value: data.u64(at + 8),
        size: data.u64(at + 16),
      })
    }
    return (this.symbolCache = out)
  }

  /** The loadable segment containing a virtual address, if any. */
  segmentForVaddr(vaddr: number): Segment | undefined {
    return this.segments.find((p) => p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.memsz)
  }

  /** File offset of a virtual address, or undefined when it is not backed by file bytes (bss). */
  vaddrToOffset(vaddr: number): number | undefined {
    const seg = this.segmentForVaddr(vaddr)
    if (!seg || vaddr >= seg.vaddr + seg.filesz) return undefined
    return seg.offset + (vaddr - seg.vaddr)
  }

  offsetToVaddr(offset: number): number | undefined {
    const seg = this.segments.find((p) => p.type === PT_LOAD && offset >= p.offset && offset < p.offset + p.filesz)
    return seg ? seg.vaddr + (offset - seg.offset) : undefined
  }

  /** Bytes at a virtual address; zero-filled beyond the segment's file size (bss). */
  readVaddr(vaddr: number, length: number): Uint8Array {
    const seg = this.segmentForVaddr(vaddr)
    if (!seg || vaddr + length > seg.vaddr + seg.memsz) {
      throw new BinaryFormatError(`address range ${hex(vaddr)}+${length} is not mapped by any loadable segment`)
    }
    const out = new Uint8Array(length)
    const fileEnd = seg.vaddr + seg.filesz
    const inFile = Math.max(0, Math.min(length, fileEnd - vaddr))
    if (inFile > 0) out.set(this.source.read(seg.offset + (vaddr - seg.vaddr), inFile, `memory at ${hex(vaddr)}`))
    return out
  }

  /**
   * R_X86_64_RELATIVE relocations (target vaddr -> addend). In PIE binaries the
   * pointers inside moduledata, type descriptors and old build info are zero in the
   * file and filled in by these at load time, so readers must consult them.
   */
  relativeRelocations(): ReadonlyMap<number, number> {
    if (this.relocCache) return this.relocCache
    const map = new Map<number, number>()
    for (const sec of this.sections) {
      if (sec.type !== SHT_RELA) continue
      const r = new Reader(this.source.read(sec.offset, sec.size, sec.name), sec.offset, sec.name)
      for (let at = 0; at + 24 <= r.length; at += 24) {
        const info = r.view.getBigUint64(at + 8, true)
        if (Number(info & 0xffffffffn) === R_X86_64_RELATIVE) map.set(r.u64(at), r.i64(at + 16))
      }
    }
    return (this.relocCache = map)
  }

  /** A pointer-sized word at a virtual address, with a PIE relocation applied when one targets it. */
  readPointer(vaddr: number): number {
    const reloc = this.relativeRelocations().get(vaddr)
    if (reloc !== undefined) return reloc
    return new Reader(this.readVaddr(vaddr, 8), 0, `pointer at ${hex(vaddr)}`).u64(0)
  }
}

function readSegments(source: ByteSource, h: Reader): Segment[] {
  const phoff = h.u64(32)
  const phentsize = h.u16(54)
  const phnum = h.u16(56)
  if (phnum === 0) return []
  if (phentsize < 56) throw new BinaryFormatError(`bad program header entry size ${phentsize}`, 54)
  const r = new Reader(source.read(phoff, phnum * phentsize, 'program headers'), phoff, 'program headers')
  const out: Segment[] = []
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize
    const seg = {
      type: r.u32(at), flags: r.u32(at + 4), offset: r.u64(at + 8), vaddr: r.u64(at + 16),
      filesz: r.u64(at + 32), memsz: r.u64(at + 40), align: r.u64(at + 48),
    }
    if (seg.type === PT_LOAD && seg.offset + seg.filesz > source.size) {
      throw new BinaryFormatError(`truncated file: segment ${i} ends at ${seg.offset + seg.filesz} but the file has ${source.size} bytes`, phoff + at)
    }
    out.push(seg)
  }
  return out
}

function readSections(source: ByteSource, h: Reader): Section[] {
  const shoff = h.u64(40)
  const shentsize = h.u16(58)
  let shnum = h.u16(60)
  let shstrndx = h.u16(62)
  if (shoff === 0) return []
  if (shentsize < 64) throw new BinaryFormatError(`bad section header entry size ${shentsize}`, 58)
  if (shnum === 0) {
    // More than 0xff00 sections: the real count is in section 0's sh_size.
    const first = new Reader(source.read(shoff, 64, 'section header 0'), shoff, 'section header 0')
    shnum = first.u64(32)
    if (shnum > 1 << 20) throw new BinaryFormatError(`implausible section count ${shnum}`, shoff)
  }
  if (shstrndx === 0xffff) {
    shstrndx = new Reader(source.read(shoff, 64, 'section header 0'), shoff, 'section header 0').u32(40)
  }
  const r = new Reader(source.read(shoff, shnum * shentsize, 'section headers'), shoff, 'section headers')
  const raw = []
  for (let i = 0; i < shnum; i++) {
    const at = i * shentsize
    raw.push({
      index: i, nameOff: r.u32(at), type: r.u32(at + 4), flags: r.u64(at + 8), addr: r.u64(at + 16),
      offset: r.u64(at + 24), size: r.u64(at + 32), link: r.u32(at + 40), entsize: r.u64(at + 56),
    })
  }
  const strSec = raw[shstrndx]
  if (!strSec) throw new BinaryFormatError(`section name table index ${shstrndx} is out of range (${shnum} sections)`, 62)
  const names = new Reader(source.read(strSec.offset, strSec.size, 'section name table'), strSec.offset, 'section name table')
  return raw.map((s) => {
    if (s.type !== SHT_NOBITS && s.type !== 0) {
      if (s.offset + s.size > source.size) {
        throw new BinaryFormatError(`truncated file: section ${s.index} ends at ${s.offset + s.size} but the file has ${source.size} bytes`, shoff + s.index * shentsize)
      }
      if (s.size > MAX_SECTION_BYTES) throw new BinaryFormatError(`section ${s.index} is implausibly large (${s.size} bytes)`)
    }
    const { nameOff, ...rest } = s
    return { ...rest, name: s.index === 0 ? '' : names.cstring(nameOff) }
  })
}

/** The zlib stream of an SHF_COMPRESSED section and the size it inflates to. */
function chdrStream(data: Uint8Array, sec: Section): { stream: Uint8Array; size: number } {
  const r = new Reader(data, sec.offset, `compressed section ${sec.name}`)
  const type = r.u32(0)
  const size = r.u64(8)
  if (type !== 1) throw new BinaryFormatError(`section ${sec.name} uses compression type ${type}; only zlib (1) is supported`, sec.offset)
  return { stream: data.subarray(24), size }
}

/** The zlib stream of a GNU `.zdebug_*` section and the size it inflates to. */
function zdebugStream(data: Uint8Array, sec: Section): { stream: Uint8Array; size: number } {
  const r = new Reader(data, sec.offset, `compressed section ${sec.name}`)
  if (r.u32(0) !== 0x42494c5a /* "ZLIB" */) throw new BinaryFormatError(`section ${sec.name} lacks its ZLIB header`, sec.offset)
  return { stream: data.subarray(12), size: Number(r.view.getBigUint64(4, false)) }
}

function decompressChdr(data: Uint8Array, sec: Section): Uint8Array {
  const { stream, size } = chdrStream(data, sec)
  return inflateBounded(stream, size, sec)
}

function decompressZdebug(data: Uint8Array, sec: Section): Uint8Array {
  const { stream, size } = zdebugStream(data, sec)
  return inflateBounded(stream, size, sec)
}

const inflateAsync = promisify<Uint8Array, ZlibOptions, Buffer>(inflate)

/**
 * One output chunk of the announced size (+1 so zlib sees room left and stops there): with the
 * default 16 KB chunks, a 60 MB .debug_info is assembled from thousands of pieces and then
 * copied, costing time and twice its size at the peak.
 */
function inflateOptions(size: number, sec: Section): ZlibOptions {
  if (!Number.isSafeInteger(size) || size > MAX_SECTION_BYTES) throw new BinaryFormatError(`section ${sec.name} claims an implausible size ${size}`, sec.offset)
  return { maxOutputLength: Math.max(size, 1), chunkSize: Math.max(size + 1, 64) }
}

function inflateBounded(stream: Uint8Array, size: number, sec: Section): Uint8Array {
  const options = inflateOptions(size, sec)
  let out: Buffer
  try {
    out = inflateSync(stream, options)
  } catch (e) {
    throw new BinaryFormatError(`section ${sec.name}: corrupted zlib data (${(e as Error).message})`, sec.offset)
  }
  if (out.length !== size) throw new BinaryFormatError(`section ${sec.name}: decompressed to ${out.length} bytes, header says ${size}`, sec.offset)
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

function machineName(m: number): string {
  const names: Record<number, string> = { 3: 'x86 (32-bit)', 40: 'ARM', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 21: 'PowerPC64', 22: 'S390' }
  return names[m] ?? `machine ${m}`
}
