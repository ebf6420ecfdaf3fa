import { DwarfFormatError } from '../errors.ts'
import { latin1OrUtf8 } from '../binary/bytes.ts'

/**
 * A little-endian read position in one DWARF section. Every read is bounds-checked
 * and failures name the section and offset, so corrupted input always surfaces as a
 * DwarfFormatError rather than a RangeError or a silent wrap-around.
 */
export class Cursor {
  private readonly view: DataView

  constructor(
    readonly data: Uint8Array,
    readonly section: string,
    public pos = 0,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  }

  get atEnd(): boolean {
    return this.pos >= this.data.length
  }

  fail(message: string, at = this.pos): never {
    throw new DwarfFormatError(message, this.section, at)
  }

  private need(n: number): number {
    const at = this.pos
    if (at + n > this.data.length) this.fail(`truncated: need ${n} bytes, ${Math.max(0, this.data.length - at)} left`)
    this.pos = at + n
    return at
  }

  skip(n: number): void {
    if (n < 0 || !Number.isSafeInteger(n)) this.fail(`bad length ${n}`)
    this.need(n)
  }

  u8(): number { return this.view.getUint8(this.need(1)) }
  u16(): number { return this.view.getUint16(this.need(2), true) }
  u24(): number { const at = this.need(3); return this.view.getUint16(at, true) + this.view.getUint8(at + 2) * 0x10000 }
  u32(): number { return this.view.getUint32(this.need(4), true) }
  i8(): number { return this.view.getInt8(this.need(1)) }
  i16(): number { return this.view.getInt16(this.need(2), true) }
  i32(): number { return this.view.getInt32(this.need(4), true) }

  /** A 64-bit value; beyond 2^53 it cannot be an offset, size or user-space address. */
  u64(): number {
    const at = this.need(8)
    const lo = this.view.getUint32(at, true)
    const hi = this.view.getUint32(at + 4, true)
    if (hi > 0x1fffff) this.fail('64-bit value out of range', at)
    return hi * 0x1_0000_0000 + lo
  }

  /** A 64-bit constant that may legitimately be huge (e.g. all-ones markers); precision beyond 2^53 is dropped. */
  u64Lossy(): number {
    const at = this.need(8)
    return this.view.getUint32(at + 4, true) * 0x1_0000_0000 + this.view.getUint32(at, true)
  }

  i64(): number {
    const at = this.need(8)
    return Number(this.view.getBigInt64(at, true))
  }

  /** A full 64-bit unsigned value, for address arithmetic that wraps (see address-lists.ts). */
  u64Big(): bigint {
    return this.view.getBigUint64(this.need(8), true)
  }

  /** An unsigned LEB128 of up to 64 bits, unrounded. */
  ulebBig(): bigint {
    let result = 0n
    let shift = 0n
    const start = this.pos
    for (;;) {
      const b = this.u8()
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result & 0xffff_ffff_ffff_ffffn
      shift += 7n
      if (shift > 63n) this.fail('LEB128 value too long', start)
    }
  }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  unsigned(size: number): number {
    switch (size) {
      case 1: return this.u8()
      case 2: return this.u16()
      case 4: return this.u32()
      case 8: return this.u64()
      default: return this.fail(`unsupported value size ${size}`)
    }
  }

  uleb(): number {
    let result = 0
    let mul = 1
    const start = this.pos
    for (;;) {
      const b = this.u8()
      result += (b & 0x7f) * mul
      if ((b & 0x80) === 0) break
      mul *= 128
      if (mul > 2 ** 63) this.fail('LEB128 value too long', start)
    }
    if (!Number.isSafeInteger(result)) this.fail('LEB128 value out of range', start)
    return result
  }

  sleb(): number {
    let result = 0
    let mul = 1
    const start = this.pos
    let b: number
    do {
      b = this.u8()
      result += (b & 0x7f) * mul
      mul *= 128
      if (mul > 2 ** 70) this.fail('LEB128 value too long', start)
    } while (b & 0x80)
    if (b & 0x40) result -= mul
    if (!Number.isSafeInteger(result)) this.fail('LEB128 value out of range', start)
    return result
  }

  /** A NUL-terminated string at the cursor. */
  cstring(): string {
    const start = this.pos
    const end = this.data.indexOf(0, start)
    if (end < 0) this.fail('unterminated string', start)
    this.pos = end + 1
    return latin1OrUtf8(this.data.subarray(start, end))
  }

  /** Skips a NUL-terminated string without decoding it (the name index skips most of them). */
  skipCstring(): void {
    const end = this.data.indexOf(0, this.pos)
    if (end < 0) this.fail('unterminated string', this.pos)
    this.pos = end + 1
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || !Number.isSafeInteger(n)) this.fail(`bad length ${n}`)
    const at = this.need(n)
    return this.data.subarray(at, at + n)
  }

  /** Skips a LEB128 value without decoding it. */
  skipLeb(): void {
    while (this.u8() & 0x80);
  }
}

/** Reads a NUL-terminated string at `offset` of a string section. */
export function stringAt(data: Uint8Array, section: string, offset: number): string {
  if (offset < 0 || offset >= data.length || !Number.isSafeInteger(offset)) throw new DwarfFormatError(`string offset 0x${offset.toString(16)} out of range`, section, offset)
  const end = data.indexOf(0, offset)
  if (end < 0) throw new DwarfFormatError('unterminated string', section, offset)
  return latin1OrUtf8(data.subarray(offset, end))
}
