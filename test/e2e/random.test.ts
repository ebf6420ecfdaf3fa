// probes/random.ts on `runtimeops random`: the bytes crypto/rand handed the fixture (which
// it printed itself with %x) appear in the probe's output, read for read, in order.
import { expect } from 'vitest'
import random from '../../probes/random.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

const LINE = /^random (\d+) bytes: ([0-9a-f ]+)$/
const all = await runtimeCases({ returns: true, stripped: 'run' })

describeE2E('random probe', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, random, 'random', {}, ({ lines, record }) => {
      const seen = lines.map((l) => LINE.exec(l)).filter((m) => m !== null).map((m) => `random ${m[1]} ${m[2]!.trim()}`)
      expect(record.map((r) => r.split(' ')[1])).toEqual(['8', '16', '32'])
      expect(seen).toEqual(record)
    }), c.member)
  }
})
