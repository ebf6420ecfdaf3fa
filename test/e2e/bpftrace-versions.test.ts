// Each difference between bpftrace versions that src/bpftrace/dialect.ts records, observed on
// every bpftrace installed here (0.17, 0.23 and the newest at least: a version on each side of
// each change the matrix spans). A hand-written program shows the behaviour; the dialect for
// that exact version must predict it. The oracle for string bytes is the fixture's own
// arguments (Concat("go", "probe")).
import { spawnSync } from 'node:child_process'
import { expect } from 'vitest'
import { dialectFor } from '../../src/bpftrace/dialect.ts'
import { bpftraceMatrix, describeE2E, itE2E } from '../support/bpftrace.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

/** A found member's bpftrace with its version as the dialect table takes it: `0.23.2`. */
interface InstalledBpftrace { path: string; version: string }
const [toolchain] = await toolchains()
const basic = await buildFixture('basic', toolchain!, 'default')

/** Runs `program` with the basic fixture as the traced command; stdout and stderr together. */
function run(b: InstalledBpftrace, program: string, strlen?: number): { out: string; code: number | null } {
  const env: Record<string, string> = { ...process.env as Record<string, string>, GOPROBE_FIXTURE_LOG: '/dev/null' }
  if (strlen !== undefined) Object.assign(env, { BPFTRACE_STRLEN: String(strlen), BPFTRACE_MAX_STRLEN: String(strlen) })
  const r = spawnSync(b.path, ['-c', `${basic.path} run 1`, '-e', program], { encoding: 'utf8', env, timeout: 60_000 })
  return { out: `${r.stdout}${r.stderr}`, code: r.status }
}

/** Lines printed for the call Concat("go", "probe"): a in ax/bx, b in cx/di. */
const CONCAT = `uprobe:"${basic.path}":"main.Concat" /reg("bx") == (uint64)2 && reg("di") == (uint64)5/`

describeE2E('bpftrace version differences, on every bpftrace of the matrix', () => {
  for (const member of bpftraceMatrix()) {
    if (!member.bpftrace) {
      // Fails as CANNOT RUN (root, CI) with the reason: the member is missing or unfit.
      itE2E(`${member.label}: version differences`, () => undefined, member)
      continue
    }
    const b: InstalledBpftrace = { path: member.bpftrace.path, version: member.bpftrace.version.replace(/^v/, '') }
    const dialect = dialectFor(b.version)

    itE2E(`${member.label}: str(p, n) reads ${dialect.strLength === 'n-bytes' ? 'n' : 'n - 1'} bytes (strLength)`, () => {
      const r = run(b, `${CONCAT} { printf("[%s]\\n", str(reg("cx"), reg("di"))); }`)
      expect(r.out).toContain(dialect.strLength === 'n-bytes' ? '[probe]' : '[prob]')
    }, member)

    itE2E(`${member.label}: a map lookup in an arm of ?: is ${dialect.branchingTernaryArms ? 'right' : 'wrong'} (branchingTernaryArms)`, () => {
      const r = run(b, `${CONCAT} { @n[tid] = reg("di"); printf("arm=%d\\n", reg("di") > (uint64)100 ? (uint64)100 : @n[tid]); clear(@n); }`)
      const arm = /arm=(-?\d+)/.exec(r.out)?.[1]
      expect(arm, r.out).toBeDefined()
      expect(arm === '5', r.out).toBe(dialect.branchingTernaryArms)
    }, member)

    itE2E(`${member.label}: buf() holds the string length minus ${dialect.bufHeaderBytes} bytes (bufHeaderBytes)`, () => {
      const r = run(b, `${CONCAT} { printf("[%rx]\\n", buf(reg("cx"), reg("di") + (uint64)100)); }`, 32)
      // %rx prints every byte as \xNN.
      const bytes = /\[((?:\\x[0-9a-f]{2})*)\]/.exec(r.out)?.[1]?.split('\\x').slice(1)
      expect(bytes, r.out).toBeDefined()
      expect(bytes!.length).toBe(32 - dialect.bufHeaderBytes)
      expect(Buffer.from(bytes!.slice(0, 5).join(''), 'hex').toString()).toBe('probe')
    }, member)

    itE2E(`${member.label}: delete() needs a string length of ${dialect.minStrlen > 1 ? dialect.minStrlen : 'any'} (minStrlen)`, () => {
      const r = run(b, 'BEGIN { @m[1] = 1; delete(@m[1]); clear(@m); exit(); }', 36)
      expect(/String is too long/.test(r.out), r.out).toBe(dialect.minStrlen > 36)
    }, member)

    itE2E(`${member.label}: a count() map ${dialect.readsAggregations ? 'can' : 'cannot'} be read in an expression (readsAggregations)`, () => {
      const r = run(b, 'BEGIN { @c = count(); @c = count(); $n = (int64)@c; printf("count=%ld\\n", $n); clear(@c); exit(); }')
      expect(/count=2\n/.test(r.out), r.out).toBe(dialect.readsAggregations)
    }, member)

    itE2E(`${member.label}: a 64-byte literal as a map key is refused by 0.17 whatever the length, by later ones under it`, () => {
      const r = run(b, `BEGIN { @m["${'x'.repeat(64)}"] = 1; clear(@m); exit(); }`, 128)
      expect(/String is too long/.test(r.out), r.out).toBe(b.version.startsWith('0.17.'))
    }, member)
  }
})
