// probes/tlssecrets.ts on the tlssecrets fixture (a TLS client and server on loopback,
// two TLS 1.3 and two TLS 1.2 connections). Oracle: Go's own KeyLogWriter output: the
// probe's lines must equal the key log file line for line. Without a KeyLogWriter the
// probe must still print the same number of well-formed secrets, per connection.
// The plaintext helpers of stdlib/tls.ts are checked on the same fixture: every message
// each side wrote and read, as the fixture recorded it.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect } from 'vitest'
import tlssecrets from '../../probes/tlssecrets.ts'
import { printf, program, when } from '../../src/index.ts'
import { tlsReads, tlsWrites, type TlsData } from '../../stdlib/tls.ts'
import { describeE2E } from '../support/bpftrace.ts'
import { allBuilds } from '../support/fixtures.ts'
import { caseLabel, cases, checkCase, expectSameLines, itCase, sorted } from './network-harness.ts'

const LINE = /^[A-Z0-9_]+ [0-9a-f]{64} ([0-9a-f]{64}|[0-9a-f]{96})$/
const TLS13_LABELS = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']

const all = cases(await allBuilds('tlssecrets'), false)

/** `client wrote ping 1`, `server read ping 1`: the fixture's own words. */
const plaintext = program(import.meta, { name: 'tlsplaintext', description: 'TLS plaintext per side' }, () => {
  const line = (verb: string) => (d: TlsData) => when(d.length.gt(0), () => {
    when(d.isClient, () => printf(`client ${verb} %r\n`, d.bytes)).otherwise(() => printf(`server ${verb} %r\n`, d.bytes))
  })
  tlsReads(64, line('read'))
  tlsWrites(64, line('wrote'))
})
const PLAINTEXT_LINE = /^(client|server) (read|wrote) /
const dir = await mkdtemp(join(tmpdir(), 'goprobe-tlssecrets-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Both sides log each secret: per TLS 1.3 connection 4 labels x 2 sides, per TLS 1.2 one CLIENT_RANDOM x 2. */
function expectedSecrets(record: string[]): number {
  const conns = record.filter((l) => l.startsWith('conn '))
  expect(conns).toEqual(['conn TLS1.3', 'conn TLS1.2', 'conn TLS1.3', 'conn TLS1.2'])
  return conns.reduce((n, c) => n + (c === 'conn TLS1.3' ? 8 : 2), 0)
}

describeE2E('tlssecrets', () => {
  all.forEach((c, i) => {
    itCase(c, `${caseLabel(c)} (KeyLogWriter set: equals Go's key log)`, async () => {
      const keylog = join(dir, `keys-${i}.log`)
      await checkCase(c, tlssecrets, { lineFilter: LINE, env: { GOPROBE_TLS_KEYLOG: keylog } }, async ({ lines, record }) => {
        const written = (await readFile(keylog, 'utf8')).split('\n').filter(Boolean)
        expect(written).toHaveLength(expectedSecrets(record))
        expect(sorted(lines)).toEqual(sorted(written))
      })
    })
  })
  for (const c of all.filter((x) => x.build.mode === 'default')) {
    itCase(c, `${caseLabel(c)} (no KeyLogWriter: the same secrets, well formed)`, () =>
      checkCase(c, tlssecrets, { lineFilter: LINE, args: ['nokeylog'] }, ({ lines, record }) => {
        expect(lines, `secrets printed:\n${lines.join('\n')}\nfixture record:\n${record.join('\n')}`).toHaveLength(expectedSecrets(record))
        const byRandom = new Map<string, string[]>()
        for (const l of lines) {
          const [label, random] = l.split(' ')
          byRandom.set(random!, [...(byRandom.get(random!) ?? []), label!])
        }
        // One client random per connection, with both sides' secrets of its TLS version.
        expect([...byRandom.values()].map((labels) => labels.sort().join(',')).sort()).toEqual(sorted([
          ...Array(2).fill(sorted([...TLS13_LABELS, ...TLS13_LABELS]).join(',')),
          ...Array(2).fill('CLIENT_RANDOM,CLIENT_RANDOM'),
        ]))
      }))
  }
  for (const c of all.filter((x) => x.build.mode === 'default' && x.member.takesOffsets)) {
    itCase(c, `${c.build.fixture} ${c.build.toolchain.id} ${c.build.mode}, ${c.member.label}: stdlib tlsReads/tlsWrites see each message in plaintext`, () =>
      checkCase({ ...c, expect: 'run' }, plaintext, { lineFilter: PLAINTEXT_LINE, args: ['nokeylog'] }, ({ lines, record }) => {
        const messages = record.filter((l) => PLAINTEXT_LINE.test(l))
        expect(messages).toHaveLength(16)
        expectSameLines(lines, messages)
      }))
  }
})
