// probes/httpsnoop.ts on the httpsnoop fixture: every client request the fixture made
// (its own record) appears once in the probe's output with the same method, URL and
// status, or "error" for the refused connection.
import { createServer } from 'node:net'
import { expect } from 'vitest'
import httpsnoop from '../../probes/httpsnoop.ts'
import { describeE2E } from '../support/bpftrace.ts'
import { allBuilds } from '../support/fixtures.ts'
import { caseLabel, cases, checkCase, expectSameLines, itCase, firstRunPerMember } from './network-harness.ts'

const LINE = /^[A-Z]+ \S+:\/\/\S+ (\d{3}|error) \d+ us$/

/** `GET http://127.0.0.1:4000/items 200 812 us` -> `GET http://127.0.0.1:4000/items 200` (latency varies). */
const withoutLatency = (line: string) => line.replace(/ \d+ us$/, '')

const all = cases(await allBuilds('httpsnoop'), true)

describeE2E('httpsnoop', () => {
  for (const c of all) {
    itCase(c, caseLabel(c), () => checkCase(c, httpsnoop, { lineFilter: LINE }, ({ lines, record }) => {
      const made = record.filter((l) => l.startsWith('client ')).map((l) => l.slice('client '.length))
      expect(made.length).toBe(17)
      expect(made.filter((l) => l.endsWith(' error'))).toHaveLength(1)
      expectSameLines(lines.map(withoutLatency), made)
    }))
  }
  for (const first of firstRunPerMember(all)) {
    itCase(first, `host= keeps only requests to that host:port (${first.build.toolchain.id} ${first.build.mode}, ${first.member.label})`, async () => {
      const port = await freePort()
      await checkCase(first, httpsnoop, { lineFilter: LINE, params: { host: `127.0.0.1:${port}` }, args: [String(port)] }, ({ lines, record }) => {
        expect(record.filter((l) => l.startsWith('client '))).toHaveLength(17)
        expectSameLines(lines.map(withoutLatency), [`GET http://127.0.0.1:${port}/refused error`])
      })
    })
  }
})

/** A TCP port on 127.0.0.1 that nothing listens on (the kernel's choice, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
