/**
 * Whether bytes in user memory equal a known text, compared as integers: the length, then
 * the widest words that fit, the last one overlapping the previous when the length is not a
 * multiple (so nothing past the end is read). A comparison of strings read from memory has no
 * form that means the same on every bpftrace version: `str()` stops at the string length and
 * at a NUL, and 0.17 warns ("Addrspace mismatch") when one side is user memory and the other a
 * literal.
 */
import * as bt from '../bpftrace/ast.ts'
import { add } from './values.ts'

const WORD = { 8: 'uint64', 4: 'uint32', 2: 'uint16', 1: 'uint8' } as const

export function bytesEqual(data: bt.Expr, length: bt.Expr, expected: string): bt.Expr {
  const bytes = Buffer.from(expected, 'utf8')
  const tests: bt.Expr[] = [bt.binary(length, '==', bt.int(bytes.length, 'uint64'))]
  const width = ([8, 4, 2, 1] as const).find((w) => bytes.length >= w)
  if (width) {
    const starts = new Set<number>()
    for (let i = 0; i + width <= bytes.length; i += width) starts.add(i)
    starts.add(bytes.length - width)
    for (const at of starts) {
      const want = width === 8 ? bytes.readBigUInt64LE(at) : BigInt(bytes.readUIntLE(at, width))
      tests.push(bt.binary(bt.deref(WORD[width], add(data, at)), '==', bt.int(want, 'uint64', { hex: true })))
    }
  }
  return tests.reduce((a, b) => bt.binary(a, '&&', b))
}
