// `npm run bench [-- [--only compile|cost|commands] [binary ...] [symbol=NAME]]`: how fast goprobe compiles
// probes and how much memory it takes, how much its programs slow the traced program, each
// next to go-bpf-gen (the predecessor) and, for the tracing cost, a hand-written minimum.
// Prints figures, ratios and the goals they are measured against; asserts nothing.
//
// Environment: GOPROBE_BENCH_RUNS (repeats per figure), GOPROBE_BENCH_PACKAGES (size of the
// generated program; default about 100 MB), GOPROBE_BENCH_LOAD_SECONDS, GOPROBE_BENCH_GO_BPF_GEN
// (a go-bpf-gen binary), GOPROBE_BPFTRACE (an offset-capable bpftrace for the tracing cost).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { homedir, release } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandsBench } from './commands-bench.ts'
import { compileBench, WAYS, type CompileRow } from './compile-bench.ts'
import { findGoBpfGen } from './go-bpf-gen.ts'
import { runsFor } from './stats.ts'
import { formatTable, mb, ms } from './table.ts'
import { benchTargets, sizeMb } from './targets.ts'
import { tracingCost, VARIANTS, type CostResult } from './tracing-cost.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const onlyAt = args.indexOf('--only')
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined
const given = args // binaries, and `symbol=NAME` for their latency probe
const wants = (section: string) => only === undefined || only === section
const log = (s: string) => process.stderr.write(`bench: ${s}\n`)
const out = (s = '') => process.stdout.write(`${s}\n`)
const fmtRatio = (r: number | undefined) => (r === undefined ? '-' : `${r.toFixed(2)}x`)

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU'
  const go = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  return `${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, ${cpu}, Linux ${release()}, node ${process.version}, ${go}`
}

const gen = findGoBpfGen()
out(`goprobe benchmarks on ${machine()}`)
out(`go-bpf-gen: ${'path' in gen ? `${gen.path} (${gen.from})` : `MISSING: ${gen.missing}`}`)

// ---- 1. compile speed and memory
let compileRows: CompileRow[] = []
const targets = wants('compile') || wants('commands') ? await benchTargets(given) : []
if (wants('compile')) {
  const runs = runsFor(5)
  compileRows = compileBench(root, targets, gen, runs, log)
  out()
  out(`1. Compile speed and memory (median of ${runs} runs, interleaved; ms = wall time of the whole process, except in-process = the compile alone after start-up; MB = peak RSS)`)
  const head = ['target', 'probe', 'goprobe compile ms', 'MB', 'tsx probe ms', 'MB', 'in-process ms', 'go-bpf-gen ms', 'MB', 'compile/gen', 'in-process/gen']
  const table = [head, ...compileRows.map((r) => {
    const c = r.results[WAYS.compile]!, t = r.results[WAYS.tsx]!, i = r.results[WAYS.inProcess]!, g = r.results[WAYS.gen]
    return [r.target.label, r.probe, c.failed ? 'failed' : ms(c.ms), mb(c.rssMb), t.failed ? 'failed' : ms(t.ms), mb(t.rssMb), i.failed ? 'failed' : ms(i.ms),
      !g ? 'missing' : g.failed ? 'failed' : ms(g.ms), mb(g?.rssMb), fmtRatio(r.ratios[`${WAYS.compile}/${WAYS.gen}`]), fmtRatio(r.ratios[`${WAYS.inProcess}/${WAYS.gen}`])]
  })]
  out(formatTable(table, 2))
  const failures = compileRows.flatMap((r) => Object.entries(r.results).filter(([, w]) => w.failed).map(([way, w]) => `  ${way}, ${r.probe} on ${r.target.label}: ${w.failed}`))
  if (failures.length) out(`failed:\n${[...new Set(failures)].join('\n')}`)
}

// ---- 2. cost to the traced program
let cost: CostResult | undefined
if (wants('cost')) {
  const bpftrace = process.env.GOPROBE_BPFTRACE ?? join(homedir(), '.cache', 'goprobe', 'bpftrace-unsafe', 'bpftrace')
  out()
  if (process.getuid?.() !== 0) out('2. Cost to the traced program: NOT RUN (needs root to attach uprobes)')
  else if (!existsSync(bpftrace)) out(`2. Cost to the traced program: NOT RUN (no offset-capable bpftrace at ${bpftrace}; scripts/setup-system.sh builds one, or set GOPROBE_BPFTRACE)`)
  else {
    const seconds = Number(process.env.GOPROBE_BENCH_LOAD_SECONDS ?? 3)
    cost = await tracingCost(root, gen, bpftrace, runsFor(7), seconds, log)
    out(`2. Cost to the traced program (bench/load: main.work called on every goroutine switch; ${cost.seconds} s per run, median of ${cost.rounds} interleaved rounds; ${bpftrace})`)
    const c = cost
    const base = c.variants[VARIANTS.untraced]
    // What tracing adds to each call: the uprobe traps plus the BPF programs they run.
    const addedUs = (v: number | undefined, b: number | undefined) => (v === undefined || b === undefined ? '' : (1e6 / v - 1e6 / b).toFixed(1))
    out(formatTable([['variant', 'calls/s', 'calls/cpu-s', 'added us/call (cpu)', 'of which BPF ns'], ...Object.entries(c.variants).map(([name, v]) => [
      name,
      v.failed ? (v.failed.startsWith('missing') ? 'missing' : 'failed') : v.callsPerSecond!.toFixed(0),
      v.failed ? '' : v.callsPerCpuSecond!.toFixed(0),
      name === VARIANTS.untraced ? '' : addedUs(v.callsPerCpuSecond, base?.callsPerCpuSecond),
      v.bpfNsPerCall === undefined ? '' : v.bpfNsPerCall.toFixed(0),
    ])]))
    out(`goprobe's throughput over go-bpf-gen's: ${fmtRatio(c.cpu.vsGen)} per CPU second, ${fmtRatio(c.wall.vsGen)} per wall second; over the hand-written minimum: ${fmtRatio(c.cpu.vsMinimal)} per CPU second, ${fmtRatio(c.wall.vsMinimal)} per wall second (medians of per-round ratios)`)
    for (const [name, v] of Object.entries(c.variants)) if (v.failed) out(`  ${name}: ${v.failed}`)
    if (!c.bpfStats) out('  (BPF time per call not shown: kernel.bpf_stats_enabled could not be set)')
  }
}

// ---- 3. read-only commands
if (wants('commands')) {
  const large = targets.filter((t) => t.label.startsWith('generated') || given.includes(t.path))
  const runs = runsFor(3)
  const rows = commandsBench(root, large, runs, log)
  out()
  out(`3. Read-only commands next to Go's tools (median of ${runs} runs; whole process)`)
  out(formatTable([['command', 'target', 'ms', 'MB', 'vs'], ...rows.map((r) => [r.what, r.target, ms(r.ms), mb(r.rssMb), r.vs ? `${r.vs.ratio.toFixed(2)}x ${r.vs.what}` : ''])], 2))
}

// ---- goals
out()
out('Goals')
const goal = (text: string, met: boolean | undefined, detail: string) => out(`  [${met === undefined ? 'n/a ' : met ? 'met ' : 'NOT '}] ${text}: ${detail}`)
if (compileRows.length) {
  const withGen = compileRows.filter((r) => r.ratios[`${WAYS.inProcess}/${WAYS.gen}`] !== undefined)
  const worst = (key: string) => withGen.reduce<CompileRow | undefined>((w, r) => (w === undefined || r.ratios[key]! > w.ratios[key]! ? r : w), undefined)
  const inProc = worst(`${WAYS.inProcess}/${WAYS.gen}`)
  const whole = worst(`${WAYS.compile}/${WAYS.gen}`)
  const inKey = `${WAYS.inProcess}/${WAYS.gen}`, wholeKey = `${WAYS.compile}/${WAYS.gen}`
  if (!('path' in gen)) goal('compile times vs go-bpf-gen', undefined, 'go-bpf-gen is missing')
  else {
    goal('in-process compile no slower than go-bpf-gen (whole process)', inProc && inProc.ratios[inKey]! <= 1,
      inProc ? `worst ${fmtRatio(inProc.ratios[inKey])} (${inProc.probe} on ${inProc.target.label}); ${withGen.filter((r) => r.ratios[inKey]! <= 1).length}/${withGen.length} pairs within` : 'no pair ran')
    goal('goprobe compile within 2x of go-bpf-gen', whole && whole.ratios[wholeKey]! <= 2,
      whole ? `worst ${fmtRatio(whole.ratios[wholeKey])} (${whole.probe} on ${whole.target.label}); ${withGen.filter((r) => r.ratios[wholeKey]! <= 2).length}/${withGen.length} pairs within` : 'no pair ran')
  }
  const big = compileRows.filter((r) => sizeMb(r.target.path) >= 75)
  const peak = Math.max(...big.map((r) => r.results[WAYS.compile]!.rssMb ?? 0))
  goal('peak memory under 150 MB for a ~100 MB binary (goprobe compile)', big.length ? peak < 150 : undefined,
    big.length ? `peak ${peak.toFixed(0)} MB over ${[...new Set(big.map((r) => r.target.label))].join(', ')}` : 'no target of 75 MB or more')
}
if (cost) {
  // Judged per CPU second: the wall-clock figure also moves with whatever else the machine runs.
  const { vsGen, vsMinimal } = cost.cpu
  goal('traced throughput at least 1.3x go-bpf-gen\'s', vsGen === undefined ? undefined : vsGen >= 1.3, vsGen === undefined ? 'go-bpf-gen did not run' : `goprobe/go-bpf-gen = ${fmtRatio(vsGen)} per CPU second (${fmtRatio(cost.wall.vsGen)} per wall second)`)
  goal('traced throughput at least 0.95x the hand-written minimum', vsMinimal === undefined ? undefined : vsMinimal >= 0.95, vsMinimal === undefined ? 'not measured' : `goprobe/minimum = ${fmtRatio(vsMinimal)} per CPU second (${fmtRatio(cost.wall.vsMinimal)} per wall second)`)
}
