/**
 * The reader must stay lazy: on a binary that links much of the standard library,
 * laying out net/http.Request must not walk every unit, and opening it, that layout and
 * the full pass that listing names needs must together stay under 1.5 s.
 * The figures are printed for the record (npm run bench measures speed); the bound is
 * loose because the test machine is shared.
 */
import { describe, expect, it } from 'vitest'
import { ElfFile } from '../../src/binary/elf.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { DwarfTypes } from '../../src/dwarf/go-types.ts'
import { buildGo, oracleProgram } from '../oracles/dwarfdump/dwarfdump.ts'
import { statSync } from 'node:fs'

describe('DWARF reader speed', () => {
  it('lays out net/http.Request in a large binary in well under a second, without walking every unit', async () => {
    const path = await buildGo(oracleProgram('big'), 'go', { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' }, [], 'big')
    const heapBefore = process.memoryUsage().heapUsed
    const t0 = performance.now()
    const elf = ElfFile.open(path)
    const dwarf = new Dwarf((n) => elf.sectionData(n))
    const t1 = performance.now()
    const request = new DwarfTypes(dwarf).lookupType('net/http.Request')
    const t2 = performance.now()
    expect(request?.kind).toBe('struct')
    expect(dwarf.index.walkedAllUnits).toBe(false)
    const index = dwarf.index.all
    const t3 = performance.now()
    const heap = (process.memoryUsage().heapUsed - heapBefore) / 1e6
    const mb = (statSync(path).size / 1e6).toFixed(1)
    console.log(
      `${mb} MB binary, .debug_info ${(dwarf.decoder.info.length / 1e6).toFixed(1)} MB: open+decompress ${(t1 - t0).toFixed(0)} ms, ` +
        `layout ${(t2 - t1).toFixed(0)} ms; full pass ${(t3 - t2).toFixed(0)} ms (${index.dieCount} DIEs, ${index.types.size} type names, ${index.functionsByName.size} functions), ` +
        `heap +${heap.toFixed(0)} MB`,
    )
    expect(statSync(path).size).toBeGreaterThan(10e6)
    expect(t3 - t0).toBeLessThan(1500)
    elf.close()
  })
})
