// The expression fuzz: a seeded Go program (test/support/expr-fuzz) computes, for operands of
// every integer type (boundaries, -1, 0, small and random values), every operator the probe
// language has (+ - * / % & | << >> < <= > >= == != and unary -, with typed and untyped
// operands) and logs the values; a goprobe program computes the same expressions from the
// arguments of the function the Go program calls with those operands. Every value must be
// equal under every bpftrace here: Go's arithmetic, whatever bpftrace's own rules are.
// GOPROBE_EXPR_SEED=<n> reproduces or explores another draw. GOPROBE_BPFTRACE_NEWEST=<path>
// adds a run under that bpftrace (the newest release).
import { expect } from 'vitest'
import { buildProgram } from '../../src/index.ts'
import { Target } from '../../src/target.ts'
import { buildFuzz, writeFuzzSource } from '../support/abi-fuzz/build.ts'
import { goSource } from '../support/expr-fuzz/go-source.ts'
import { drawFuzz } from '../support/expr-fuzz/model.ts'
import { exprProbe } from '../support/expr-fuzz/probe.ts'
import { describeE2E, itE2E, offsetCapableBpftrace, runBpftrace, stockBpftrace, type Bpftrace, type BpftraceNeed } from '../support/bpftrace.ts'
import { toolchains } from '../support/fixtures.ts'
import { execFileSync } from 'node:child_process'

const DEFAULT_SEED = 20261204
const CALLS_PER_TYPE = 40
const seed = process.env.GOPROBE_EXPR_SEED ? Number(process.env.GOPROBE_EXPR_SEED) : DEFAULT_SEED
if (!Number.isSafeInteger(seed)) throw new Error(`GOPROBE_EXPR_SEED must be an integer (got ${process.env.GOPROBE_EXPR_SEED})`)
console.log(`expression fuzz: seed ${seed} (rerun with GOPROBE_EXPR_SEED=${seed}), ${CALLS_PER_TYPE} calls per integer type`)

const fuzz = drawFuzz(seed, CALLS_PER_TYPE)
const [toolchain] = await toolchains()
const source = await writeFuzzSource(goSource(fuzz))

/** Many small records in a burst: a larger ring buffer so that none is lost. */
const RUN_ENV = { BPFTRACE_PERF_RB_PAGES: '1024' }

function newestBpftrace(): Bpftrace | undefined {
  const path = process.env.GOPROBE_BPFTRACE_NEWEST
  if (!path) return undefined
  const version = /v\d+\.\d+\.\d+\S*/.exec(execFileSync(path, ['--version'], { encoding: 'utf8' }))?.[0] ?? 'unknown'
  return { path, version, offsetCapable: true }
}

/** Lines in `a` missing from `b`, as multisets. */
function missing(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>()
  for (const l of b) counts.set(l, (counts.get(l) ?? 0) + 1)
  const out: string[] = []
  for (const l of a) {
    const n = counts.get(l) ?? 0
    if (n === 0) out.push(l)
    else counts.set(l, n - 1)
  }
  return out
}

async function fuzzRun(bpftrace: Bpftrace | undefined, midFunctionAddress: boolean): Promise<void> {
  if (!bpftrace) throw new Error('bpftrace disappeared after the availability check')
  if (!toolchain) throw new Error('no Go toolchain')
  const path = await buildFuzz(source, toolchain, 'default')
  const target = Target.open(path)
  const built = await buildProgram(exprProbe(), target, { pid: 'child', capabilities: { midFunctionAddress } }).finally(() => target.close())
  const run = await runBpftrace({
    bpftrace, program: built.text, command: [path], unsafe: built.requirements.unsafe,
    env: { ...built.requirements.env, ...RUN_ENV }, timeoutMs: 300_000,
  })
  const context = `bpftrace ${bpftrace.version} exited ${run.code}; stderr: ${run.stderr.slice(-3000)}`
  expect(run.code, context).toBe(0)
  // The emitted casts leave bpftrace nothing to warn about (sign mismatches, signed division, implicit casts).
  expect(run.stderr, 'bpftrace warned').not.toMatch(/warning/i)
  expect(run.stderr + run.stdout, 'bpftrace lost events').not.toMatch(/lost \d+ events/i)
  const expected = (run.commandStdout ?? '').split('\n').filter((l) => l !== '')
  const traced = run.stdout.split('\n').filter((l) => l !== '' && !/^Attach(ing|ed) \d+ probes?/.test(l))
  const notTraced = missing(expected, traced)
  const unexpected = missing(traced, expected)
  console.log(`expression fuzz under bpftrace ${bpftrace.version}: ${expected.length} values computed by Go, ${traced.length} by the probe, ${notTraced.length + unexpected.length} mismatches`)
  expect(expected.length, 'the Go program logged nothing').toBeGreaterThan(1000)
  expect({ notTraced: notTraced.slice(0, 40), unexpected: unexpected.slice(0, 40) }).toEqual({ notTraced: [], unexpected: [] })
}

const RUNS: { name: string; need: BpftraceNeed; mid: boolean; bpftrace: () => Bpftrace | undefined }[] = [
  { name: 'stock bpftrace', need: 'stock', mid: false, bpftrace: stockBpftrace },
  { name: 'offset-capable bpftrace', need: 'offset-capable', mid: true, bpftrace: offsetCapableBpftrace },
]

describeE2E(`expression fuzz (seed ${seed})`, () => {
  for (const r of RUNS) {
    itE2E(`${r.name}: every expression of every integer type equals Go's value`, () => fuzzRun(r.bpftrace(), r.mid), r.need, 600_000)
  }
  if (newestBpftrace()) itE2E(`newest bpftrace (${process.env.GOPROBE_BPFTRACE_NEWEST}): every expression equals Go's value`, () => fuzzRun(newestBpftrace(), true), 'any', 600_000)
})
