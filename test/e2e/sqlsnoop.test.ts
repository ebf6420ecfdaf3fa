// probes/sqlsnoop.ts on `runtimeops sql`: every Exec and Query the fixture ran through
// database/sql (DB and Tx, against its in-memory driver) appears once, in order, with its
// text and outcome; the 15 ms SLEEP query takes at least 15 ms.
import { expect } from 'vitest'
import sqlsnoop from '../../probes/sqlsnoop.ts'
import { describeE2E, itE2E, mapHeading } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

const LINE = /^(exec|query) (.+) args (\d+) failed ([01]) took (\d+) ns$/
const all = await runtimeCases({ returns: true, stripped: 'run' })

describeE2E('sqlsnoop probe', () => {
  for (const c of all) {
    itE2E(caseLabel(c), () => checkCase(c, sqlsnoop, 'sql', {}, ({ lines, record }) => {
      const statements = lines.map((l) => LINE.exec(l)).filter((m) => m !== null)
      expect(record).toHaveLength(7)
      expect(statements.map((m) => `${m[1]} ${m[2]} ${m[4] === '1' ? 'error' : 'ok'}`)).toEqual(record)
      for (const m of statements) expect(m[3]).toBe('0')
      const sleep = statements.find((m) => m[2] === 'SLEEP 15')
      expect(Number(sleep?.[5])).toBeGreaterThanOrEqual(15e6)
      expect(mapHeading(lines, '@sql_latency_ns[exec]'), lines.join('\n')).toBe(true)
    }), c.member)
  }
})
