// A comparison used as a number is 0 or 1 on every bpftrace: converted with .as(), stored in
// a map and read back, summed. bpftrace 0.23 sign-extends a comparison converted to int64 or
// stored in a map (true read as -1), which once made httpserver report a silent handler's
// implied 200 as -200. The fixture calls main.Add(3, 4): a == 3 is true, a == 99 false.
import { expect } from 'vitest'
import { arg, map, printf, program, uprobe } from '../../src/index.ts'
import { bpftraceOf, buildsByMember, describeE2E, itE2E } from '../support/bpftrace.ts'
import { allBuilds, buildLabel } from '../support/fixtures.ts'
import { runProbe } from './network-harness.ts'

const boolsAsNumbers = program(import.meta, { name: 'bool-ints', description: 'comparisons used as numbers' }, () => {
  const flag = map('flag')
  uprobe('main.Add').onEntry(() => {
    const yes = arg('a').eq(3)
    const no = arg('a').eq(99)
    printf('as int: %d %d\n', yes.as('int').mul(200), no.as('int').mul(200))
    printf('as int8: %d %d\n', yes.as('int8'), no.as('int8'))
    printf('in arithmetic: %d %d\n', yes.mul(200), no.mul(200))
    flag.at(1).set(yes)
    flag.at(0).set(no)
    printf('from a map: %d %d\n', flag.at(1).get().mul(9), flag.at(0).get().mul(9))
    map('trues').at().sum(yes)
    map('falses').at().sum(no)
  })
})

const builds = (await allBuilds('basic')).filter((b) => b.mode === 'default')

describeE2E('a comparison used as a number', () => {
  for (const { build, member } of buildsByMember(builds)) {
    itE2E(`${buildLabel(build)}, ${member.label}: true is 1 and false is 0`, async () => {
      const { lines } = await runProbe(boolsAsNumbers, build, bpftraceOf(member), { lineFilter: /^(as int|in arithmetic|from a map|@)/ })
      const calls = lines.filter((l) => l.startsWith('as int:')).length
      expect(calls).toBeGreaterThan(0)
      expect(new Set(lines.filter((l) => !l.startsWith('@')))).toEqual(new Set(['as int: 200 0', 'as int8: 1 0', 'in arithmetic: 200 0', 'from a map: 9 0']))
      expect(lines.filter((l) => l.startsWith('@')).map((l) => l.trim()).sort()).toEqual(['@falses: 0', '@flag[0]: 0', '@flag[1]: 1', `@trues: ${calls}`])
    }, member)
  }
})
