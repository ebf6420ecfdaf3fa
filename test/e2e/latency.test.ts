// probes/latency.ts on `runtimeops latency`: one printed call per call the fixture made of
// main.slowOp and of the recursive main.recurse (each level paired with its own return),
// each lasting at least the time the fixture slept in it, and the histogram map printed.
import { expect } from 'vitest'
import latency from '../../probes/latency.ts'
import { describeE2E, itE2E, mapHeading } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

const LINE = /^(main\.\w+) goroutine (\d+) took (\d+) ns$/
/** Scheduling noise allowed on top of the sleeps (the machine is shared). */
const SLACK_NS = 2_000_000_000
const all = await runtimeCases({ returns: true, stripped: 'run' })

describeE2E('latency probe', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, latency, 'latency', { symbol: ['main.slowOp', 'main.recurse'], print: 'true' }, ({ lines, record }) => {
      const calls = lines.map((l) => LINE.exec(l)).filter((m) => m !== null)
      for (const fn of ['main.slowOp', 'main.recurse']) {
        // `<fn> <least ms>` per call in the fixture, against the measured ns, both ascending.
        const least = record.filter((r) => r.startsWith(`${fn} `)).map((r) => Number(r.split(' ')[1]) * 1e6).sort((a, b) => a - b)
        const took = calls.filter((m) => m[1] === fn).map((m) => Number(m[3])).sort((a, b) => a - b)
        expect(least.length).toBeGreaterThan(0)
        expect(took).toHaveLength(least.length)
        took.forEach((ns, i) => {
          expect(ns).toBeGreaterThanOrEqual(least[i]!)
          expect(ns).toBeLessThan(least[i]! + SLACK_NS)
        })
      }
      expect(mapHeading(lines, '@latency_ns[main.slowOp]'), lines.join('\n')).toBe(true)
      expect(mapHeading(lines, '@latency_ns[main.recurse]'), lines.join('\n')).toBe(true)
    }), c.member)
  }
})
