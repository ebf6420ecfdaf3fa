// Where goprobe says each argument lives at the entry probe must agree with the DWARF
// location lists the compiler wrote, for every function of a real program that has both,
// except where DWARF contradicts itself (two live values in one register at that pc).
import { describe, expect, it } from 'vitest'
import { Target } from '../../src/target.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

const tcs = await toolchains()

describe('computed entry locations agree with DWARF location lists', () => {
  for (const tc of tcs) {
    it(`every function of the basic fixture built with ${tc.id}`, async () => {
      const build = await buildFixture('basic', tc, 'default')
      const target = Target.open(build.path)
      try {
        let confirmed = 0
        let functions = 0
        let contradictions = 0
        const disagreements: string[] = []
        for (const fn of target.binary.functions.functions) {
          if (!target.dwarfFunction(fn)) continue
          const facts = await target.functionFacts(fn.name)
          if (!facts.frame) continue
          functions++
          confirmed += facts.locationsConfirmed
          disagreements.push(...facts.locationWarnings.map((w) => `${fn.name}: ${w}`))
          contradictions += facts.dwarfContradictions.length
        }
        console.log(`${tc.id}: ${confirmed} entry locations confirmed by DWARF in ${functions} functions; ${contradictions} where DWARF contradicts itself`)
        expect(disagreements.slice(0, 40).join("\n")).toBe("")
        expect(confirmed).toBeGreaterThan(2000)
      } finally {
        target.close()
      }
    })
  }
})
