/**
 * The targeted DWARF lookups (src/dwarf/dwarf-index.ts) read only the units that can
 * hold an answer; they must give exactly what the full pass over every unit gives, for
 * every name and function the full pass knows and for names it does not know, without
 * falling back to the full pass themselves. The `basic`
 * fixture links net/http and crypto/tls, so it has hundreds of units.
 */
import { describe, expect, it } from 'vitest'
import { ElfFile } from '../../src/binary/elf.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { allBuilds, buildLabel } from '../support/fixtures.ts'

const builds = await allBuilds('basic', ['default', 'pie'])

describe.each(builds.map((b) => ({ label: buildLabel(b), path: b.path })))('targeted DWARF lookups in $label', ({ path }) => {
  const elf = ElfFile.open(path)
  const sections = new Map<string, Uint8Array | undefined>()
  const fresh = () => new Dwarf((n) => (sections.has(n) ? sections.get(n) : sections.set(n, elf.sectionData(n)).get(n)))
  const full = fresh().index.all

  it('find every type the full pass finds, at the same entry, and no type it lacks', () => {
    const targeted = fresh().index
    for (const [name, offset] of full.types) expect(targeted.typeOffset(name), name).toBe(offset)
    // Prefixes of function names are what receiver detection asks about; most are not types.
    const asked = new Set([...full.functionsByName.keys()].map((n) => n.slice(0, n.lastIndexOf('.'))))
    let absent = 0
    for (const name of asked) {
      expect(targeted.typeOffset(name), name).toBe(full.types.get(name))
      if (!full.types.has(name)) absent++
    }
    expect(absent).toBeGreaterThan(100)
    expect(full.types.size).toBeGreaterThan(1000)
    expect(targeted.walkedAllUnits).toBe(false)
  })

  it('find every function by any address in its code, and by name and entry', () => {
    const byAddress = fresh().index
    for (const f of full.functionsByPc) {
      expect(byAddress.functionAt(f.lowPc)?.offset, f.name).toBe(f.offset)
      expect(byAddress.functionAt(f.highPc - 1)?.offset, f.name).toBe(f.offset)
    }
    const byName = fresh().index
    for (const [name, f] of full.functionsByName) expect(byName.functionNamed(name, f.lowPc)?.offset, name).toBe(f.offset)
    expect(full.functionsByPc.length).toBeGreaterThan(1000)
    expect([byAddress.walkedAllUnits, byName.walkedAllUnits]).toEqual([false, false])
  })

  it('find every package variable the full pass finds, nearly all in their own package\'s unit', () => {
    let targeted = fresh().index
    const fellBack: string[] = []
    for (const [name, offset] of full.variables) {
      expect(targeted.variableOffset(name), name).toBe(offset)
      if (targeted.walkedAllUnits) {
        fellBack.push(name)
        targeted = fresh().index
      }
    }
    console.log(`${full.variables.size} variables; found by the full pass only: ${fellBack.join(', ') || 'none'}`)
    expect(full.variables.size).toBeGreaterThan(100)
    // A few variables sit in another package's unit (runtime.zeroVal in reflect's); those fall back.
    expect(fellBack.length).toBeLessThanOrEqual(3)
  })
})
