import type { GoType, Param, Signature } from '../gotypes/types.ts'
import { DW_AT, DW_TAG } from './constants.ts'
import { attrFlag, attrNumber, attrString, type Die } from './die.ts'
import type { Dwarf } from './dwarf.ts'
import type { DwarfTypes } from './go-types.ts'
import type { Location } from './location.ts'
import type { FunctionEntry } from './name-index.ts'

/** A formal parameter (argument or result) of a function, as DWARF lists it. */
export interface DwarfParam {
  /** The DWARF name: source names, `~r0`/`~b0` for unnamed/blank results, `~p0` for unnamed arguments (Go 1.26+). */
  readonly name: string
  readonly isResult: boolean
  readonly type: GoType
  /** Where the value lives at `pc`; undefined when DWARF has no location there, no pieces when it is not available. */
  locationAt(pc: number): Location | undefined
}

export interface DwarfFunction {
  readonly name: string
  readonly lowPc: number
  readonly highPc: number
  readonly signature: Signature
  /** In DWARF order (receiver when present, arguments, results), repeated entries of one name dropped. */
  readonly params: readonly DwarfParam[]
}

/**
 * The first Go release seen to emit entries for unnamed and blank arguments and
 * receivers (as `~pN`); earlier ones drop them, so their lists may have gaps.
 * Observed: 1.19 and 1.21 omit them, 1.23 through 1.26 emit them; 1.22 is untested
 * and so treated as omitting (test/unit/dwarf-functions.test.ts checks each toolchain).
 */
const FIRST_GO_MINOR_WITH_UNNAMED_PARAMS = 23

/** Functions as Go's DWARF describes them: code range, parameters, and a signature. */
export class DwarfFunctions {
  private readonly producers = new Map<number, number | undefined>()

  constructor(
    private readonly dwarf: Dwarf,
    private readonly types: DwarfTypes,
  ) {}

  /** Every function with code, for suggestions. */
  functionNames(): Iterable<string> {
    return this.dwarf.index.functionNames()
  }

  /** `entry`, the function's address when known, spares a walk over every unit. */
  lookupFunction(name: string, entry?: number): DwarfFunction | undefined {
    const found = this.dwarf.index.functionNamed(name, entry)
    return found && this.describe(found)
  }

  /** The function whose code contains `pc`. */
  functionAt(pc: number): DwarfFunction | undefined {
    const entry = this.dwarf.index.functionAt(pc)
    return entry && this.describe(entry)
  }

  private describe(entry: FunctionEntry): DwarfFunction {
    const die = this.dwarf.die(entry.offset)
    const origin = this.dwarf.ref(die, DW_AT.abstract_origin)
    const frameBase = this.dwarf.frameBase(die)
    const params: DwarfParam[] = []
    let hasDictionary = false
    for (const child of this.dwarf.children(die)) {
      // Shape instantiations list their type parameters as `.paramN` typedefs indexing the hidden dictionary.
      if (child.tag === DW_TAG.typedef && attrNumber(child, DW_AT.go_dict_index) !== undefined) hasDictionary = true
      if (child.tag !== DW_TAG.formal_parameter) continue
      const decl = this.dwarf.ref(child, DW_AT.abstract_origin) ?? child
      const typeOffset = attrNumber(child, DW_AT.type) ?? attrNumber(decl, DW_AT.type)
      if (typeOffset === undefined) continue
      const name = attrString(child, DW_AT.name) ?? attrString(decl, DW_AT.name) ?? ''
      // Go sometimes lists a result twice (`~r0`, or a named one; about 90 functions of the
      // `basic` fixture with every toolchain from 1.19 to 1.26); names in one signature are unique, so keep the first.
      if (name !== '' && params.some((p) => p.name === name)) continue
      params.push({
        name,
        isResult: attrFlag(child, DW_AT.variable_parameter) || attrFlag(decl, DW_AT.variable_parameter),
        type: this.types.typeAt(typeOffset),
        locationAt: (pc) => this.dwarf.locationAt(child, pc, frameBase),
      })
    }
    if (origin) hasDictionary ||= [...this.dwarf.children(origin)].some((c) => attrNumber(c, DW_AT.go_dict_index) !== undefined)
    const generic = hasDictionary || entry.name.includes('go.shape.')
    return { name: entry.name, lowPc: entry.lowPc, highPc: entry.highPc, params, signature: this.signature(entry, die, params, generic) }
  }

  private signature(entry: FunctionEntry, die: Die, params: readonly DwarfParam[], generic: boolean): Signature {
    const args = params.filter((p) => !p.isResult)
    const results = params.filter((p) => p.isResult).map(toParam)
    const receiverType = receiverTypeName(entry.name, (n) => this.dwarf.index.typeOffset(n) !== undefined)
    const first = args[0]
    const hasReceiver = receiverType !== undefined && first !== undefined && sameBaseType(first.type, receiverType)
    const minor = this.producerMinor(die)
    const listsUnnamed = minor !== undefined && minor >= FIRST_GO_MINOR_WITH_UNNAMED_PARAMS
    return {
      ...(hasReceiver ? { receiver: toParam(first) } : {}),
      params: (hasReceiver ? args.slice(1) : args).map(toParam),
      results,
      // DWARF does not mark `...` parameters.
      variadic: false,
      complete: listsUnnamed && !generic && (receiverType === undefined || hasReceiver),
      source: 'dwarf',
    }
  }

  /** The Go minor version in the unit's DW_AT_producer ("Go cmd/compile go1.26.8; regabi"). */
  private producerMinor(die: Die): number | undefined {
    const unit = die.unit
    if (!this.producers.has(unit.offset)) {
      const cu = this.dwarf.die(unit.dieOffset)
      const m = /\bgo1\.(\d+)/.exec(attrString(cu, DW_AT.producer) ?? '')
      this.producers.set(unit.offset, m ? Number(m[1]) : undefined)
    }
    return this.producers.get(unit.offset)
  }
}

function toParam(p: DwarfParam): Param {
  // `~pN` is DWARF's placeholder for an unnamed argument; the model leaves those unnamed.
  return p.name === '' || /^~p\d+$/.test(p.name) ? { type: p.type } : { name: p.name, type: p.type }
}

/**
 * The receiver type a method's name spells (`pkg.(*T).M` -> `pkg.T`, `pkg.T.M` ->
 * `pkg.T`), or undefined for plain functions and closures (`pkg.F.func1`). The
 * value-receiver form is told from a closure or a dotted package path
 * (`gopkg.in/yaml.v3.F`) by asking whether the prefix names a type.
 */
export function receiverTypeName(fn: string, isType: (name: string) => boolean): string | undefined {
  const cut = lastDotOutsideBrackets(fn)
  if (cut <= 0) return undefined
  const recv = fn.slice(0, cut)
  const star = recv.indexOf('.(*')
  if (star >= 0 && recv.endsWith(')')) return `${recv.slice(0, star)}.${recv.slice(star + 3, -1)}`
  // Instantiated receivers (`pkg.T[go.shape.int]`) have no type of that exact name.
  return isType(recv) || (recv.endsWith(']') && recv.includes('[')) ? recv : undefined
}

function lastDotOutsideBrackets(s: string): number {
  let depth = 0
  for (let i = s.length - 1; i >= 0; i--) {
    const ch = s[i]
    if (ch === ']') depth++
    else if (ch === '[') depth--
    else if (ch === '.' && depth === 0) return i
  }
  return -1
}

/** `*pkg.T[go.shape.int]` and `pkg.T[int]` both have base type `pkg.T`. */
function sameBaseType(t: GoType, receiver: string): boolean {
  const named = t.kind === 'pointer' && t.name === undefined ? t.elem : t
  const strip = (s: string): string => s.replace(/\[.*\]$/, '')
  return named.name !== undefined && strip(named.name) === strip(receiver)
}
