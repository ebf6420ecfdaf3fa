// examples/typed/http-client.ts, a probe written against the generated standard-library
// declarations (stdlib/gotypes/std.ts), on the httpsnoop fixture: the typed API changes
// only what TypeScript checks, so the probe's lines must equal the fixture's own record of
// the client requests it made, for every toolchain (the declarations came from one).
import { expect } from 'vitest'
import typedClient from '../../examples/typed/http-client.ts'
import { describeE2E } from '../support/bpftrace.ts'
import { allBuilds } from '../support/fixtures.ts'
import { caseLabel, cases, checkCase, itCase, sorted } from './network-harness.ts'

const LINE = /^([A-Z]+ \S+:\/\/\S+) -> (\d+) failed=([01]) \d+ ns$/

/** `GET http://127.0.0.1:4000/items -> 200 failed=0 812 ns` in the fixture's record format (`... 200`, or `... error`). */
function asRecord(line: string): string {
  const [, request, status, failed] = LINE.exec(line)!
  return `${request} ${failed === '1' ? 'error' : status}`
}

const all = cases(await allBuilds('httpsnoop', ['default', 'pie']), true)

describeE2E('typed probe (examples/typed/http-client.ts)', () => {
  for (const c of all) {
    itCase(c, caseLabel(c), () => checkCase(c, typedClient, { lineFilter: LINE }, ({ lines, record }) => {
      const made = record.filter((l) => l.startsWith('client ')).map((l) => l.slice('client '.length))
      expect(made.length).toBeGreaterThan(0)
      expect(sorted(lines.map(asRecord))).toEqual(sorted(made))
    }))
  }
})
