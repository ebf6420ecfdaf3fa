// The expression fuzz: a seeded Go program (test/support/expr-fuzz) computes, for operands of
// every integer type (boundaries, -1, 0, small and random values), every operator the probe
// language has (+ - * / % & | << >> < <= > >= == != and unary -, with typed and untyped
// operands) and logs the values; a goprobe program computes the same expressions from the
// arguments of the function the Go program calls with those operands (and reads slice
// elements in and out of range: out of range, the zero value). Every value must be
// equal under every bpftrace here: Go's arithmetic, whatever bpftrace's own rules are.
// GOPROBE_EXPR_SEED=<n> reproduces or explores another draw. It runs under every bpftrace of the
// test matrix.
import { expect } from 'vitest'
import { buildProgram } from '../../src/index.ts'
import { Target } from '../../src/target.ts'
import { buildFuzz, writeFuzzSource } from '../support/abi-fuzz/build.ts'
import { goSource } from '../support/expr-fuzz/go-source.ts'
import { drawFuzz } from '../support/expr-fuzz/model.ts'
import { exprProbe } from '../support/expr-fuzz/probe.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace, type Bpftrace } from '../support/bpftrace.ts'
import { toolchains } from '../support/fixtures.ts'
import { missing } from '../support/multiset.ts'

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
  // (Warnings about the machine, such as RLIMIT_MEMLOCK, name no place in the program.)
  expect(run.stderr, 'bpftrace warned about the program').not.toMatch(/\.bt:\d+:\d+(-\d+)?: WARNING/i)
  expect(run.stderr + run.stdout, 'bpftrace lost events').not.toMatch(/lost \d+ events/i)
  const expected = (run.commandStdout ?? '').split('\n').filter((l) => l !== '')
  // The sum() maps bpftrace prints at exit (`@sum_int8: -123`), in the Go program's line format.
  const traced = run.stdout.split('\n').filter((l) => l !== '' && !/^Attach(ing|ed) \d+ probes?/.test(l))
    .map((l) => l.replace(/^@sum_(\w+): (-?\d+)$/, 'sum $1=$2'))
  const notTraced = missing(expected, traced)
  const unexpected = missing(traced, expected)
  console.log(`expression fuzz under bpftrace ${bpftrace.version}: ${expected.length} values computed by Go, ${traced.length} by the probe, ${notTraced.length + unexpected.length} mismatches`)
  expect(expected.length, 'the Go program logged nothing').toBeGreaterThan(1000)
  expect({ notTraced: notTraced.slice(0, 40), unexpected: unexpected.slice(0, 40) }).toEqual({ notTraced: [], unexpected: [] })
}

describeE2E(`expression fuzz (seed ${seed})`, () => {
  for (const m of bpftraceMatrix()) {
    itE2E(`${m.label}: every expression of every integer type equals Go's value`, () => fuzzRun(bpftraceOf(m), m.takesOffsets), m, 600_000)
  }
})
