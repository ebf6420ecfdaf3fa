/**
 * Go's integer arithmetic as bpftrace expressions that give the same result on every
 * bpftrace version. bpftrace's own rules change between releases (comparisons are signed
 * when both sides are on 0.17-0.25 and when either is from 0.26; `/`, `%` and `>>` are
 * always unsigned; 0.22-0.24 compute narrow types in their own width; 0.26 types a
 * subtraction int64), so nothing here leans on them: every operand is a 64-bit value of a
 * known bpftrace type (int64 for Go's signed types, uint64 for the unsigned ones), every
 * result is cast back to that type explicitly, narrow results are wrapped to their width
 * by masking and sign extension, and division, remainder and right shift of signed values
 * are built from unsigned operations.
 */
import * as bt from '../bpftrace/ast.ts'
import type { IntKind } from '../gotypes/types.ts'
import { isSignedInt } from '../gotypes/types.ts'

/**
 * The Go type of an integer value during compilation: a Go integer type, `bool`, an
 * untyped constant (takes the other operand's type), or `any` for values that have no Go
 * type of their own (map values: they take the other operand's type, int64 alone).
 */
export type IntGoType = IntKind | 'bool' | 'untyped' | 'any'

const WIDTH: Record<IntKind, number> = {
  int: 64, int8: 8, int16: 16, int32: 32, int64: 64, uint: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64, uintptr: 64,
}

/** The Go type a value of `t` has when it must have one (an untyped constant defaults to int, a map value to int64). */
export function concrete(t: IntGoType): IntKind | 'bool' {
  if (t === 'untyped') return 'int'
  if (t === 'any') return 'int64'
  return t
}

/** Whether bpftrace holds values of this Go type as int64 (signed) rather than uint64. */
export const heldSigned = (t: IntGoType): boolean => {
  const c = concrete(t)
  return c !== 'bool' && isSignedInt(c)
}

export const bpfType = (t: IntGoType): 'int64' | 'uint64' => (heldSigned(t) ? 'int64' : 'uint64')

const mask = (bits: number): bt.Expr => bt.int((1n << BigInt(bits)) - 1n, 'uint64', { hex: true })
const signBit = (bits: number): bt.Expr => bt.int(1n << BigInt(bits - 1), 'uint64', { hex: true })

/**
 * bpftrace types of expressions bpftrace cannot type by their shape alone (variables, map
 * values), recorded where goprobe makes them: from 0.27 a cast to the type an expression
 * already has is warned about, so casts are only written where the type changes.
 */
const knownTypes = new WeakMap<bt.Expr, bt.IntType>()

/** `e`, recorded as having bpftrace type `type` (a variable declared so, a map holding such values). */
export function typed<E extends bt.Expr>(e: E, type: bt.IntType): E {
  knownTypes.set(e, type)
  return e
}

const ARITHMETIC: ReadonlySet<bt.BinaryOp> = new Set(['+', '*', '/', '%', '&', '|', '^', '<<', '>>'])

/**
 * The integer type every bpftrace version from 0.17 gives `e`, when that follows from its
 * shape; 'bool' for comparisons (a bool from 0.24, so a cast to an integer is never redundant).
 * Subtraction has none: 0.26 made it int64 whatever its operands.
 */
export function staticType(e: bt.Expr): bt.IntType | 'bool' | undefined {
  const known = knownTypes.get(e)
  if (known) return known
  switch (e.kind) {
    case 'Cast': case 'MemoryRead': return e.type
    case 'IntLiteral': return e.type
    case 'Register': return 'uint64'
    case 'Builtin': return e.name === 'nsecs' ? 'uint64' : undefined
    case 'Unary': return e.op === '~' ? staticType(e.operand) : e.op === '!' ? 'bool' : undefined
    case 'Ternary': {
      const t = staticType(e.then)
      return t !== undefined && t === staticType(e.otherwise) ? t : widenedUnsigned(t, staticType(e.otherwise))
    }
    case 'Binary': {
      if (!ARITHMETIC.has(e.op)) return e.op === '-' ? undefined : 'bool'
      const l = staticType(e.left)
      const r = staticType(e.right)
      if (l === r && (l === 'uint64' || l === 'int64')) return l
      return widenedUnsigned(l, r)
    }
    default: return undefined
  }
}

/** Unsigned operands (or `?:` arms) widen to the wider one on every version: with a uint64 side, uint64. */
function widenedUnsigned(l: bt.IntType | 'bool' | undefined, r: bt.IntType | 'bool' | undefined): 'uint64' | undefined {
  const unsigned = (t: typeof l) => t === 'uint8' || t === 'uint16' || t === 'uint32' || t === 'uint64'
  return (l === 'uint64' && unsigned(r)) || (r === 'uint64' && unsigned(l)) ? 'uint64' : undefined
}

const is64 = (e: bt.Expr): boolean => {
  const t = staticType(e)
  return t === 'uint64' || t === 'int64'
}

/** `e` as a uint64 expression (its 64 bits unchanged). */
export function asU64(e: bt.Expr): bt.Expr {
  if (staticType(e) === 'uint64') return e
  if (e.kind === 'IntLiteral' && e.value >= 0n) return bt.int(e.value, 'uint64', { hex: e.hex })
  // (uint64)(int64)x is x when x is 64 bits wide already.
  if (e.kind === 'Cast' && e.type === 'int64' && is64(e.operand)) return asU64(e.operand)
  return bt.cast('uint64', e)
}

/** `e` as an int64 expression (its 64 bits unchanged). */
export function asI64(e: bt.Expr): bt.Expr {
  if (staticType(e) === 'int64') return e
  if (e.kind === 'IntLiteral') return bt.int(BigInt.asIntN(64, e.value), 'int64', { hex: e.hex && e.value >= 0n })
  if (e.kind === 'Cast' && e.type === 'uint64' && is64(e.operand)) return asI64(e.operand)
  return bt.cast('int64', e)
}

/**
 * A 64-bit computation result (`raw`, of any bpftrace integer type) as a value of Go type
 * `t`: wrapped to the type's width as Go wraps on overflow, and typed int64 or uint64.
 */
export function wrap(raw: bt.Expr, t: IntKind): bt.Expr {
  const bits = WIDTH[t]
  const signed = isSignedInt(t)
  if (bits === 64) return signed ? asI64(raw) : asU64(raw)
  const low = bt.binary(asU64(raw), '&', mask(bits))
  if (!signed) return low
  // Sign extension without casts to narrow types (their arithmetic width differs by version):
  // (low ^ sign) - sign, the subtraction written as adding ~(sign - 1) (see minus).
  return asI64(bt.binary(bt.binary(low, '^', signBit(bits)), '+', bt.unary('~', bt.int((1n << BigInt(bits - 1)) - 1n, 'uint64', { hex: true }))))
}

/** A constant that must be representable in `t`, as Go requires of untyped constants. */
export function constant(value: bigint, t: IntKind | 'bool'): bt.Expr | undefined {
  if (t === 'bool') return undefined
  const bits = BigInt(WIDTH[t])
  const signed = isSignedInt(t)
  const lo = signed ? -(1n << (bits - 1n)) : 0n
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n
  if (value < lo || value > hi) return undefined
  if (signed) return bt.int(value, 'int64')
  // The printer writes literals up to 2^63-1; larger unsigned constants are their int64 bits.
  return value > 2n ** 63n - 1n ? bt.cast('uint64', bt.int(BigInt.asIntN(64, value), 'int64')) : bt.int(value, 'uint64')
}

const zeroOf = (t: IntKind): bt.Expr => bt.int(0, isSignedInt(t) ? 'int64' : 'uint64')

/**
 * a - b on uint64 values, as a + ~b + 1: bpftrace 0.26 types a subtraction int64 and casts
 * unsigned operands to it implicitly, with a warning.
 */
export const minus = (a: bt.Expr, b: bt.Expr): bt.Expr => bt.binary(bt.binary(a, '+', bt.unary('~', b)), '+', bt.int(1, 'uint64'))
/** Two's complement negation on 64 bits, as uint64. */
const negU = (u: bt.Expr): bt.Expr => asU64(bt.binary(bt.unary('~', u), '+', bt.int(1, 'uint64')))
/** |x| of an int64 value as uint64 (|min| is 2^63, which uint64 holds). */
const absU = (x: bt.Expr): bt.Expr => bt.ternary(bt.binary(x, '<', bt.int(0, 'int64')), negU(asU64(x)), asU64(x))

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>'
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>='

/**
 * `a op b` for operands of Go type `t` (already normalized to it). Operands that occur more
 * than once in the result go through `stable` (a scratch variable unless already stable),
 * so each is evaluated once.
 */
export function arithmetic(op: Exclude<ArithOp, '<<' | '>>'>, a: bt.Expr, b: bt.Expr, t: IntKind, stable: (e: bt.Expr, type: 'int64' | 'uint64') => bt.Expr): bt.Expr {
  const signed = isSignedInt(t)
  switch (op) {
    case '-':
      return wrap(minus(asU64(a), asU64(b)), t)
    case '+': case '*': case '&': case '|': case '^':
      return wrap(bt.binary(asU64(a), op, asU64(b)), t)
    case '/': case '%': {
      if (!signed) return wrap(bt.binary(asU64(a), op, asU64(b)), t)
      const x = stable(a, 'int64')
      const y = stable(b, 'int64')
      if (op === '/') {
        // Truncated toward zero: |x| / |y|, negative when the signs differ.
        const q = stable(bt.binary(absU(x), '/', absU(y)), 'uint64')
        const differ = bt.binary(asI64(bt.binary(x, '^', y)), '<', bt.int(0, 'int64'))
        return wrap(bt.ternary(differ, negU(q), q), t)
      }
      // The remainder has the dividend's sign.
      const r = stable(bt.binary(absU(x), '%', absU(y)), 'uint64')
      return wrap(bt.ternary(bt.binary(x, '<', bt.int(0, 'int64')), negU(r), r), t)
    }
  }
}

/** `a << s` or `a >> s` for `a` of Go type `t`; `s` is any (non-negative) integer, as uint64. */
export function shift(op: '<<' | '>>', a: bt.Expr, s: bt.Expr, t: IntKind, stable: (e: bt.Expr, type: 'int64' | 'uint64') => bt.Expr): bt.Expr {
  const signed = isSignedInt(t)
  const constCount = s.kind === 'IntLiteral' ? s.value : s.kind === 'Cast' && s.operand.kind === 'IntLiteral' ? BigInt.asUintN(64, s.operand.value) : undefined
  if (op === '<<') {
    // Go shifts every bit out for counts of the width or more; BPF leaves counts >= 64 undefined.
    if (constCount !== undefined) return constCount >= 64n ? zeroOf(t) : wrap(bt.binary(asU64(a), '<<', bt.int(constCount, 'uint64')), t)
    const n = stable(s, 'uint64')
    return wrap(bt.ternary(bt.binary(n, '>=', bt.int(64, 'uint64')), bt.int(0, 'uint64'), bt.binary(asU64(a), '<<', n)), t)
  }
  if (!signed) {
    if (constCount !== undefined) return constCount >= 64n ? zeroOf(t) : wrap(bt.binary(asU64(a), '>>', bt.int(constCount, 'uint64')), t)
    const n = stable(s, 'uint64')
    return wrap(bt.ternary(bt.binary(n, '>=', bt.int(64, 'uint64')), bt.int(0, 'uint64'), bt.binary(asU64(a), '>>', n)), t)
  }
  // Arithmetic shift from logical ones: a negative value is ~((~a) >> n). Counts past 63 give
  // the same as 63 (all sign bits), which is Go's result for any count of the width or more.
  const x = stable(a, 'int64')
  const n = constCount !== undefined
    ? bt.int(constCount > 63n ? 63n : constCount, 'uint64')
    // Kept in a variable: a ?: in an arm of the ?: below reads wrong on bpftrace 0.22 and 0.23.
    : stable(bt.ternary(bt.binary(stable(s, 'uint64'), '>', bt.int(63, 'uint64')), bt.int(63, 'uint64'), stable(s, 'uint64')), 'uint64')
  const negative = bt.unary('~', bt.binary(bt.unary('~', asU64(x)), '>>', n))
  return wrap(bt.ternary(bt.binary(x, '<', bt.int(0, 'int64')), asU64(negative), bt.binary(asU64(x), '>>', n)), t)
}

/** `a op b` for operands held in the same bpftrace type: signed compare for int64 on every version, unsigned for uint64. */
export function compare(op: CompareOp, a: bt.Expr, b: bt.Expr): bt.Expr {
  return bt.binary(a, op, b)
}

/** The Go type name shown in messages. */
export function goTypeName(t: IntGoType): string {
  if (t === 'untyped') return 'untyped constant'
  if (t === 'any') return 'map value'
  return t
}

/**
 * Whether evaluating `e` again gives the same value: registers, variables, constants and the
 * process's identity, and arithmetic on those. Memory, maps and clocks can change between reads.
 */
export function isStable(e: bt.Expr): boolean {
  switch (e.kind) {
    case 'IntLiteral': case 'Register': case 'Variable': return true
    case 'Builtin': return e.name === 'pid' || e.name === 'tid' || e.name === 'cpid'
    case 'Cast': case 'Unary': return isStable(e.operand)
    case 'Binary': return isStable(e.left) && isStable(e.right)
    case 'Ternary': return isStable(e.cond) && isStable(e.then) && isStable(e.otherwise)
    default: return false
  }
}

/** A single operand (a constant, register or variable, possibly cast): repeating it costs nothing. */
export function isOperand(e: bt.Expr): boolean {
  if (e.kind === 'Cast') return isOperand(e.operand)
  return e.kind === 'IntLiteral' || e.kind === 'Register' || e.kind === 'Variable'
}
