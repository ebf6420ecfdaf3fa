/**
 * goprobe's DWARF reader against Go's own debug/dwarf (with Delve's location-list
 * evaluator), run by test/oracles/dwarfdump on the `basic` fixture built with every
 * toolchain (DWARF 4 from go1.19..1.24, DWARF 5 from 1.25+), compressed (default),
 * uncompressed (-compressdwarf=false) and PIE.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ElfFile, SHF_COMPRESSED } from '../../src/binary/elf.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { DwarfFormatError } from '../../src/errors.ts'
import { DwarfFunctions } from '../../src/dwarf/go-functions.ts'
import { DwarfTypes } from '../../src/dwarf/go-types.ts'
import { allBuilds, buildLabel, FIXTURES_DIR, goVersionAtLeast, type Toolchain } from '../support/fixtures.ts'
import { buildWith, dwarfDump, type DwarfDump } from '../oracles/dwarfdump/dwarfdump.ts'
import { compareFunctions, compareStructs, compareUnitRanges, firstByName } from '../oracles/dwarfdump/compare.ts'

interface Variant { label: string; path: string; toolchain: Toolchain; compressed: boolean }

const variants: Variant[] = []
for (const b of await allBuilds('basic', ['default', 'pie'])) variants.push({ label: buildLabel(b), path: b.path, toolchain: b.toolchain, compressed: true })
for (const tc of [...new Set(variants.map((v) => v.toolchain))]) {
  const path = await buildWith(tc, join(FIXTURES_DIR, 'basic'), ['-ldflags=-compressdwarf=false'], 'basic-uncompressed')
  variants.push({ label: `basic ${tc.id} -compressdwarf=false`, path, toolchain: tc, compressed: false })
}

/** Types the compiler asks for, which must be among those compared. */
const REQUIRED_STRUCTS = ['net/http.Request', 'net/url.URL', 'crypto/tls.Config', 'runtime.g', 'runtime.eface']

function open(path: string) {
  const elf = ElfFile.open(path)
  const dwarf = new Dwarf((name) => elf.sectionData(name))
  const types = new DwarfTypes(dwarf)
  return { elf, dwarf, types, functions: new DwarfFunctions(dwarf, types) }
}

describe.each(variants)('DWARF of $label', (v) => {
  let dump: DwarfDump
  const reader = (): ReturnType<typeof open> => open(v.path)

  it('has the section compression and DWARF version the build asked for', async () => {
    dump = await dwarfDump(v.path)
    const { elf, dwarf } = reader()
    expect((elf.section('.debug_info')!.flags & SHF_COMPRESSED) !== 0).toBe(v.compressed)
    // go-internals.md §7: DWARF 5 by default from Go 1.25 on linux, DWARF 4 before.
    const expected = goVersionAtLeast(v.toolchain, '1.25') ? 5 : 4
    expect(new Set(dwarf.decoder.headers.map((u) => u.version))).toEqual(new Set([expected]))
    elf.close()
  })

  it('gives every named struct the fields, offsets and sizes debug/dwarf gives', async () => {
    dump ??= await dwarfDump(v.path)
    const structs = firstByName(dump.structs)
    for (const name of REQUIRED_STRUCTS) expect(structs.has(name), `oracle lists ${name}`).toBe(true)
    const { types, elf } = reader()
    const compared = compareStructs(types, dump)
    console.log(`${v.label}: ${compared} structs match debug/dwarf`)
    elf.close()
  })

  it('gives every function the range, prologue_end, parameters and entry locations debug/dwarf + Delve give', async () => {
    dump ??= await dwarfDump(v.path)
    const { dwarf, functions, elf } = reader()
    const r = compareFunctions(dwarf, functions, dump)
    console.log(`${v.label}: ${r.functions} functions, ${r.params} parameters (${r.located} with a location at low_pc) match; skipped ${r.skipped.length}${r.skipped.length ? `: ${r.skipped.slice(0, 3).join('; ')}` : ''}; ${r.duplicates.length} repeated entries dropped (e.g. ${r.duplicates.slice(0, 3).join(', ') || 'none'})`)
    expect(r.located).toBeGreaterThan(100)
    expect(r.skipped).toEqual([])
    elf.close()
  })

  it('gives every compilation unit the code ranges debug/dwarf gives', async () => {
    dump ??= await dwarfDump(v.path)
    const { dwarf, elf } = reader()
    const ranges = compareUnitRanges(dwarf, dump)
    console.log(`${v.label}: ${dump.units.length} units, ${ranges} ranges match`)
    expect(ranges).toBeGreaterThan(dump.units.length)
    elf.close()
  })

  it('has prologue_end rows for most functions', async () => {
    dump ??= await dwarfDump(v.path)
    const withPrologueEnd = dump.functions.filter((f) => f.prologueEnd !== null).length
    console.log(`${v.label}: ${withPrologueEnd} of ${dump.functions.length} functions have a prologue_end row`)
    expect(withPrologueEnd).toBeGreaterThan(dump.functions.length / 2)
  })
})
describe.each(await allBuilds('basic', ['stripped']))('$fixture $toolchain.id $mode', (build) => {
  it('has no DWARF, which is a DwarfFormatError naming the missing section', () => {
    const elf = ElfFile.open(build.path)
    expect(() => new Dwarf((name) => elf.sectionData(name))).toThrow(DwarfFormatError)
    expect(() => new Dwarf((name) => elf.sectionData(name))).toThrow(/no \.debug_info/)
    elf.close()
  })
})
