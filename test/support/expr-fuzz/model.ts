/**
 * The expression fuzz's draw: for every Go integer type, calls of one function with seeded
 * random operands (type boundaries, -1, 0, small values and random bit patterns) and the
 * expressions both Go and the probe compute from them. Division and remainder by zero are
 * left out (Go panics).
 */
import { seededRandom } from '../../oracles/abi/random-go.ts'

export const INT_TYPES = ['int8', 'int16', 'int32', 'int64', 'int', 'uint8', 'uint16', 'uint32', 'uint64', 'uint', 'uintptr'] as const
export type IntTypeName = (typeof INT_TYPES)[number]

export const WIDTH: Record<IntTypeName, number> = {
  int8: 8, int16: 16, int32: 32, int64: 64, int: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64, uint: 64, uintptr: 64,
}
export const isSigned = (t: IntTypeName): boolean => t.startsWith('int')

export function range(t: IntTypeName): [bigint, bigint] {
  const w = BigInt(WIDTH[t])
  return isSigned(t) ? [-(1n << (w - 1n)), (1n << (w - 1n)) - 1n] : [0n, (1n << w) - 1n]
}

/** Operators between a and b, in Go syntax and as the DSL method that computes them. */
export const BINARY = [
  ['add', '+', 'add'], ['sub', '-', 'sub'], ['mul', '*', 'mul'], ['and', '&', 'band'], ['or', '|', 'bor'],
  ['lt', '<', 'lt'], ['le', '<=', 'le'], ['gt', '>', 'gt'], ['ge', '>=', 'ge'], ['eq', '==', 'eq'], ['ne', '!=', 'ne'],
] as const
/** Division and remainder, computed only when b != 0. */
export const DIVISION = [['div', '/', 'div'], ['mod', '%', 'mod']] as const
/** Shifts of a by the uint8 count s. */
export const SHIFTS = [['shl', '<<', 'shl'], ['shr', '>>', 'shr']] as const
/** Operations with an untyped constant on the right: it takes a's type. */
export function constantOps(t: IntTypeName): readonly (readonly [label: string, goOp: string, method: string, constant: number])[] {
  const common = [
    ['addc', '+', 'add', 7], ['mulc', '*', 'mul', 3], ['divc', '/', 'div', 7], ['modc', '%', 'mod', 10],
    ['shrc', '>>', 'shr', 3], ['shlc', '<<', 'shl', 5], ['ltc', '<', 'lt', 1], ['eqc', '==', 'eq', 0],
  ] as const
  if (!isSigned(t)) return common
  return [...common, ['mulneg', '*', 'mul', -3], ['divneg', '/', 'div', -7], ['modneg', '%', 'mod', -7], ['ltneg', '<', 'lt', -1], ['eqneg', '==', 'eq', -1]]
}

export interface Call { readonly a: bigint; readonly b: bigint; readonly s: number }
export interface ExprFuzz { readonly seed: number; readonly calls: Readonly<Record<IntTypeName, readonly Call[]>> }

export function drawFuzz(seed: number, callsPerType: number): ExprFuzz {
  const rand = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const randomBits = (bits: number): bigint => {
    let v = 0n
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(rand() * 65536))
    return BigInt.asUintN(bits, v)
  }
  const calls = {} as Record<IntTypeName, Call[]>
  for (const t of INT_TYPES) {
    const [lo, hi] = range(t)
    const w = WIDTH[t]
    const special = [0n, 1n, 2n, 3n, 7n, hi, hi - 1n, lo, lo + 1n, ...(isSigned(t) ? [-1n, -2n, -3n, -7n] : [])]
    const operand = (): bigint => {
      const r = rand()
      if (r < 0.4) return pick(special)
      if (r < 0.55) {
        const small = BigInt(Math.floor(rand() * 41) - 20)
        return small < lo ? -small : small
      }
      const bits = randomBits(w)
      return isSigned(t) ? BigInt.asIntN(w, bits) : bits
    }
    const list: Call[] = []
    for (let i = 0; i < callsPerType; i++) {
      const s = rand() < 0.6 ? Math.floor(rand() * (w + 3)) : Math.floor(rand() * 256)
      list.push({ a: operand(), b: operand(), s })
    }
    calls[t] = list
  }
  return { seed, calls }
}
