import { BinaryFormatError } from '../errors.ts'

/**
 * A little-endian cursor over a byte array with bounds checks that raise the reader's
 * own error. `base` is the position of byte 0 in the file, so errors name file offsets.
 */
export class Reader {
  readonly view: DataView
  pos = 0
  constructor(
    readonly bytes: Uint8Array,
    readonly base = 0,
    readonly what = 'data',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get length(): number {
    return this.bytes.length
  }

  private need(at: number, n: number): void {
    if (at < 0 || at + n > this.bytes.length || !Number.isSafeInteger(at)) {
      throw new BinaryFormatError(`${this.what} truncated: need ${n} bytes at ${at}, have ${this.bytes.length}`, this.base + Math.max(0, at))
    }
  }

  u8(at: number): number { this.need(at, 1); return this.view.getUint8(at) }
  u16(at: number): number { this.need(at, 2); return this.view.getUint16(at, true) }
  u32(at: number): number { this.need(at, 4); return this.view.getUint32(at, true) }
  i32(at: number): number { this.need(at, 4); return this.view.getInt32(at, true) }
  /** A 64-bit value as a number; values beyond 2^53 cannot be addresses or sizes in a sane file. */
  u64(at: number): number {
    this.need(at, 8)
    // Two 32-bit halves: a BigInt per value showed in profiles of symbol tables.
    const high = this.view.getUint32(at + 4, true)
    if (high > 0x1fffff) throw new BinaryFormatError(`${this.what}: 64-bit value 0x${this.view.getBigUint64(at, true).toString(16)} out of range`, this.base + at)
    return high * 0x1_0000_0000 + this.view.getUint32(at, true)
  }
  i64(at: number): number {
    this.need(at, 8)
    const v = this.view.getBigInt64(at, true)
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new BinaryFormatError(`${this.what}: 64-bit value out of range`, this.base + at)
    }
    return Number(v)
  }
  slice(at: number, n: number): Uint8Array { this.need(at, n); return this.bytes.subarray(at, at + n) }

  /** NUL-terminated string at `at` (bounded by the buffer). */
  cstring(at: number): string {
    this.need(at, 0)
    // indexOf rather than a loop: symbol tables read tens of thousands of names this way.
    const end = this.bytes.indexOf(0, at)
    if (end < 0) throw new BinaryFormatError(`${this.what}: unterminated string`, this.base + at)
    return latin1OrUtf8(this.bytes.subarray(at, end))
  }

  /** Unsigned LEB128 at `at`; returns the value and the number of bytes read. */
  uvarint(at: number): [number, number] {
    let result = 0
    let mul = 1
    for (let i = 0; i < 10; i++) {
      const b = this.u8(at + i)
      result += (b & 0x7f) * mul
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) break
        return [result, i + 1]
      }
      mul *= 128
    }
    throw new BinaryFormatError(`${this.what}: bad varint`, this.base + at)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false })
/** Go names are UTF-8; symbol tables of hostile files may contain anything, which still decodes. */
export function latin1OrUtf8(b: Uint8Array): string {
  return utf8.decode(b)
}

export const hex = (n: number): string => `0x${n.toString(16)}`
