/**
 * Corrupted DWARF must give a DwarfFormatError (or another GoprobeError, or a
 * result), never a raw exception and never a hang. Sections of a small Go program
 * (DWARF 4 from go1.19, DWARF 5 from the PATH go) are mutated at random with a
 * printed seed (set GOPROBE_FUZZ_SEED to replay), plus hand-made cyclic references.
 */
import { describe, expect, it } from 'vitest'
import { ElfFile } from '../../src/binary/elf.ts'
import { GoprobeError } from '../../src/errors.ts'
import { DW_AT, DW_FORM, DW_TAG } from '../../src/dwarf/constants.ts'
import { Cursor } from '../../src/dwarf/cursor.ts'
import { attrNumber, type Die } from '../../src/dwarf/die.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { readForm } from '../../src/dwarf/forms.ts'
import { DwarfFunctions } from '../../src/dwarf/go-functions.ts'
import { DwarfTypes } from '../../src/dwarf/go-types.ts'
import { prologueEndAddresses } from '../../src/dwarf/line.ts'
import { goVersionAtLeast, toolchains } from '../support/fixtures.ts'
import { buildWith, oracleProgram } from '../oracles/dwarfdump/dwarfdump.ts'

const SECTIONS = ['.debug_info', '.debug_abbrev', '.debug_str', '.debug_line_str', '.debug_str_offsets', '.debug_addr', '.debug_loc', '.debug_loclists', '.debug_ranges', '.debug_rnglists', '.debug_line']
const CASES = 10_000
/** One case in this many also runs the full name-index pass (the costly part). */
const FULL_PASS_EVERY = 40
const TYPES = ['main.T', 'error', 'interface {}', '[]uint8', 'string']
const FUNCTIONS = ['main.Named', 'main.Blanks', 'main.(*T).BlankReceiver']

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Target {
  label: string
  sections: Map<string, Uint8Array>
  /** DIE offsets of the types and functions above, and where their bytes are: mutations aim there half the time. */
  typeOffsets: number[]
  functions: { offset: number; lowPc: number }[]
  stmtLists: number[]
  hotRanges: [number, number][]
}

async function loadTarget(label: string, path: string): Promise<Target> {
  const elf = ElfFile.open(path)
  const sections = new Map<string, Uint8Array>()
  for (const name of SECTIONS) {
    const data = elf.sectionData(name)
    if (data) sections.set(name, Uint8Array.from(data))
  }
  elf.close()
  const dwarf = new Dwarf((n) => sections.get(n))
  const typeOffsets = TYPES.map((n) => dwarf.index.all.types.get(n)!)
  // Shape names differ between toolchains (`[go.shape.int_0]` in go1.19, `[go.shape.int]` later).
  const generic = [...dwarf.index.all.functionsByName.keys()].find((n) => n.startsWith('main.Generic['))!
  const functions = [...FUNCTIONS, generic].map((n) => dwarf.index.all.functionsByName.get(n)!).map((f) => ({ offset: f.offset, lowPc: f.lowPc }))
  const stmtLists = [...new Set(functions.map((f) => dwarf.decoder.basesOf(dwarf.decoder.unitAt(f.offset)).stmtList!))]
  const hotRanges: [number, number][] = [...typeOffsets, ...functions.map((f) => f.offset)].map((o) => [o, o + 256])
  return { label, sections, typeOffsets, functions, stmtLists, hotRanges }
}

/** Everything a probe compile may ask of the reader, over possibly corrupted sections. */
function exercise(t: Target, sections: Map<string, Uint8Array>, fullPass: boolean): void {
  const dwarf = new Dwarf((n) => sections.get(n))
  const types = new DwarfTypes(dwarf)
  for (const off of t.typeOffsets) types.typeAt(off)
  for (const f of t.functions) {
    dwarf.index.functionAt(f.lowPc)
    const die = dwarf.die(f.offset)
    const frameBase = dwarf.frameBase(die)
    dwarf.ranges(die)
    for (const c of dwarf.children(die)) {
      if (c.tag !== DW_TAG.formal_parameter) continue
      dwarf.locationAt(c, f.lowPc, frameBase)
      const typeOffset = attrNumber(c, DW_AT.type)
      if (typeOffset !== undefined) types.typeAt(typeOffset)
    }
  }
  const line = sections.get('.debug_line') ?? new Uint8Array(0)
  for (const s of t.stmtLists) prologueEndAddresses(line, s)
  if (fullPass) {
    const functions = new DwarfFunctions(dwarf, types)
    for (const name of FUNCTIONS) {
      const f = functions.lookupFunction(name)
      if (f) {
        dwarf.prologueEnd(f.lowPc, f.highPc)
        for (const p of f.params) p.locationAt(f.lowPc)
      }
    }
    for (const name of TYPES) types.lookupType(name)
  }
}

type Mutation = (data: Uint8Array, r: () => number, hot: [number, number] | undefined) => Uint8Array

const pick = (r: () => number, n: number): number => Math.floor(r() * n)
function position(data: Uint8Array, r: () => number, hot: [number, number] | undefined): number {
  if (hot && r() < 0.5) return Math.min(data.length - 1, hot[0] + pick(r, hot[1] - hot[0]))
  return pick(r, data.length)
}

const MUTATIONS: Record<string, Mutation> = {
  bytes: (d, r, hot) => {
    const out = Uint8Array.from(d)
    for (let i = 1 + pick(r, 8); i > 0; i--) out[position(out, r, hot)] = pick(r, 256)
    return out
  },
  bits: (d, r, hot) => {
    const out = Uint8Array.from(d)
    for (let i = 1 + pick(r, 4); i > 0; i--) out[position(out, r, hot)]! ^= 1 << pick(r, 8)
    return out
  },
  truncate: (d, r, hot) => d.slice(0, position(d, r, hot)),
  insert: (d, r, hot) => {
    const at = position(d, r, hot)
    const junk = Uint8Array.from({ length: 1 + pick(r, 16) }, () => pick(r, 256))
    const out = new Uint8Array(d.length + junk.length)
    out.set(d.subarray(0, at))
    out.set(junk, at)
    out.set(d.subarray(at), at + junk.length)
    return out
  },
  extremes: (d, r, hot) => {
    const out = Uint8Array.from(d)
    const at = Math.min(position(out, r, hot), Math.max(0, out.length - 4))
    out.fill(r() < 0.5 ? 0xff : 0x00, at, at + 4)
    return out
  },
}

/** Byte position of a reference attribute inside a DIE (found by re-reading its abbreviation). */
function refAttributePosition(dwarf: Dwarf, die: Die, at: number): { pos: number; form: number } {
  const c = new Cursor(dwarf.decoder.info, '.debug_info', die.offset)
  const abbrev = dwarf.decoder.abbrevAt(c, die.unit)!
  for (const spec of abbrev.attrs) {
    const start = c.pos
    readForm(c, spec.form, spec.implicitConst, die.unit)
    if (spec.at === at) return { pos: start, form: spec.form }
  }
  throw new Error(`attribute 0x${at.toString(16)} not found`)
}

/** Rewrites references so that each points at its target (Go uses global ref_addr; ref4 is unit-relative). */
function withReferences(t: Target, dwarf: Dwarf, rewrites: readonly { from: Die; at: number; target: number }[]): Map<string, Uint8Array> {
  const info = Uint8Array.from(t.sections.get('.debug_info')!)
  for (const { from, at, target } of rewrites) {
    const { pos, form } = refAttributePosition(dwarf, from, at)
    if (form !== DW_FORM.ref_addr && form !== DW_FORM.ref4) throw new Error(`reference form 0x${form.toString(16)} not handled here`)
    new DataView(info.buffer).setUint32(pos, form === DW_FORM.ref_addr ? target : target - from.unit.offset, true)
  }
  return new Map([...t.sections, ['.debug_info', info]])
}

function classify(run: () => void): string {
  try {
    run()
    return 'ok'
  } catch (e) {
    if (e instanceof GoprobeError) return `${e.name}: ${e.message.replace(/\(.*\)$/, '').replace(/0x[0-9a-f]+|\d+/g, 'N').trim()}`
    throw e
  }
}

const tcs = await toolchains()
const dwarf4 = tcs.find((tc) => !goVersionAtLeast(tc, '1.25'))
const dwarf5 = tcs.find((tc) => goVersionAtLeast(tc, '1.25'))
if (!dwarf4 || !dwarf5) console.warn(`DWARF FUZZ: missing a ${dwarf4 ? 'DWARF 5' : 'DWARF 4'} toolchain; fuzzing only what is available`)
const targets: Target[] = []
for (const tc of [dwarf4, dwarf5]) {
  if (tc) targets.push(await loadTarget(`unnamed ${tc.id}`, await buildWith(tc, oracleProgram('unnamed'), [], 'unnamed')))
}

describe('corrupted DWARF', () => {
  it('the unmodified sections read cleanly', () => {
    for (const t of targets) expect(classify(() => exercise(t, t.sections, true)), t.label).toBe('ok')
  })

  it(`gives a GoprobeError or a result for ${CASES} random mutations, within bounded time`, () => {
    const seed = Number(process.env.GOPROBE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
    console.log(`dwarf fuzz seed ${seed} (replay with GOPROBE_FUZZ_SEED=${seed})`)
    const r = rng(seed)
    const histogram = new Map<string, number>()
    const names = Object.keys(MUTATIONS)
    let slowest = 0
    for (let i = 0; i < CASES; i++) {
      const t = targets[i % targets.length]!
      const present = [...t.sections.keys()]
      // .debug_info and .debug_abbrev hold most of the structure: mutate them most often.
      const section = r() < 0.6 ? (r() < 0.7 ? '.debug_info' : '.debug_abbrev') : present[pick(r, present.length)]!
      const mutation = names[pick(r, names.length)]!
      const original = t.sections.get(section)!
      const hot = section === '.debug_info' ? t.hotRanges[pick(r, t.hotRanges.length)] : undefined
      const mutated = new Map(t.sections).set(section, MUTATIONS[mutation]!(original, r, hot))
      const started = performance.now()
      let outcome: string
      try {
        outcome = classify(() => exercise(t, mutated, i % FULL_PASS_EVERY === 0))
      } catch (e) {
        throw new Error(`case ${i} (seed ${seed}, ${t.label}, ${mutation} of ${section}) crashed: ${e instanceof Error ? e.stack : String(e)}`)
      }
      slowest = Math.max(slowest, performance.now() - started)
      histogram.set(outcome, (histogram.get(outcome) ?? 0) + 1)
    }
    const lines = [...histogram.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${String(n).padStart(6)}  ${k}`)
    console.log(`dwarf fuzz: ${CASES} cases, slowest ${slowest.toFixed(0)} ms\n${lines.join('\n')}`)
    expect([...histogram.values()].reduce((a, b) => a + b, 0)).toBe(CASES)
    expect(slowest).toBeLessThan(5_000)
  })

  describe.each(targets)('cyclic references in $label', (t) => {
    const dwarf = new Dwarf((n) => t.sections.get(n))
    // Typedefs without a Go kind are followed to their target: the ones a cycle could trap.
    // Go emits one right after each defined struct and Go-kind typedef, with the same name.
    const plainTypedefs = [...dwarf.index.all.types.values()]
      .map((off) => dwarf.decoder.die(dwarf.decoder.siblingOffset(dwarf.die(off))))
      .filter((d): d is Die => d?.tag === DW_TAG.typedef && attrNumber(d, DW_AT.go_kind) === undefined)
      .slice(0, 2)
    const [a, b] = plainTypedefs as [Die, Die]
    const struct = dwarf.die(dwarf.index.all.types.get('main.T')!)
    const member = [...dwarf.children(struct)][0]!
    // go1.19 emits no `*main.T` for this program; any named pointer type will do.
    const pointerName = dwarf.index.all.types.has('*main.T') ? '*main.T' : [...dwarf.index.all.types.keys()].find((n) => n.startsWith('*'))!
    const pointer = dwarf.die(dwarf.index.all.types.get(pointerName)!)

    it('a typedef naming itself, or two naming each other, is a DwarfFormatError', () => {
      const self = withReferences(t, dwarf, [{ from: a, at: DW_AT.type, target: a.offset }])
      expect(classify(() => new DwarfTypes(new Dwarf((n) => self.get(n))).typeAt(a.offset))).toBe('DwarfFormatError: cyclic typedef chain')
      const mutual = withReferences(t, dwarf, [{ from: a, at: DW_AT.type, target: b.offset }, { from: b, at: DW_AT.type, target: a.offset }])
      expect(classify(() => new DwarfTypes(new Dwarf((n) => mutual.get(n))).typeAt(b.offset))).toBe('DwarfFormatError: cyclic typedef chain')
    })

    it('a struct containing itself by value is a DwarfFormatError, and a later lookup still fails cleanly', () => {
      const cyclic = withReferences(t, dwarf, [{ from: member, at: DW_AT.type, target: struct.offset }])
      const types = new DwarfTypes(new Dwarf((n) => cyclic.get(n)))
      expect(classify(() => types.lookupType('main.T'))).toBe('DwarfFormatError: type main.T contains itself by value')
      expect(classify(() => types.lookupType('main.T'))).toBe('DwarfFormatError: type main.T contains itself by value')
    })

    it('a pointer to itself (legal Go: type P *P) is a cyclic node', () => {
      const cyclic = withReferences(t, dwarf, [{ from: pointer, at: DW_AT.type, target: pointer.offset }])
      const p = new DwarfTypes(new Dwarf((n) => cyclic.get(n))).lookupType(pointerName)!
      expect(p.kind === 'pointer' && p.elem).toBe(p)
    })
  })
})
