// probes/goroutine.ts on `runtimeops goroutines`: every goroutine the fixture started
// appears once with the parent and child ids the fixture read from runtime.Stack; with
// symbols, its creation site is main.spawnWorkers and it runs main.spawnWorkers's `go`
// wrapper (named differently by each Go version).
import { expect } from 'vitest'
import goroutine from '../../probes/goroutine.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases, sorted } from './runtime-harness.ts'

const LINE = /^goroutine (\d+) -> (\d+) created at (\S+) runs (\S+)$/
const all = await runtimeCases({ returns: true, stripped: 'run' })

describeE2E('goroutine probe', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, goroutine, 'goroutines', {}, ({ lines, record }) => {
      const events = lines.map((l) => LINE.exec(l)).filter((m) => m !== null)
      expect(record).toHaveLength(5)
      // By child id: the fixture's goroutines, with the parent each was started from.
      const children = new Set(record.map((r) => r.split(' ')[2]))
      const seen = events.filter((m) => children.has(m[2]!)).map((m) => `spawn ${m[1]} ${m[2]} main.spawnWorkers`)
      expect(sorted(seen)).toEqual(sorted(record))
      if (c.build.mode === 'stripped') return // no symbols: usym() prints addresses
      const named = events.filter((m) => children.has(m[2]!))
      for (const m of named) {
        expect(m[3]).toBe('main.spawnWorkers')
        expect(m[4]).toMatch(/^main\.(spawnWorkers\.(func|gowrap)\d+|worker)$/)
      }
      // The runtime's own goroutines are seen too: runtime.main's goroutine 1 is the first.
      expect(events.some((m) => m[2] === '1' && m[4] === 'runtime.main')).toBe(true)
    }), c.member)
  }
})
