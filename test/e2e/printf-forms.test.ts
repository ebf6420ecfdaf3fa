// printf forms beyond plain %s and %d, on every bpftrace of the matrix: a Go string padded
// with a width (bpftrace's str() with the length rule of that version), and bytes and a stack
// captured at entry printed at return (%r of a map value holding a buf(), %s of a stack).
// The oracle is the fixture's own record of Concat("go", "probe"), padded as C's printf pads.
import { expect } from 'vitest'
import { arg, goBytes, goString, printf, program, uprobe, ustack } from '../../src/index.ts'
import { bpftraceOf, buildsByMember, describeE2E, itE2E } from '../support/bpftrace.ts'
import { allBuilds, buildLabel } from '../support/fixtures.ts'
import { runProbe } from './network-harness.ts'

const forms = program(import.meta, { name: 'printf-forms', description: 'padded Go strings, captured bytes and stacks' }, () => {
  uprobe('main.Concat')
    .onEntry(() => printf('pad:[%-8s][%6s]\n', goString(arg('a')), goString(arg('b'))))
    .onReturn(({ entry }) => printf('captured:[%r] %s\n', entry.value(goBytes(arg('a'), 8)), entry.value(ustack(2))))
})

const builds = (await allBuilds('basic')).filter((b) => b.mode === 'default')

describeE2E('printf of padded Go strings and of values captured at entry', () => {
  for (const { build, member } of buildsByMember(builds)) {
    itE2E(`${buildLabel(build)}, ${member.label}`, async () => {
      const { lines, record } = await runProbe(forms, build, bpftraceOf(member), { lineFilter: /^(pad:|captured:|\s+\S)/ })
      const calls = record.filter((l) => l.startsWith('Concat "go" "probe"')).length
      expect(calls).toBeGreaterThan(0)
      expect(lines.filter((l) => l.startsWith('pad:[go ')), lines.join('\n')).toEqual(Array(calls).fill(`pad:[${'go'.padEnd(8)}][${'probe'.padStart(6)}]`))
      const captured = lines.filter((l) => l.startsWith('captured:[go]'))
      expect(captured).toHaveLength(calls)
      // The stack printed after each captured line names Concat (symbolized by bpftrace, or an address on stripped builds).
      const afterCapture = lines[lines.indexOf(captured[0]!) + 1] ?? ''
      expect(afterCapture, lines.join('\n')).toMatch(/main\.Concat|0x[0-9a-f]+/)
    }, member)
  }
})
