import * as bt from '../bpftrace/ast.ts'
import { isFloatKind, isIntKind, isSignedInt, typeString, type GoType } from '../gotypes/types.ts'
import * as V from './values.ts'
import type { Val } from './values.ts'

/**
 * Statements that print one Go value as `<indent><label> <type> = <value>` lines, for
 * quick debugging of every argument or result: strings as text, integers in decimal,
 * bools as true/false, pointer-shaped values in hex, slices as len/cap, interfaces as
 * their dynamic type, structs field by field one level deep. Floats in XMM registers
 * cannot be read by uprobes (a note says so); floats in memory print their IEEE-754 bits.
 */
export interface ValuePrinter {
  readonly strlen: number
  /** The dynamic type name of an interface value, as a bpftrace string. */
  typeName(v: Val, path: string): bt.Expr
}

const line = (indent: string, label: string, t: GoType, ...value: bt.FormatPart[]): bt.Stmt =>
  bt.printf(`${indent}${label} ${typeString(t)} = `, ...value, '\n')

export function printValue(p: ValuePrinter, v: Val, label: string, indent: string, depth = 0): bt.Stmt[] {
  if (v.kind !== 'parts' && v.kind !== 'mem') return []
  const t = v.type
  const path = label
  if (isFloatKind(t.kind)) {
    const reg = v.kind === 'parts' ? v.parts[0]?.register : undefined
    if (v.kind === 'parts' && (reg === undefined || reg.startsWith('xmm'))) return [line(indent, label, t, `(in ${reg ?? 'an XMM register'}: not readable by uprobes)`)]
    return [line(indent, label, t, 'bits 0x', bt.fmt('x', V.scalar(v, path).expr))]
  }
  if (t.kind === 'bool') {
    const value = V.scalar(v, path).expr
    return [bt.ifStmt(value, [line(indent, label, t, 'true')], [line(indent, label, t, 'false')])]
  }
  if (isIntKind(t.kind)) return [line(indent, label, t, bt.fmt(isSignedInt(t.kind) ? 'd' : 'u', V.scalar(v, path).expr))]
  if (V.isScalarType(t)) return [line(indent, label, t, '0x', bt.fmt('x', V.scalar(v, path).expr))]
  switch (t.kind) {
    case 'string': return [line(indent, label, t, bt.fmt('s', V.goStringOf(v, p.strlen, path).expr))]
    case 'slice': return [line(indent, label, t, 'len ', bt.fmt('d', V.word(v, 8, path)), ' cap ', bt.fmt('d', V.word(v, 16, path)))]
    case 'interface': return [bt.ifStmt(
      bt.binary(V.word(v, 0, path), '==', bt.int(0, 'uint64')),
      [line(indent, label, t, 'nil')],
      [line(indent, label, t, 'dynamic type ', bt.fmt('s', p.typeName(v, path)))],
    )]
    case 'struct': {
      if (depth > 0) return [line(indent, label, t, '{…}')]
      return [
        line(indent, label, t, '{'),
        ...t.fields.flatMap((f) => printValue(p, V.field(v, f.name, path), `${label}.${f.name}`, `${indent}  `, depth + 1)),
      ]
    }
    default: return [line(indent, label, t, `(${t.kind}: not printed)`)]
  }
}
