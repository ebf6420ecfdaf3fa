/**
 * Seeded random function signatures for the ABI fuzz, with the argument values of each call
 * and the result values of each return path. The mix covers what the register ABI treats
 * specially: sub-word integers, multi-word strings/slices/interfaces, structs that fit and
 * structs or arrays that fall back to the stack, registers running out and later values
 * still taking the registers left, receivers, variadics and generic instantiations.
 */
import { declaredType, Drawer, goType, type FuzzFunction, type FuzzType, type Param } from './model.ts'

/** Calls per function: the global call counter's parity picks the return path, so both run. */
const CALLS = 2

export interface FuzzProgram {
  readonly seed: number
  readonly structs: Drawer['structs']
  readonly functions: readonly FuzzFunction[]
}

export function drawProgram(seed: number, count: number): FuzzProgram {
  const d = new Drawer(seed)
  const functions = Array.from({ length: count }, (_, i) => drawFunction(d, i))
  return { seed, structs: d.structs, functions }
}

function drawFunction(d: Drawer, i: number): FuzzFunction {
  const r = d.int(100)
  if (r < 12) return finish(d, `P${i}`, manyParams(d), drawResults(d), { receiver: { struct: d.pick(d.structs), pointer: true } })
  if (r < 22) return finish(d, `V${i}`, manyParams(d), drawResults(d), { receiver: { struct: d.pick(d.structs), pointer: false } })
  if (r < 32) return generic(d, i)
  if (r < 40) return finish(d, `F${i}`, intWords(d), drawResults(d))
  if (r < 50) return finish(d, `F${i}`, spillThenRegisters(d), drawResults(d))
  if (r < 58) {
    const params = manyParams(d).slice(0, 3)
    params.push({ name: `a${params.length}`, type: { kind: 'slice', elem: d.chance(0.7) ? d.intType() : { kind: 'string' } } })
    return finish(d, `F${i}`, params, drawResults(d), { variadic: true })
  }
  return finish(d, `F${i}`, manyParams(d), drawResults(d))
}

const named = (types: FuzzType[], prefix: string): Param[] => types.map((type, i) => ({ name: `${prefix}${i}`, type }))

function manyParams(d: Drawer): Param[] {
  const n = d.pick([0, 1, 2, 3, 4, 5, 6, 8, 10])
  return named(Array.from({ length: n }, () => d.type()), 'a')
}

function drawResults(d: Drawer): Param[] {
  const n = d.pick([0, 1, 1, 2, 2, 3, 4])
  return named(Array.from({ length: n }, () => d.type()), 'r')
}

/** More than nine integer words: the ones after the ninth go to the stack. */
function intWords(d: Drawer): Param[] {
  return named(Array.from({ length: 10 + d.int(5) }, () => d.intType()), 'a')
}

/**
 * Registers nearly used up, then a value that needs more than remain (it goes wholly to
 * the stack), then small values that still take the remaining registers.
 */
function spillThenRegisters(d: Drawer): Param[] {
  const types: FuzzType[] = Array.from({ length: 6 + d.int(3) }, () => d.intType())
  types.push(d.pick<FuzzType>([
    { kind: 'slice', elem: { kind: 'string' } },
    { kind: 'string' },
    { kind: 'struct', fields: [{ name: 'A', type: d.intType() }, { name: 'B', type: { kind: 'string' } }] },
    { kind: 'interface', iface: 'error', dynamic: { kind: 'errorsNew' } },
  ]))
  for (let k = 1 + d.int(3); k > 0; k--) types.push(d.chance(0.7) ? d.intType() : { kind: 'bool' })
  return named(types, 'a')
}

function generic(d: Drawer, i: number): FuzzFunction {
  const typeArg = d.builtinLeaf()
  const params = named([typeArg, ...Array.from({ length: d.int(4) }, () => d.builtinLeaf())], 'a')
  const results = named([typeArg, ...Array.from({ length: d.int(2) }, () => d.intType())], 'r')
  return finish(d, `G${i}`, params, results, { typeArg })
}

function finish(
  d: Drawer, ident: string, params: Param[], results: Param[],
  extra: { receiver?: FuzzFunction['receiver']; variadic?: boolean; typeArg?: FuzzType } = {},
): FuzzFunction {
  const returnPath = (zero: boolean) => results.map((r, k) => {
    // A generic function's T result comes from its T argument, or is T's zero value.
    if (extra.typeArg && k === 0) return zero ? '*new(T)' : 'a0'
    return d.value(r.type)
  })
  const calls = Array.from({ length: CALLS }, () => ({
    ...(extra.receiver ? { receiver: d.value({ kind: extra.receiver.pointer ? 'pointer' : 'named', struct: extra.receiver.struct }) } : {}),
    args: params.map((p) => d.value(p.type)),
  }))
  return {
    ident,
    ...(extra.receiver ? { receiver: extra.receiver } : {}),
    params,
    variadic: extra.variadic ?? false,
    results,
    namedResults: d.chance(0.5),
    ...(extra.typeArg ? { typeArg: extra.typeArg } : {}),
    returns: [returnPath(false), returnPath(true)],
    calls,
  }
}

/**
 * How a signature is written: as Go source (the generic parameter spelled T), or as the
 * instantiated signature declared to goprobe (named types qualified with `main.`).
 */
export type SignatureStyle = 'source' | 'declared'

const typeTextFor = (style: SignatureStyle): ((t: FuzzType) => string) => (style === 'source' ? goType : declaredType)

/** The parameter list, `a0 int8, a1 ...string`. */
export function paramList(f: FuzzFunction, style: SignatureStyle): string {
  const typeText = typeTextFor(style)
  return f.params.map((p, k) => {
    const last = k === f.params.length - 1
    const text = f.typeArg && k === 0 && style === 'source' ? 'T' : last && f.variadic && p.type.kind === 'slice' ? `...${typeText(p.type.elem)}` : typeText(p.type)
    return `${p.name} ${text}`
  }).join(', ')
}

/** The result list, `(r0 int8, r1 string)` or `(int8, string)`, empty for none. */
export function resultList(f: FuzzFunction, style: SignatureStyle): string {
  if (f.results.length === 0) return ''
  const typeText = typeTextFor(style)
  const types = f.results.map((r, k) => (f.typeArg && k === 0 && style === 'source' ? 'T' : typeText(r.type)))
  return f.namedResults ? `(${f.results.map((r, k) => `${r.name} ${types[k]}`).join(', ')})` : `(${types.join(', ')})`
}
