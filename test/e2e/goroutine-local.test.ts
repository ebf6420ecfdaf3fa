// stdlib/goroutine.ts goroutineLocal on `runtimeops goroutines`: a value set at the entry
// of main.worker is read back at its return on the same goroutine (and only there), and
// every value is forgotten when its goroutine exits (runtime.goexit1), so the map printed
// at exit has no entry left for any worker goroutine.
import { expect } from 'vitest'
import { goroutineId, printf, program, uprobe } from '../../src/index.ts'
import { goroutineLocal } from '../../stdlib/goroutine.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases, sorted } from './runtime-harness.ts'

const probe = program(import.meta, { name: 'goroutine-local', description: 'goroutineLocal set at entry, read at return' }, () => {
  const started = goroutineLocal('started')
  uprobe('main.worker')
    .onEntry(() => started.set(goroutineId().add(1000)))
    .onReturn(() => printf('worker %d saw %d\n', goroutineId(), started.get()))
})

const LINE = /^worker (\d+) saw (\d+)$/
const all = await runtimeCases({ returns: true, stripped: 'run' })

describeE2E('goroutineLocal', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, probe, 'goroutines', {}, ({ lines, record }) => {
      const seen = lines.map((l) => LINE.exec(l)).filter((m) => m !== null)
      const children = record.map((r) => r.split(' ')[2] ?? '')
      expect(sorted(seen.map((m) => m[1]!))).toEqual(sorted(children))
      for (const m of seen) expect(Number(m[2])).toBe(Number(m[1]) + 1000)
      // Cleared at goexit1: nothing is left in @started for the workers when bpftrace prints its maps.
      for (const id of children) expect(lines.filter((l) => l.startsWith(`@started[${id}]`))).toEqual([])
    }), c.member)
  }
})
