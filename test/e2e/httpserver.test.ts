// probes/httpserver.ts on the httpsnoop fixture: every request the fixture's server
// handled (its own record: method, path, RemoteAddr, status) appears once in the
// probe's output, including the handler that wrote nothing (net/http sends 200).
import { expect } from 'vitest'
import httpserver from '../../probes/httpserver.ts'
import { describeE2E } from '../support/bpftrace.ts'
import { allBuilds } from '../support/fixtures.ts'
import { caseLabel, cases, checkCase, expectSameLines, itCase, firstRunPerMember } from './network-harness.ts'

const LINE = /^[A-Z]+ \/\S* \S+ \d{3} \d+ us$/

const withoutLatency = (line: string) => line.replace(/ \d+ us$/, '')
const served = (record: string[]) => record.filter((l) => l.startsWith('server ')).map((l) => l.slice('server '.length))

const all = cases(await allBuilds('httpsnoop'), true)

describeE2E('httpserver', () => {
  for (const c of all) {
    itCase(c, caseLabel(c), () => checkCase(c, httpserver, { lineFilter: LINE }, ({ lines, record }) => {
      expect(served(record)).toHaveLength(16)
      expectSameLines(lines.map(withoutLatency), served(record))
    }))
  }
  for (const first of firstRunPerMember(all)) {
    itCase(first, `path=/missing keeps only that path (${first.build.toolchain.id} ${first.build.mode}, ${first.member.label})`, () =>
      checkCase(first, httpserver, { lineFilter: LINE, params: { path: '/missing' } }, ({ lines, record }) => {
        const wanted = served(record).filter((l) => l.split(' ')[1] === '/missing')
        expect(wanted).toHaveLength(2)
        expectSameLines(lines.map(withoutLatency), wanted)
      }))
  }
})
