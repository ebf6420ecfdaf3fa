// probes/tcpremote.ts on the tcpremote fixture: every dial (IPv4, IPv4-mapped IPv6, IPv6,
// refused) and every accepted connection the fixture recorded, with the remote address
// as Go's own TCPAddr.String() printed it, appears once in the probe's output.
import { expect } from 'vitest'
import tcpremote from '../../probes/tcpremote.ts'
import { describeE2E } from '../support/bpftrace.ts'
import { allBuilds } from '../support/fixtures.ts'
import { caseLabel, cases, checkCase, expectSameLines, itCase, firstRunPerMember } from './network-harness.ts'

const LINE = /^(connect \S+ (ok|error) \d+ us|accept \S+)$/

/** `connect 127.0.0.1:80 ok 12 us` -> `dial 127.0.0.1:80 ok`, as the fixture writes it. */
const asRecord = (line: string) => line.replace(/^connect /, 'dial ').replace(/ \d+ us$/, '')

const all = cases(await allBuilds('tcpremote'), true)

describeE2E('tcpremote', () => {
  for (const c of all) {
    itCase(c, caseLabel(c), () => checkCase(c, tcpremote, { lineFilter: LINE }, ({ lines, record }) => {
      expect(record.filter((l) => l.startsWith('dial '))).toHaveLength(6)
      expect(record.filter((l) => l.startsWith('accept '))).toHaveLength(4)
      expect(record.some((l) => /^dial \[::1\]:\d+ error$/.test(l))).toBe(true)
      expectSameLines(lines.map(asRecord), record)
    }))
  }
  for (const first of firstRunPerMember(all)) {
    itCase(first, `port= keeps only that remote port (${first.build.toolchain.id} ${first.build.mode}, ${first.member.label})`, async () => {
      // The fixture's ports are chosen by the kernel; an unused one must filter everything out,
      // and the filter on a port seen in an unfiltered run cannot be tested before the run.
      await checkCase(first, tcpremote, { lineFilter: LINE, params: { port: '1' } }, ({ lines, record }) => {
        expect(record.length).toBeGreaterThan(0)
        expect(lines).toEqual([])
      })
    })
  }
})
