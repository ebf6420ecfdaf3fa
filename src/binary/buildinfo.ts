import { BinaryFormatError } from '../errors.ts'
import { Reader, hex, latin1OrUtf8 } from './bytes.ts'
import { ElfFile, PF_W, PF_X, PT_LOAD } from './elf.ts'
import { parseModInfo, type ModInfo } from './modinfo.ts'

/**
 * The build info blob the Go linker writes (Go 1.13+): toolchain version plus the
 * module info text that `go version -m` prints.
 */
export interface BuildInfo extends ModInfo {
  /** Toolchain version as recorded, e.g. `go1.19.8` or `go1.17 X:noregabi`. */
  readonly goVersion: string
  /** Virtual address of the blob's header. */
  readonly vaddr: number
  /** 1.18+ inline strings, or the 1.13–1.17 pointers to runtime.buildVersion/runtime.modinfo. */
  readonly format: 'inline' | 'pointers'
}

const MAGIC = Uint8Array.from('\xff Go buildinf:', (c) => c.charCodeAt(0))
const HEADER_SIZE = 32
const FLAG_BIG_ENDIAN = 0x1
const FLAG_INLINE_STRINGS = 0x2
/** How far the linker may place the blob into the data segment when section headers are gone. */
const SCAN_WINDOW = 64 * 1024
/** Longer version or module-info strings than this mean a corrupted length, not a real binary. */
const MAX_STRING = 16 * 1024 * 1024
/** Module sentinels: 16 bytes on each side of the module text. */
const SENTINEL = 16

/**
 * Reads build info from `.go.buildinfo`, or, without section headers, from the first
 * 16-aligned magic in the first 64 KiB of a writable non-executable PT_LOAD (the
 * linker puts the blob first in its segment). Undefined when the binary has none
 * (Go < 1.13, or not Go).
 */
export function readBuildInfo(elf: ElfFile): BuildInfo | undefined {
  const vaddr = locate(elf)
  if (vaddr === undefined) return undefined
  const header = new Reader(elf.readVaddr(vaddr, HEADER_SIZE), elf.vaddrToOffset(vaddr) ?? 0, 'build info header')
  const ptrSize = header.u8(14)
  const flags = header.u8(15)
  if (ptrSize !== 8) throw new BinaryFormatError(`build info at ${hex(vaddr)} records pointer size ${ptrSize}; goprobe reads 64-bit binaries`)
  if (flags & FLAG_BIG_ENDIAN) throw new BinaryFormatError(`build info at ${hex(vaddr)} is big-endian; goprobe reads x86-64 binaries`)
  const inline = (flags & FLAG_INLINE_STRINGS) !== 0
  const [goVersion, modText] = inline ? readInlineStrings(elf, vaddr + HEADER_SIZE) : readPointedStrings(elf, vaddr)
  return { goVersion, ...parseModInfo(latin1OrUtf8(stripSentinels(modText))), vaddr, format: inline ? 'inline' : 'pointers' }
}

function locate(elf: ElfFile): number | undefined {
  const section = elf.section('.go.buildinfo')
  if (section) {
    if (section.size < HEADER_SIZE || !hasMagic(elf.readVaddr(section.addr, HEADER_SIZE), 0)) {
      throw new BinaryFormatError(`section .go.buildinfo does not start with the build info magic`, section.offset)
    }
    return section.addr
  }
  // Go's own reader looks in the first writable segment only; in PIE binaries that is the
  // relro segment and the blob starts the next one, so every writable segment is tried.
  for (const data of elf.segments.filter((p) => p.type === PT_LOAD && p.flags & PF_W && !(p.flags & PF_X))) {
    const window = elf.readVaddr(data.vaddr, Math.min(SCAN_WINDOW, data.filesz))
    for (let at = 0; at + HEADER_SIZE <= window.length; at += 16) {
      if (hasMagic(window, at)) return data.vaddr + at
    }
  }
  return undefined
}

function hasMagic(bytes: Uint8Array, at: number): boolean {
  return MAGIC.every((b, i) => bytes[at + i] === b)
}

/** Go 1.18+: two uvarint-length-prefixed strings right after the header. */
function readInlineStrings(elf: ElfFile, vaddr: number): [string, Uint8Array] {
  const seg = elf.segmentForVaddr(vaddr)
  if (!seg) throw new BinaryFormatError(`build info strings at ${hex(vaddr)} are not mapped`)
  const available = Math.min(seg.vaddr + seg.filesz - vaddr, 2 * MAX_STRING)
  const r = new Reader(elf.readVaddr(vaddr, Math.max(0, available)), elf.vaddrToOffset(vaddr) ?? 0, 'build info strings')
  const [versionLen, n1] = r.uvarint(0)
  const version = r.slice(n1, versionLen)
  const [modLen, n2] = r.uvarint(n1 + versionLen)
  const mod = r.slice(n1 + versionLen + n2, modLen)
  return [latin1OrUtf8(version), mod]
}

/**
 * Go 1.13–1.17: the header holds the addresses of the Go string headers of
 * runtime.buildVersion and runtime.modinfo. In PIE binaries every pointer on that path
 * is zero in the file and set by a relative relocation, hence readPointer throughout.
 */
function readPointedStrings(elf: ElfFile, vaddr: number): [string, Uint8Array] {
  const version = readGoStringBytes(elf, elf.readPointer(vaddr + 16), 'runtime.buildVersion')
  return [latin1OrUtf8(version), readGoStringBytes(elf, elf.readPointer(vaddr + 24), 'runtime.modinfo')]
}

/** The bytes of the Go string whose header {data, len} is at `vaddr`. */
export function readGoStringBytes(elf: ElfFile, vaddr: number, what: string): Uint8Array {
  const data = elf.readPointer(vaddr)
  const length = elf.readPointer(vaddr + 8)
  if (length > MAX_STRING) throw new BinaryFormatError(`${what} at ${hex(vaddr)} claims an implausible length ${length}`)
  return length === 0 ? new Uint8Array(0) : elf.readVaddr(data, length)
}

/** The go command frames module info with 16-byte sentinels; anything shorter carries no modules. */
function stripSentinels(mod: Uint8Array): Uint8Array {
  const framed = mod.length >= 2 * SENTINEL + 1 && mod[mod.length - SENTINEL - 1] === 0x0a
  return framed ? mod.subarray(SENTINEL, mod.length - SENTINEL) : new Uint8Array(0)
}
