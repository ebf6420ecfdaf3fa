// probes/skeleton.ts: the printed program has, for each function, an entry probe at the
// post-prologue address and a probe on each RET, with the resolved comments, and bpftrace
// attaches every one of them to the running fixture. The addresses are checked against
// `objdump -d` (an oracle goprobe did not write) on builds with symbols.
import { execFileSync } from 'node:child_process'
import { expect } from 'vitest'
import skeleton from '../../probes/skeleton.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

const FUNCTIONS = ['main.slowOp', 'main.recurse']
const all = await runtimeCases({ returns: true, stripped: 'run' })

/** Addresses of the RET instructions of `fn`, from objdump's disassembly. */
function retAddresses(binary: string, fn: string): number[] {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', binary], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
  const start = text.indexOf(`<${fn}>:\n`)
  expect(start, `objdump shows ${fn}`).toBeGreaterThan(0)
  const body = text.slice(start, text.indexOf('\n\n', start))
  return [...body.matchAll(/^\s*([0-9a-f]+):\s+ret/gm)].map((m) => parseInt(m[1]!, 16))
}

describeE2E('skeleton probe', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, skeleton, 'latency', { symbol: FUNCTIONS }, ({ built, announcedProbes }) => {
      const text = built.text
      for (const fn of FUNCTIONS) {
        expect(text).toContain(`// ${fn} entry: `)
        expect(text).toContain(`// ${fn} returns: `)
      }
      // Two entry probes plus one per RET, all attached.
      const rets = (c.build.mode === 'stripped' ? [] : FUNCTIONS.flatMap((fn) => retAddresses(c.build.path, fn)))
      if (c.build.mode === 'default' && c.member.takesOffsets) {
        for (const a of rets) expect(text).toContain(`0x${a.toString(16)}`)
      }
      const points = text.split('\n').filter((l) => /^uprobe:/.test(l)).length
      expect(announcedProbes).toBe(points)
      if (rets.length) expect(points).toBe(FUNCTIONS.length + rets.length)
    }), c.member)
  }
})
