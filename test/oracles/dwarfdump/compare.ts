/**
 * Comparisons of goprobe's DWARF reader with the dwarfdump oracle's view of the
 * same binary, shared by the Go and C tests.
 */
import { expect } from 'vitest'
import type { Dwarf } from '../../../src/dwarf/dwarf.ts'
import type { DwarfFunctions } from '../../../src/dwarf/go-functions.ts'
import type { DwarfTypes } from '../../../src/dwarf/go-types.ts'
import type { Location } from '../../../src/dwarf/location.ts'
import { UnsupportedError } from '../../../src/errors.ts'
import type { DumpPiece, DumpStruct, DwarfDump } from './dwarfdump.ts'

export function firstByName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  const m = new Map<string, T>()
  for (const i of items) if (!m.has(i.name)) m.set(i.name, i)
  return m
}

/** Our location in the oracle's terms (register-relative and dereferenced memory have no oracle counterpart). */
function asDumpPieces(loc: Location | undefined): (DumpPiece | { size: number; unmatched: string })[] | null {
  if (!loc) return null
  return loc.pieces.map((p) => {
    const size = p.size ?? 0
    switch (p.loc.kind) {
      case 'reg': return { size, reg: p.loc.dwarfReg }
      case 'cfa': return { size, cfaOffset: p.loc.offset }
      case 'addr': return { size, addr: p.loc.addr }
      case 'empty': return { size, empty: true }
      case 'regOffset': case 'deref': return { size, unmatched: JSON.stringify(p.loc) }
    }
  })
}

/**
 * Every named struct (first of each name) has debug/dwarf's size and fields.
 * debug/dwarf also reads Go strings and slices as structs; those must come out as
 * the model's string/slice kinds with the same size.
 */
export function compareStructs(types: DwarfTypes, dump: DwarfDump): number {
  let compared = 0
  for (const want of firstByName(dump.structs).values()) {
    const got = types.lookupType(want.name)
    expect(got, want.name).toBeDefined()
    if (got!.kind !== 'struct') {
      expect(['string', 'slice'], `${want.name} kind`).toContain(got!.kind)
      expect(got!.size, want.name).toBe(want.size)
    } else {
      const actual: DumpStruct = {
        name: want.name,
        size: got!.size,
        fields: got!.fields.map((f) => ({ name: f.name, offset: f.offset, size: f.type.size, embedded: f.embedded })),
      }
      expect(actual, want.name).toEqual(want)
    }
    compared++
  }
  return compared
}

/** Every unit's code ranges (DW_AT_ranges via .debug_ranges/.debug_rnglists, or low/high pc) equal debug/dwarf's. */
export function compareUnitRanges(dwarf: Dwarf, dump: DwarfDump): number {
  const ours = dwarf.decoder.headers.map((h) => dwarf.ranges(dwarf.die(h.dieOffset)))
  expect(ours.map((r) => r.map(([a, b]) => [a, b]))).toEqual(dump.units.map((u) => u.ranges))
  return ours.reduce((n, r) => n + r.length, 0)
}

export interface FunctionComparison {
  functions: number
  params: number
  /** Parameters with at least one piece at low_pc. */
  located: number
  /** Parameters Delve could not evaluate, or whose expression goprobe declines (UnsupportedError). */
  skipped: string[]
  /** Repeated parameter entries (same name) that goprobe drops, as `function name`. */
  duplicates: string[]
}

/**
 * Every function (first of each name) has debug/dwarf's pc range and parameter
 * names and result flags, and each parameter the pieces Delve's evaluator gives at
 * low_pc. The prologue_end row matches the one debug/dwarf's line reader flags.
 * Functions are first found by address, which reads only the unit holding them; the
 * full pass over every unit must then find each by name at the same address.
 */
export function compareFunctions(dwarf: Dwarf, functions: DwarfFunctions, dump: DwarfDump): FunctionComparison {
  const out: FunctionComparison = { functions: 0, params: 0, located: 0, skipped: [], duplicates: [] }
  for (const listed of firstByName(dump.functions).values()) {
    // Go sometimes lists an unnamed result twice; goprobe keeps the first entry of a name.
    const seen = new Set<string>()
    const params = listed.params.filter((p) => {
      if (p.name === '' || !seen.has(p.name)) return seen.add(p.name)
      out.duplicates.push(`${listed.name} ${p.name}`)
      return false
    })
    const want = { ...listed, params }
    const got = functions.lookupFunction(want.name, want.lowPc)
    expect(got, want.name).toBeDefined()
    const shape = (f: { lowPc: number; highPc: number; params: readonly { name: string; isResult: boolean }[] }) => ({
      lowPc: f.lowPc, highPc: f.highPc, params: f.params.map((p) => [p.name, p.isResult]),
    })
    expect(shape(got!), want.name).toEqual(shape(want))
    expect(dwarf.prologueEnd(want.lowPc, want.highPc) ?? null, `${want.name} prologue_end`).toBe(want.prologueEnd)
    out.functions++
    for (const [i, p] of want.params.entries()) {
      out.params++
      if (p.error) { out.skipped.push(`${want.name} ${p.name}: Delve: ${p.error}`); continue }
      let loc: Location | undefined
      try {
        loc = got!.params[i]!.locationAt(want.lowPc)
      } catch (e) {
        if (!(e instanceof UnsupportedError)) throw e
        out.skipped.push(`${want.name} ${p.name}: ${e.message}`)
        continue
      }
      expect(asDumpPieces(loc), `${want.name} ${p.name} at low_pc`).toEqual(p.pieces)
      if (p.pieces?.length) out.located++
    }
  }
  for (const want of firstByName(dump.functions).values()) expect(functions.lookupFunction(want.name)?.lowPc, `${want.name} by name`).toBe(want.lowPc)
  return out
}
