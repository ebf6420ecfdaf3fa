// probes/shortread.ts on `runtimeops files`: the fixture reads a 100-byte file with a
// 64-byte buffer (64, 36, then 0 with io.EOF). By default the probe prints exactly the
// reads with n < len(b); with all=true, every read; file name, sizes and error flag as
// the fixture recorded them.
import { expect } from 'vitest'
import shortread from '../../probes/shortread.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

const LINE = /^read (\S+) requested (\d+) got (\d+) err (\d)$/
const all = await runtimeCases({ returns: true, stripped: 'run' })

/** `read <path> <len> <n> <err>` lines from the probe's output. */
const reads = (lines: string[]) => lines.map((l) => LINE.exec(l)).filter((m) => m !== null).map((m) => `read ${m[1]} ${m[2]} ${m[3]} ${m[4]}`)

describeE2E('shortread probe', () => {
  for (const c of all) {
    itE2E(`${caseLabel(c)} (short reads only)`, () => checkCase(c, shortread, 'files', {}, ({ lines, record }) => {
      expect(record).toHaveLength(3)
      const short = record.filter((r) => { const f = r.split(' '); return Number(f[3]) < Number(f[2]) })
      expect(short).toHaveLength(2)
      expect(reads(lines)).toEqual(short)
    }), c.member)
    itE2E(`${caseLabel(c)} (all=true)`, () => checkCase(c, shortread, 'files', { all: 'true' }, ({ lines, record }) => {
      expect(reads(lines)).toEqual(record)
    }), c.member)
  }
})
