// The ABI fuzz: a seeded random Go program (test/support/abi-fuzz) logs every argument and
// result of 200 functions with random signatures; a goprobe program prints the same values
// from their entry and from every RET site under real bpftrace. The two records must be equal,
// value for value, with every toolchain in default, stripped and PIE builds, under every
// bpftrace of the matrix (symbol addresses; stock 0.17: file offsets, non-PIE);
// each function is probed in two of those runs (see Share; GOPROBE_ABI_FULL=1 for all).
// GOPROBE_ABI_SEED=<n> reproduces or explores another program.
// The program needs no start signal: bpftrace -c starts its command only once every probe is
// attached (BPFtrace::run in 0.17: "Kick the child to execute the command" after attach_probe),
// and a late attach would show as values missing from bpftrace's record.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { arg, buildProgram, goBytes, printf, program, result, uprobe, type BuiltProgram, type ProgramDefinition } from '../../src/index.ts'
import { Target } from '../../src/target.ts'
import { GoprobeError, UnknownNameError, UnsupportedError } from '../../src/errors.ts'
import { buildFuzz, writeFuzzSource } from '../support/abi-fuzz/build.ts'
import { goSource } from '../support/abi-fuzz/go-source.ts'
import { functionHasFloat, functionUsesNamedType, type FuzzFunction } from '../support/abi-fuzz/model.ts'
import { floatProbe, fuzzProbe, symbolName } from '../support/abi-fuzz/probe.ts'
import { drawProgram } from '../support/abi-fuzz/signatures.ts'
import { ATTACH_LINE, bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace, runsToolchain, type MatrixMember } from '../support/bpftrace.ts'
import { BUILD_MODES, esbuildBinary, toolchains, type BuildMode, type Toolchain } from '../support/fixtures.ts'
import { missing } from '../support/multiset.ts'

const DEFAULT_SEED = 20261122
const FUNCTIONS = 200
const seed = process.env.GOPROBE_ABI_SEED ? Number(process.env.GOPROBE_ABI_SEED) : DEFAULT_SEED
if (!Number.isSafeInteger(seed)) throw new Error(`GOPROBE_ABI_SEED must be an integer (got ${process.env.GOPROBE_ABI_SEED})`)

const FULL = process.env.GOPROBE_ABI_FULL === '1'
const fuzz = drawProgram(seed, FUNCTIONS)
const floats = fuzz.functions.filter(functionHasFloat)
const builtinOnly = fuzz.functions.filter((f) => !functionHasFloat(f) && !functionUsesNamedType(f))
console.log(
  `ABI fuzz: seed ${seed} (rerun with GOPROBE_ABI_SEED=${seed}), ${FUNCTIONS} functions; ` +
    `${floats.length} excluded because a float argument or result sits in an XMM register, which uprobes cannot read; ` +
    `${builtinOnly.length} use builtin types only; ` +
    (FULL ? 'every run probes every function' : 'each function is probed in two of the runs (GOPROBE_ABI_FULL=1 probes all in every run)'),
)
const available = await toolchains()
const source = await writeFuzzSource(goSource(fuzz))

/** bpftrace 0.17 limits a program to 512 probes and 512 BPF programs by default; the fuzz may need more. */
const RUN_ENV = { BPFTRACE_MAX_PROBES: '4096', BPFTRACE_MAX_BPF_PROGS: '4096', BPFTRACE_PERF_RB_PAGES: '1024' }

interface Plan {
  probed: { fn: FuzzFunction; symbol: string }[]
  def: ProgramDefinition
  notes: string[]
}

/**
 * Which functions one run probes. Attaching is slow: the kernel registers each uprobe, and
 * removes it, behind an RCU grace period, about 0.1-0.3 s of wall time per probe site on this
 * shared machine, and the 200 functions have about 500 sites. So by default the functions are
 * dealt out over all runs (toolchains x modes x bpftraces): each function is probed in two
 * runs, on two toolchains (when there are several) in two modes, and every run gets a share.
 * GOPROBE_ABI_FULL=1 probes every function in every run (about ten times longer).
 */
interface Share {
  /** This run's position among all runs. */
  readonly run: number
  readonly runs: number
}

function inShare(share: Share | undefined, fn: FuzzFunction): boolean {
  if (!share || share.runs <= 2) return true
  const i = fuzz.functions.indexOf(fn)
  // The second copy lands about half-way round: another toolchain's runs, another mode.
  const second = Math.floor(share.runs / 2) + 1
  return i % share.runs === share.run || (i + second) % share.runs === share.run
}

/** The functions to probe in one binary, and the program that probes them. */
function plan(target: Target, restrictToBuiltin: boolean, share?: Share): Plan {
  const names = target.binary.functions.functions.map((f) => f.name)
  const notes: string[] = []
  const candidates = fuzz.functions.filter((f) => !functionHasFloat(f) && inShare(share, f))
  const chosen = restrictToBuiltin ? candidates.filter((f) => !functionUsesNamedType(f)) : candidates
  const probed = chosen.map((fn) => {
    const symbol = symbolName(fn, names)
    if (!symbol) throw new Error(`the binary has no instantiation of main.${fn.ident}`)
    return { fn, symbol }
  })
  if (restrictToBuiltin) notes.push(`${candidates.length - chosen.length} functions restricted out: their signatures name structs declared in the program, which this stripped binary cannot resolve`)
  return { probed, def: fuzzProbe(probed), notes }
}

/** bpftrace's lines without its own banner and blank lines. */
function probeLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '' && !ATTACH_LINE.test(l))
}

async function fuzzRun(tc: Toolchain, mode: BuildMode, member: MatrixMember, share: Share | undefined): Promise<void> {
  const bpftrace = bpftraceOf(member)
  const midFunctionAddress = member.takesOffsets
  const started = Date.now()
  const path = await buildFuzz(source, tc, mode)
  const target = Target.open(path)
  let chosen: Plan
  let built: BuiltProgram
  try {
    chosen = plan(target, false, share)
    try {
      built = await buildProgram(chosen.def, target, { pid: 'child', capabilities: { midFunctionAddress } })
    } catch (err) {
      // Named struct types come from DWARF or, in stripped binaries, from runtime type metadata; without either, restrict.
      if (!(mode === 'stripped' && err instanceof UnknownNameError && /main\.N\d/.test(err.message))) throw err
      console.warn(`ABI fuzz ${tc.id} ${mode}: named types unresolved (${err.message}); restricting to builtin-typed signatures`)
      chosen = plan(target, true, share)
      built = await buildProgram(chosen.def, target, { pid: 'child', capabilities: { midFunctionAddress } })
    }
  } finally {
    target.close()
  }
  const run = await runBpftrace({
    bpftrace,
    program: built.text,
    command: [path],
    unsafe: built.requirements.unsafe,
    env: { ...built.requirements.env, ...RUN_ENV },
    timeoutMs: 600_000,
  })
  const context = `bpftrace exited ${run.code}${run.timedOut ? ' (timed out)' : ''}; stderr: ${run.stderr.slice(-2000)}`
  expect(run.timedOut, context).toBe(false)
  expect(run.code, context).toBe(0)
  expect(run.stderr + run.stdout, 'bpftrace lost events').not.toMatch(/lost \d+ events/i)
  const idents = new Set(chosen.probed.map((p) => p.fn.ident))
  const expected = (run.commandStdout ?? '').split('\n').filter((l) => l !== '' && idents.has(l.split(' ')[0]!))
  const traced = probeLines(run.stdout)
  const notTraced = missing(expected, traced)
  const unexpected = missing(traced, expected)
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(
    `ABI fuzz ${tc.id} ${mode} ${member.label}: ${chosen.probed.length} functions, ` +
      `${expected.length} values logged by the program, ${traced.length} printed by bpftrace, ` +
      `${notTraced.length + unexpected.length} mismatches, ${seconds}s${chosen.notes.map((n) => `; ${n}`).join('')}`,
  )
  expect(expected.length, 'the program logged nothing for the probed functions').toBeGreaterThan(chosen.probed.length)
  expect({ notTraced: notTraced.slice(0, 40), unexpected: unexpected.slice(0, 40) }).toEqual({ notTraced: [], unexpected: [] })
}

/** Reading a float in an XMM register is refused with a clear UnsupportedError, not misread. */
async function floatsRefused(tc: Toolchain): Promise<void> {
  const path = await buildFuzz(source, tc, 'default')
  const target = Target.open(path)
  try {
    const names = target.binary.functions.functions.map((f) => f.name)
    let checked = 0
    for (const fn of floats) {
      const param = fn.params.findIndex((p) => p.type.kind === 'float')
      const res = fn.results.findIndex((r) => r.type.kind === 'float')
      const symbol = symbolName(fn, names)!
      const which = param >= 0 ? { param } : { result: res }
      const err = await buildProgram(floatProbe(fn, symbol, which), target, { pid: 'child', capabilities: { midFunctionAddress: true } }).then(() => undefined, (e: unknown) => e)
      expect(err, `${symbol} ${JSON.stringify(which)}`).toBeInstanceOf(UnsupportedError)
      expect((err as GoprobeError).message).toMatch(/XMM/)
      if (++checked === 4) break
    }
    expect(checked, 'the seed drew no function with a float argument or result').toBeGreaterThan(0)
  } finally {
    target.close()
  }
}

/** The stock bpftrace cannot attach mid-function in a PIE (file offsets there are also addresses): the compiler says so. */
async function stockRefusesPie(tc: Toolchain): Promise<void> {
  const path = await buildFuzz(source, tc, 'pie')
  const target = Target.open(path)
  try {
    const { def } = plan(target, false)
    await expect(buildProgram(def, target, { pid: 'child', capabilities: { midFunctionAddress: false } })).rejects.toThrow(/this bpftrace cannot attach there/)
  } finally {
    target.close()
  }
}

/**
 * Every toolchain's fuzz program in each mode under each bpftrace of the matrix that runs the
 * toolchain (see runsToolchain): the ones that take probes inside functions in default,
 * stripped and PIE builds, stock 0.17 in default and stripped ones (its PIE limit is asserted
 * at compile time below).
 */
const RUNS: { tc: Toolchain; mode: BuildMode; member: MatrixMember }[] = available.flatMap((tc) =>
  bpftraceMatrix().filter((member) => runsToolchain(member, tc, available)).flatMap((member) =>
    (member.takesOffsets ? BUILD_MODES : BUILD_MODES.filter((m) => m !== 'pie')).map((mode) => ({ tc, mode, member }))))

describeE2E(`ABI fuzz (seed ${seed})`, () => {
  RUNS.forEach((r, run) => {
    const share = FULL ? undefined : { run, runs: RUNS.length }
    const shareText = share ? ` (share ${share.run + 1} of ${share.runs})` : ''
    itE2E(`${r.tc.id} ${r.mode}, ${r.member.label}: every argument and result read as the program logged it${shareText}`,
      () => fuzzRun(r.tc, r.mode, r.member, share), r.member, 900_000)
  })
  for (const tc of available) {
    itE2E(`${tc.id}: floats in XMM registers are refused with UnsupportedError`, () => floatsRefused(tc), undefined, 600_000)
    itE2E(`${tc.id} pie: the stock bpftrace's mid-function limit is reported at compile time`, () => stockRefusesPie(tc), undefined, 600_000)
  }
})

// The stack ABI end to end, on a real release binary: esbuild 0.8.57 (go1.16, stripped).
// Its source (internal/fs/fs_real.go at v0.8.57) declares
//   func (fs *realFS) ReadFile(path string) (string, error)
// and esbuild reads its entry point with it: the path we pass, and the file's bytes back.
const READ_FILE = 'github.com/evanw/esbuild/internal/fs.(*realFS).ReadFile'
const esbuild = await esbuildBinary()

const readFileProbe = program(import.meta, { name: 'esbuild-readfile', description: 'fs.(*realFS).ReadFile calls of esbuild 0.8.57' }, () => {
  // The receiver's struct type is not needed (nor resolvable without DWARF): any pointer has its size.
  uprobe(READ_FILE, { signatures: { [READ_FILE]: 'func (fs *struct{}) ReadFile(path string) (string, error)' } })
    .onEntry(() => printf('entry path=[%rx]\n', goBytes(arg('path'), 64)))
    .onReturn(({ entry }) => printf('return path=[%rx] len=%d errnil=%d contents=[%rx]\n',
      goBytes(entry.arg('path'), 64), result(0).len(), result(1).isNil(), goBytes(result(0), 64)))
})

const hexEscaped = (b: Uint8Array): string => [...b].map((x) => `\\x${x.toString(16).padStart(2, '0')}`).join('')

async function esbuildReadFile(member: MatrixMember): Promise<void> {
  if (!esbuild) throw new Error(`esbuild 0.8.57 is not available (see the warning above)`)
  const bpftrace = bpftraceOf(member)
  const midFunctionAddress = member.takesOffsets
  const dir = await mkdtemp(join(tmpdir(), 'goprobe-esbuild-'))
  try {
    const input = join(dir, 'input.js')
    await writeFile(input, `let answer = ${seed}\nconsole.log(answer)\n`)
    const contents = await readFile(input)
    const built = await buildProgram(readFileProbe, esbuild, { pid: 'child', capabilities: { midFunctionAddress } })
    const run = await runBpftrace({
      bpftrace, program: built.text, command: [esbuild, input, `--outfile=${join(dir, 'out.js')}`],
      unsafe: built.requirements.unsafe, env: built.requirements.env, timeoutMs: 120_000,
    })
    expect(run.code, run.stderr).toBe(0)
    const path = hexEscaped(Buffer.from(input))
    const lines = probeLines(run.stdout)
    // esbuild may read other files too (package.json, tsconfig.json); the input is read exactly once.
    expect(lines.filter((l) => l === `entry path=[${path}]`)).toHaveLength(1)
    expect(lines.filter((l) => l.startsWith(`return path=[${path}] `))).toEqual([
      `return path=[${path}] len=${contents.length} errnil=1 contents=[${hexEscaped(contents)}]`,
    ])
    // esbuild did its job: the output holds the program.
    expect(await readFile(join(dir, 'out.js'), 'utf8')).toContain(`${seed}`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describeE2E('stack ABI: esbuild 0.8.57 (go1.16, stripped) fs.(*realFS).ReadFile', () => {
  for (const member of bpftraceMatrix()) {
    const how = member.takesOffsets ? 'symbol addresses' : 'file offsets'
    itE2E(`${member.label} (${how}): the path passed and the bytes read`, () => esbuildReadFile(member), member)
  }
})
