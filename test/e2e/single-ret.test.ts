// A function whose whole body is one RET (lang's main.Ident: its argument is already in the
// result register) has its entry and return probes at one address. Each return must pair
// with its own call's entry values, not the previous call's (bpftrace does not order two
// probes on one address). The oracle is the fixture's record: "Ident -5 -> -5", ...
import { expect } from 'vitest'
import { printf, program, uprobe } from '../../src/index.ts'
import { bpftraceOf, buildsByMember, describeE2E, itE2E } from '../support/bpftrace.ts'
import { allBuilds, buildLabel } from '../support/fixtures.ts'
import { runProbe } from './network-harness.ts'

const ident = program(import.meta, { name: 'single-ret', description: 'entry values of a one-instruction function' }, () => {
  uprobe('main.Ident')
    .onEntry(({ arg }) => printf('entered %d\n', arg('x')))
    .onReturn(({ entry, result }) => printf('Ident %d -> %d\n', entry.arg('x'), result(0)))
})

const builds = (await allBuilds('lang')).filter((b) => b.mode === 'default')

describeE2E('entry and return at one address', () => {
  for (const { build, member } of buildsByMember(builds)) {
    itE2E(`${buildLabel(build)}, ${member.label}: each return pairs with its own call`, async () => {
      const { lines, record, built } = await runProbe(ident, build, bpftraceOf(member), { args: ['3'], lineFilter: /^(Ident|entered) / })
      expect(built.text).toContain('the return is the entry instruction')
      const calls = record.filter((l) => l.startsWith('Ident '))
      expect(calls).toHaveLength(3)
      expect(lines.filter((l) => l.startsWith('Ident '))).toEqual(calls)
      expect(lines.filter((l) => l.startsWith('entered '))).toEqual(calls.map((l) => `entered ${/^Ident (-?\d+)/.exec(l)![1]}`))
    }, member)
  }
})
