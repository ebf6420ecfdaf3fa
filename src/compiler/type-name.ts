import * as bt from '../bpftrace/ast.ts'
import { UnsupportedError, UsageError } from '../errors.ts'
import { typeString } from '../gotypes/types.ts'
import { bytesEqual } from './bytes-equal.ts'
import type { FunctionFacts, TargetFacts } from './target-facts.ts'
import { minus } from './go-int.ts'
import * as V from './values.ts'
import type { Val } from './values.ts'

/*
 * The dynamic type's name of an interface value, read from its runtime type descriptor
 * (`runtime._type`, `internal/abi.Type` from go1.21): the same layout from go1.14 to
 * go1.26 on amd64. An empty interface holds the descriptor in its first word; any other
 * interface holds an itab whose second word is the descriptor.
 */
const TYPE_TFLAG = 20
const TYPE_STR = 40
const ITAB_TYPE = 8
/** tflagExtraStar: the stored name has a leading '*' that is not part of the type's name. */
const TFLAG_EXTRA_STAR = 2
/** Load biases are page aligned: any probe site within this distance of the entry gives it. */
const PAGE_SHIFT = 12
const PAGE = 2 ** PAGE_SHIFT

export interface TypeNameSite {
  readonly target: TargetFacts
  /** The probed function; undefined outside uprobes. */
  readonly fn: FunctionFacts | undefined
  /** Offsets from the function's entry of every place the probe attaches; undefined outside uprobes. */
  readonly probeOffsets: readonly number[] | undefined
  /**
   * The one offset the probe is known to attach at, when it is (line probes). Entry probes
   * may fall back to the first byte, so their offset is only known to within the page.
   */
  readonly exactOffset?: number
  /** Most bytes of a name read. */
  readonly strlen: number
  /** Evaluate a subexpression once (the name's address is used many times). */
  readonly temporary: (e: bt.Expr) => bt.Expr
}

/**
 * A bpftrace string with the name (`*errors.errorString`); empty for a nil interface.
 * Returns the fact to print next to the probe as well.
 */
export function dynamicTypeName(v: Val, site: TypeNameSite, path: string): { value: Val; fact: string } {
  const name = nameOf(v, site, `${path}.typeName()`, path)
  return { value: { kind: 'str', expr: bt.goString(name.data, name.length, site.strlen) }, fact: name.fact }
}

/**
 * Whether the dynamic type's name is `expected`, compared as integers (bytesEqual).
 */
export function dynamicTypeIs(v: Val, expected: string, site: TypeNameSite, path: string): { value: Val; fact: string } {
  const name = nameOf(v, site, `${path}.hasType(${JSON.stringify(expected)})`, path)
  return { value: { kind: 'int', expr: bytesEqual(name.data, name.length, expected), go: 'bool' }, fact: name.fact }
}

/** Address and length of the name's bytes, without the extra star. */
function nameOf(v: Val, site: TypeNameSite, what: string, path: string): { data: bt.Expr; length: bt.Expr; fact: string } {
  if ((v.kind !== 'parts' && v.kind !== 'mem') || v.type.kind !== 'interface') {
    throw new UsageError(`${what} needs an interface value, but ${path} is ${v.kind === 'parts' || v.kind === 'mem' ? `of type ${typeString(v.type)}` : 'not a Go value'}`)
  }
  const facts = site.target.typeNameFacts()
  const first = V.word(v, 0, path)
  const descriptor = site.temporary(v.type.empty
    ? first
    : bt.ternary(bt.binary(first, '==', bt.int(0, 'uint64')), bt.int(0, 'uint64'), bt.deref('uint64', V.add(first, ITAB_TYPE))))
  const typesBase = bt.binary(bt.int(facts.value.typesBase, 'uint64', { hex: true }), '+', loadBias(site, what))
  const name = site.temporary(bt.binary(typesBase, '+', bt.deref('uint32', V.add(descriptor, TYPE_STR))))
  const byteAt = (offset: number) => bt.deref('uint8', V.add(name, offset))
  let length: bt.Expr
  let data: bt.Expr
  if (facts.value.varintLength) {
    // A uvarint; type names are shorter than 2^14 bytes, so one or two bytes.
    const short = bt.binary(byteAt(1), '<', bt.int(128, 'uint64'))
    length = bt.ternary(short, byteAt(1), bt.binary(bt.binary(byteAt(1), '&', bt.int(127, 'uint64')), '|', bt.binary(byteAt(2), '<<', bt.int(7, 'uint64'))))
    data = bt.ternary(short, V.add(name, 2), V.add(name, 3))
  } else {
    length = bt.binary(bt.binary(byteAt(1), '<<', bt.int(8, 'uint64')), '|', byteAt(2))
    data = V.add(name, 3)
  }
  const star = bt.binary(bt.deref('uint8', V.add(descriptor, TYPE_TFLAG)), '&', bt.int(TFLAG_EXTRA_STAR, 'uint64'))
  const skip = bt.ternary(star, bt.int(1, 'uint64'), bt.int(0, 'uint64'))
  return {
    data: site.temporary(bt.binary(data, '+', skip)),
    length: site.temporary(minus(length, skip)),
    fact: `${what}: name from the runtime type descriptor (type data at ${facts.detail})`,
  }
}

/**
 * What to add to a link-time address to get its run-time address. Non-PIE executables load
 * at their link addresses. In a PIE the bias is the probe's run-time IP minus its link
 * address: exact when the probe's one attach point is known, and otherwise rounded down to
 * a page, which holds while every site is less than a page past the function's entry,
 * biases being page aligned.
 */
export function loadBias(site: TypeNameSite, what: string): bt.Expr {
  if (!site.target.isPIE) return bt.int(0, 'uint64')
  const fn = site.fn
  const offsets = site.probeOffsets
  if (!fn || !offsets) throw new UsageError(`${what} in a PIE binary is only available in uprobe handlers`)
  if (site.exactOffset !== undefined) return minus(bt.reg('ip'), bt.int(fn.entry + site.exactOffset, 'uint64', { hex: true }))
  if (offsets.some((o) => o >= PAGE)) {
    throw new UnsupportedError(`${what}: ${fn.name} is probed more than ${PAGE} bytes past its entry, so the PIE load bias cannot be derived there`)
  }
  const sinceEntry = minus(bt.reg('ip'), bt.int(fn.entry, 'uint64', { hex: true }))
  return bt.binary(bt.binary(sinceEntry, '>>', bt.int(PAGE_SHIFT, 'uint64')), '<<', bt.int(PAGE_SHIFT, 'uint64'))
}
