// Section 2: what tracing costs the traced program. The load program (bench/load) reports
// calls/s of main.work while goroutines switch on every call; it runs untraced, under goprobe's
// latency program, under go-bpf-gen's latency template (which also hooks runtime.execute on
// every goroutine switch) and under a hand-written minimal program (bench/load/minimal-latency.bt).
// Each traced run is `bpftrace -c LOAD`, so the load starts only once every probe is attached.
// Variants are interleaved per round; figures are medians, ratios medians of per-round ratios.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bpfProgramStats, enableBpfStats, nsPerCall, type ProgramStats } from './bpf-stats.ts'
import { benchCache } from './cache.ts'
import { goBpfGenArgv, type GoBpfGen } from './go-bpf-gen.ts'
import { scratchDir } from './process-sample.ts'
import { median } from './stats.ts'

const TRACED = 'main.work'

export const VARIANTS = { untraced: 'untraced', goprobe: 'goprobe latency', gen: 'go-bpf-gen latency', minimal: 'hand-written minimum' } as const

type Metric = 'callsPerSecond' | 'callsPerCpuSecond'

/** goprobe's throughput over another variant's: medians of the per-round ratios. */
export interface CostRatios { readonly vsGen?: number; readonly vsMinimal?: number }

export interface CostResult {
  readonly variants: Readonly<Record<string, VariantResult>>
  /** Ratios of calls per wall-clock second (what the machine's other load also moves). */
  readonly wall: CostRatios
  /** Ratios of calls per CPU second of the load (the tracing runs on its threads, other load does not). */
  readonly cpu: CostRatios
  /** Whether the kernel's BPF statistics could be turned on (BPF time per call). */
  readonly bpfStats: boolean
  readonly bpftrace: string
  readonly seconds: number
  readonly rounds: number
}

/** The load program, built once per source and Go version into the bench cache. */
function loadBinary(root: string): string {
  const src = join(root, 'bench', 'load')
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  const hash = createHash('sha256').update(readFileSync(join(src, 'main.go'))).update(goVersion).digest('hex').slice(0, 12)
  const bin = join(benchCache(), `load-${goVersion}-${hash}`)
  if (!existsSync(bin)) {
    execFileSync('go', ['build', '-o', `${bin}.tmp`, '.'], { cwd: src, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' }, stdio: 'inherit' })
    renameSync(`${bin}.tmp`, bin)
  }
  return bin
}

interface Program { readonly text: string; readonly env: Record<string, string> }

/** goprobe's program and the environment its header's `run:` line asks for. */
function goprobeProgram(root: string, load: string): Program {
  const text = execFileSync('node', [join(root, 'bin', 'goprobe.js'), 'compile', join(root, 'probes', 'latency.ts'), load, `symbol=${TRACED}`], { encoding: 'utf8' })
  const run = /^\/\/ run:\s+(.*)$/m.exec(text)?.[1] ?? ''
  const env = Object.fromEntries([...run.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]))
  return { text, env }
}

function goBpfGenProgram(gen: GoBpfGen, load: string): Program | string {
  if (!('path' in gen)) return `missing: ${gen.missing}`
  const argv = goBpfGenArgv(gen.path, 'latency', load, [`symbol=${TRACED}`])
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: scratchDir(), encoding: 'utf8' })
  return r.status === 0 ? { text: r.stdout, env: {} } : `go-bpf-gen failed: ${r.stderr.trim()}`
}

/** The hand-written program, attached where goprobe attaches (facts from `goprobe symbols` and `layout`). */
function minimalProgram(root: string, load: string): Program {
  const goprobe = (...args: string[]) => JSON.parse(execFileSync('node', [join(root, 'bin', 'goprobe.js'), ...args, '--json'], { encoding: 'utf8' })) as unknown
  const [fn] = goprobe('symbols', load, `^${TRACED.replace('.', '\\.')}$`) as { retOffsets: number[]; postPrologue: number | null }[]
  const g = goprobe('layout', load, 'runtime.g') as { fields: { name: string; offset: number }[] }
  const goid = g.fields.find((f) => f.name === 'goid')!.offset
  const at = (off: number) => `"${TRACED}"${off ? ` + ${off}` : ''}`
  const text = readFileSync(join(root, 'bench', 'load', 'minimal-latency.bt'), 'utf8')
    .replaceAll('{{BINARY}}', load)
    .replaceAll('{{ENTRY}}', at(fn!.postPrologue ?? 0))
    .replaceAll('{{GOID_OFFSET}}', String(goid))
    .replaceAll('{{RETURNS}}', fn!.retOffsets.map((r) => `uprobe:${load}:${at(r)}`).join(',\n'))
  return { text, env: {} }
}

interface LoadRun { readonly callsPerSecond: number; readonly callsPerCpuSecond: number; readonly bpfNsPerCall?: number }

/** Runs a command to its end; stdout, exit code, and the BPF statistics last seen in it (polled). */
function runWatched(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number | null; stats: Map<string, ProgramStats> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    // Counters are cumulative: keep each program's latest reading (bpftrace closes them one by one at exit).
    const stats = new Map<string, ProgramStats>()
    const poll = setInterval(() => {
      for (const [fd, s] of bpfProgramStats(child.pid!)) if (s.runs >= (stats.get(fd)?.runs ?? 0)) stats.set(fd, s)
    }, 200)
    child.on('error', (e) => { clearInterval(poll); reject(e) })
    child.on('close', (code) => { clearInterval(poll); resolve({ stdout, stderr, code, stats }) })
  })
}

/** One run of the load, traced by `program` when given. Throws when a traced run recorded nothing. */
async function runLoad(load: string, seconds: number, bpftrace: string, program?: Program): Promise<LoadRun> {
  const loadCmd = [load, '-d', `${seconds}s`]
  if (!program) {
    const out = execFileSync(loadCmd[0]!, loadCmd.slice(1), { encoding: 'utf8' })
    return throughputIn(out)
  }
  const file = join(scratchDir(), 'program.bt')
  writeFileSync(file, program.text)
  const r = await runWatched([bpftrace, '--unsafe', '-c', loadCmd.join(' '), file], { ...process.env, ...program.env })
  // The program prints its histogram when the load exits: proof that the probes fired.
  if (r.code !== 0 || !/@\w+(\[.*\])?: \n\[/.test(r.stdout)) {
    throw new Error(`bpftrace run failed or recorded nothing (exit ${r.code}): ${(r.stderr + r.stdout).trim().split('\n').slice(-4).join(' | ')}`)
  }
  const ns = nsPerCall(r.stats)
  return { ...throughputIn(r.stdout), ...(ns === undefined ? {} : { bpfNsPerCall: ns }) }
}

function throughputIn(out: string): LoadRun {
  const wall = /^calls\/s (\d+)$/m.exec(out)
  const cpu = /^calls\/cpu-s (\d+)$/m.exec(out)
  if (!wall || !cpu) throw new Error(`the load printed no throughput: ${out.slice(-300)}`)
  return { callsPerSecond: Number(wall[1]), callsPerCpuSecond: Number(cpu[1]) }
}

/** Per variant: the median of each metric over the rounds, or why the variant could not run. */
export interface VariantResult {
  readonly callsPerSecond?: number
  readonly callsPerCpuSecond?: number
  readonly bpfNsPerCall?: number
  readonly failed?: string
}

export async function tracingCost(root: string, gen: GoBpfGen, bpftrace: string, rounds: number, seconds: number, log: (s: string) => void): Promise<CostResult> {
  const statsOn = enableBpfStats()
  const load = loadBinary(root)
  const programs: Record<string, Program | string | undefined> = {
    [VARIANTS.untraced]: undefined,
    [VARIANTS.goprobe]: goprobeProgram(root, load),
    [VARIANTS.gen]: goBpfGenProgram(gen, load),
    [VARIANTS.minimal]: minimalProgram(root, load),
  }
  const runs: Record<string, LoadRun[]> = Object.fromEntries(Object.keys(programs).map((k) => [k, []]))
  const failed: Record<string, string> = {}
  const perRound: Record<string, LoadRun>[] = []
  for (let round = 0; round < rounds; round++) {
    const got: Record<string, LoadRun> = {}
    for (const [name, program] of Object.entries(programs)) {
      if (typeof program === 'string') { failed[name] = program; continue }
      if (failed[name]) continue
      log(`tracing cost: round ${round + 1}/${rounds}: ${name}`)
      try {
        got[name] = await runLoad(load, seconds, bpftrace, program)
        runs[name]!.push(got[name]!)
      } catch (e) {
        failed[name] = (e as Error).message
      }
    }
    perRound.push(got)
  }
  const pair = (metric: Metric) => (a: string, b: string) => {
    const rs = perRound.filter((r) => r[a] && r[b]).map((r) => r[a]![metric] / r[b]![metric])
    return rs.length ? median(rs) : undefined
  }
  const variants: Record<string, VariantResult> = {}
  for (const name of Object.keys(programs)) {
    const rs = runs[name]!
    const ns = rs.flatMap((r) => (r.bpfNsPerCall === undefined ? [] : [r.bpfNsPerCall]))
    variants[name] = failed[name] !== undefined ? { failed: failed[name] } : {
      callsPerSecond: median(rs.map((r) => r.callsPerSecond)),
      callsPerCpuSecond: median(rs.map((r) => r.callsPerCpuSecond)),
      ...(statsOn && ns.length ? { bpfNsPerCall: median(ns) } : {}),
    }
  }
  const ratios = (metric: Metric) => ({
    vsGen: pair(metric)(VARIANTS.goprobe, VARIANTS.gen),
    vsMinimal: pair(metric)(VARIANTS.goprobe, VARIANTS.minimal),
  })
  return { variants, wall: ratios('callsPerSecond'), cpu: ratios('callsPerCpuSecond'), bpfStats: statsOn, bpftrace, seconds, rounds }
}
