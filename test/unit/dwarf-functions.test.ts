/**
 * Signatures from DWARF, and whether they may be trusted by position. The program
 * test/oracles/dwarfdump/testdata/unnamed declares unnamed and blank arguments and
 * receivers and a generic function; the argument counts below are read off its
 * source. What each toolchain's DWARF lists comes from Go's debug/dwarf.
 */
import { describe, expect, it } from 'vitest'
import { ElfFile } from '../../src/binary/elf.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { DwarfFunctions } from '../../src/dwarf/go-functions.ts'
import { DwarfTypes } from '../../src/dwarf/go-types.ts'
import { typeString } from '../../src/gotypes/types.ts'
import { toolchains } from '../support/fixtures.ts'
import { buildWith, dwarfDump, oracleProgram } from '../oracles/dwarfdump/dwarfdump.ts'

/** Arguments (receiver included) each function declares in the source. */
const SOURCE_ARGUMENTS: Record<string, number> = {
  'main.T.UnnamedReceiver': 2,
  'main.(*T).BlankReceiver': 2,
  'main.Blanks': 3,
  'main.Unnamed': 2,
  'main.Named': 2,
}

describe.each(await toolchains())('signatures from $id DWARF', (tc) => {
  it('are complete only when DWARF lists every argument, always when the toolchain lists unnamed ones, never for shapes', async () => {
    const path = await buildWith(tc, oracleProgram('unnamed'), [], 'unnamed')
    const dump = await dwarfDump(path)
    const elf = ElfFile.open(path)
    const dwarf = new Dwarf((n) => elf.sectionData(n))
    const functions = new DwarfFunctions(dwarf, new DwarfTypes(dwarf))
    const listedCount = (name: string): number => dump.functions.find((f) => f.name === name)!.params.filter((p) => !p.isResult).length
    // A toolchain that drops unnamed arguments drops them from main.Unnamed.
    const listsUnnamed = listedCount('main.Unnamed') === SOURCE_ARGUMENTS['main.Unnamed']
    for (const [name, declared] of Object.entries(SOURCE_ARGUMENTS)) {
      const listed = listedCount(name)
      const sig = functions.lookupFunction(name)!.signature
      // Sound: never complete with a gap. Useful: complete whenever the toolchain leaves no gaps.
      if (sig.complete) expect(listed, `${name} is complete, so DWARF lists all ${declared} arguments`).toBe(declared)
      expect(sig.complete, `${name} with a toolchain that ${listsUnnamed ? 'lists' : 'drops'} unnamed arguments`).toBe(listsUnnamed)
      expect(sig.source).toBe('dwarf')
    }
    const shapes = dump.functions.filter((f) => f.name.startsWith('main.Generic['))
    expect(shapes.length).toBeGreaterThan(0)
    for (const f of shapes) expect(functions.lookupFunction(f.name)!.signature.complete, f.name).toBe(false)

    const named = functions.lookupFunction('main.Named')!.signature
    expect({
      params: named.params.map((p) => `${p.name} ${typeString(p.type)}`),
      results: named.results.map((p) => `${p.name} ${typeString(p.type)}`),
      receiver: named.receiver,
    }).toEqual({ params: ['a int', 's string'], results: ['n int', 'err error'], receiver: undefined })

    // With the receiver listed (Go 1.23+ lists even unnamed ones), it is the receiver, not an argument.
    const method = functions.lookupFunction('main.(*T).BlankReceiver')!.signature
    if (method.complete) {
      expect(method.receiver && typeString(method.receiver.type)).toBe('*main.T')
      expect(method.params.map((p) => p.name)).toEqual(['a'])
    } else expect(method.receiver).toBeUndefined()
    console.log(`${tc.id}: unnamed arguments ${listsUnnamed ? 'listed (as ~pN)' : 'omitted'}`)
    elf.close()
  })
})
