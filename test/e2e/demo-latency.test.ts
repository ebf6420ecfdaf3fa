// The demo's probe (examples/demo/orders.ts) prints each call's latency and puts the same
// value in a histogram. One value per expression per hit: every printed latency must be
// counted in the histogram bucket that holds it, bucket for bucket, under real bpftrace.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { buildProgram } from '../../src/index.ts'
import orders from '../../examples/demo/orders.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace, type Bpftrace } from '../support/bpftrace.ts'
import { cacheDir, REPO_ROOT } from '../support/fixtures.ts'

/** Power-of-two bucket bounds as bpftrace prints them: 4K is 4096, 1M is 1048576. */
function bound(text: string): number {
  const m = /^(\d+)([KMG]?)$/.exec(text)
  if (!m) throw new Error(`not a histogram bound: ${text}`)
  return Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]!]!
}

async function demoRun(bpftrace: Bpftrace | undefined): Promise<void> {
  if (!bpftrace) throw new Error('bpftrace disappeared after the availability check')
  const dir = join(cacheDir(), 'demo')
  mkdirSync(dir, { recursive: true })
  const binary = join(dir, 'demo')
  execFileSync('go', ['build', '-o', binary, '.'], { cwd: join(REPO_ROOT, 'examples', 'demo'), env: { ...process.env, CGO_ENABLED: '0' } })
  const built = await buildProgram(orders, binary, { pid: 'child', capabilities: { midFunctionAddress: true } })
  const run = await runBpftrace({ bpftrace, program: built.text, command: [binary, '2'], unsafe: built.requirements.unsafe, env: built.requirements.env, timeoutMs: 60_000 })
  expect(run.code, run.stderr).toBe(0)
  const printed = [...run.stdout.matchAll(/ in (\d+) ns$/gm)].map((m) => Number(m[1]))
  expect(printed.length, 'the demo made no calls').toBeGreaterThan(5)
  const buckets = [...run.stdout.matchAll(/^\[(\w+), (\w+)\)\s+(\d+) \|/gm)].map((m) => ({ lo: bound(m[1]!), hi: bound(m[2]!), count: Number(m[3]) }))
  expect(buckets.length).toBeGreaterThan(0)
  const expected = buckets.map((b) => ({ ...b, count: printed.filter((v) => v >= b.lo && v < b.hi).length }))
  expect(buckets).toEqual(expected)
  expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(printed.length)
}

describeE2E('demo: printed latencies are the histogram\'s values', () => {
  for (const member of bpftraceMatrix('offset-capable')) itE2E(member.label, () => demoRun(bpftraceOf(member)), member, 120_000)
})
