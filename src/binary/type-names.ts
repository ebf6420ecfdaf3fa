/**
 * The `name` records of Go's runtime type metadata (runtime/type.go `name`,
 * internal/abi `Name` from 1.21): a flags byte, the length-prefixed name, then an
 * optional length-prefixed tag and an optional package-path nameOff. Go 1.17
 * changed the lengths from 2-byte big-endian to uvarints.
 */
import { BinaryFormatError } from '../errors.ts'
import { hex, latin1OrUtf8 } from './bytes.ts'

export type NameEncoding = 'big-endian-u16' | 'uvarint'

const FLAG_EMBEDDED = 1 << 3

/** Longer names than this mean a corrupted length: real names are identifiers or type literals. */
const MAX_NAME = 1 << 20

export interface TypeName {
  readonly text: string
  /** Flag bit 3, set on embedded struct fields from Go 1.19 on (never set before). */
  readonly embedded: boolean
}

/** Byte access the decoder needs; addresses are virtual addresses. */
export interface NameBytes {
  u8(vaddr: number): number
  bytes(vaddr: number, length: number): Uint8Array
}

/** Decodes the name record at `vaddr`. */
export function readTypeName(mem: NameBytes, vaddr: number, encoding: NameEncoding): TypeName {
  const flags = mem.u8(vaddr)
  let length: number
  let start: number
  if (encoding === 'big-endian-u16') {
    length = (mem.u8(vaddr + 1) << 8) | mem.u8(vaddr + 2)
    start = vaddr + 3
  } else {
    ;[length, start] = uvarint(mem, vaddr + 1)
  }
  if (length > MAX_NAME) throw new BinaryFormatError(`type name at ${hex(vaddr)} claims ${length} bytes`)
  return { text: latin1OrUtf8(mem.bytes(start, length)), embedded: (flags & FLAG_EMBEDDED) !== 0 }
}

/** An unsigned LEB128 at `vaddr`: the value and the address just after it. */
function uvarint(mem: NameBytes, vaddr: number): [number, number] {
  let value = 0
  let mul = 1
  for (let i = 0; i < 4; i++) {
    const b = mem.u8(vaddr + i)
    value += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return [value, vaddr + i + 1]
    mul *= 128
  }
  throw new BinaryFormatError(`type name at ${hex(vaddr - 1)} has an overlong length`)
}

/**
 * A named type's full name. The descriptor's string says `http.Request` (package name);
 * goprobe names types by package path (`net/http.Request`), which the uncommon type
 * records. Predeclared types (`int`, `error`) have no package path and keep their name.
 */
export function qualifiedName(str: string, pkgPath: string): string {
  if (pkgPath === '') return str
  const bracket = str.indexOf('[')
  const dot = str.lastIndexOf('.', bracket < 0 ? str.length : bracket)
  return dot < 0 ? str : pkgPath + str.slice(dot)
}
