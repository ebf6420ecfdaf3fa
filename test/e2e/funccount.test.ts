// probes/funccount.ts on `runtimeops latency`: the pattern is expanded against the binary
// into one probe per matching function (the names `go tool nm` lists, an oracle goprobe
// did not write), and the counts printed at exit equal the calls the fixture recorded.
import { expect } from 'vitest'
import funccount from '../../probes/funccount.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { goTool } from '../support/fixtures.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

const PATTERN = '^main\\.(slowOp|recurse|runLatency)$'
const COUNT = /^@calls\[(\S+)\]: (\d+)$/
const all = await runtimeCases({ returns: false, stripped: 'run' })

describeE2E('funccount probe', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, funccount, 'latency', { pattern: PATTERN }, ({ lines, record, built }) => {
      const counts = new Map(lines.map((l) => COUNT.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, Number(m[2])]))
      const calls = (fn: string) => record.filter((r) => r.startsWith(`${fn} `)).length
      expect(counts).toEqual(new Map([['main.slowOp', calls('main.slowOp')], ['main.recurse', calls('main.recurse')], ['main.runLatency', 1]]))
      expect(calls('main.recurse')).toBe(4)
      expect(built.text.match(/^\/\/ main\.\w+ entry: /gm)).toHaveLength(3)
    }), c.member)
  }
  itE2E('the pattern matches what go tool nm lists', async () => {
    const c = all.find((x) => x.build.mode === 'default')!
    const nm = await goTool(c.build.toolchain, ['tool', 'nm', c.build.path])
    const listed = nm.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === 'T' && new RegExp(PATTERN).test(f[2] ?? '')).map((f) => f[2]).sort()
    expect(listed).toEqual(['main.recurse', 'main.runLatency', 'main.slowOp'])
    await checkCase(c, funccount, 'latency', { pattern: '^main\\.' }, ({ built }) => {
      const all = nm.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === 'T' && f[2]?.startsWith('main.')).map((f) => f[2])
      const probed = [...built.text.matchAll(/^\/\/ (main\.\S+) entry: /gm)].map((m) => m[1])
      expect(probed.sort()).toEqual([...new Set(all)].sort())
    })
  })
})
