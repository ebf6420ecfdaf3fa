// Section 1: how long compiling a probe takes and how much memory it needs, per target binary
// and probe, next to go-bpf-gen filling its equivalent template for the same binary.
// The four ways of compiling are interleaved (A B C D, A B C D, ...) so that load from other
// work on the machine falls on all of them alike; figures are medians, ratios are medians of
// the ratio within each round.
import { join } from 'node:path'
import { goBpfGenArgv, type GoBpfGen } from './go-bpf-gen.ts'
import { CommandFailed, runOnce, scratchDir, type ProcessSample } from './process-sample.ts'
import { median } from './stats.ts'
import type { BenchTarget } from './targets.ts'

export type ProbeName = 'latency' | 'httpsnoop' | 'tlssecrets'
export const PROBES: readonly ProbeName[] = ['latency', 'httpsnoop', 'tlssecrets']

/** One way of producing the program: the command, and whether its figure is the time it reports itself. */
interface Way { readonly name: string; readonly argv: string[]; readonly cwd?: string; readonly inProcess?: boolean }

export interface WayResult {
  readonly ms?: number
  readonly rssMb?: number
  /** Why it has no figures (it failed), once. */
  readonly failed?: string
  readonly samples: readonly number[]
}

export interface CompileRow {
  readonly target: BenchTarget
  readonly probe: ProbeName
  readonly results: Readonly<Record<string, WayResult>>
  /** Median of per-round ratios, keyed `way/way`. */
  readonly ratios: Readonly<Record<string, number | undefined>>
}

export const WAYS = { compile: 'goprobe compile', tsx: 'tsx probes/<name>.ts', inProcess: 'in-process compile', gen: 'go-bpf-gen' } as const

export function compileBench(root: string, targets: readonly BenchTarget[], gen: GoBpfGen, runs: number, log: (s: string) => void): CompileRow[] {
  const rows: CompileRow[] = []
  for (const target of targets) {
    for (const probe of PROBES) {
      const params = probe === 'latency' ? [`symbol=${target.latencySymbol}`] : []
      const probeFile = join(root, 'probes', `${probe}.ts`)
      const ways: Way[] = [
        // Executed through its #! line, as npm's link to the `goprobe` command runs it.
        { name: WAYS.compile, argv: [join(root, 'bin', 'goprobe.js'), 'compile', probeFile, target.path, ...params] },
        { name: WAYS.tsx, argv: [join(root, 'node_modules', '.bin', 'tsx'), probeFile, target.path, ...params] },
        // With the V8 flag bin/goprobe.js starts node with, so that the compile runs as in the command.
        { name: WAYS.inProcess, argv: ['node', '--max-semi-space-size=2', '--import', 'tsx', join(root, 'bench', 'compile-in-process.ts'), probeFile, target.path, ...params], inProcess: true },
      ]
      // Its embedded template is used only when no file of that name is in the working directory.
      if ('path' in gen) ways.push({ name: WAYS.gen, argv: goBpfGenArgv(gen.path, probe, target.path, params), cwd: scratchDir() })
      log(`compile: ${probe} on ${target.label}`)
      const samples = new Map<string, { ms: number[]; rss: number[]; failed?: string }>(ways.map((w) => [w.name, { ms: [], rss: [] }]))
      const perRound: Record<string, number>[] = []
      for (let round = 0; round < runs; round++) {
        const times: Record<string, number> = {}
        for (const way of ways) {
          const s = samples.get(way.name)!
          if (s.failed) continue
          let sample: ProcessSample
          try {
            sample = runOnce(way.argv, { cwd: way.cwd ?? root })
          } catch (e) {
            if (!(e instanceof CommandFailed)) throw e
            s.failed = e.message
            continue
          }
          // On a binary without .symtab go-bpf-gen guesses the stack ABI and still prints a program, a
          // wrong one (its uprobes name symbols that are not there): that is not a comparable run.
          if (way.name === WAYS.gen && /no symbol section/.test(sample.stderr)) {
            s.failed = 'no .symtab: it guessed the stack ABI and printed uprobes on symbols the binary lacks'
            continue
          }
          // The in-process figure is what the child timed around the compile alone.
          const ms = way.inProcess ? (JSON.parse(sample.stdout.trim().split('\n').pop()!) as { ms: number }).ms : sample.ms
          s.ms.push(ms)
          s.rss.push(sample.rssMb)
          times[way.name] = ms
        }
        perRound.push(times)
      }
      const results: Record<string, WayResult> = {}
      for (const [name, s] of samples) {
        results[name] = s.failed ? { failed: s.failed, samples: s.ms } : { ms: median(s.ms), rssMb: Math.max(...s.rss), samples: s.ms }
      }
      const pairRatio = (a: string, b: string): number | undefined => {
        const rs = perRound.filter((t) => t[a] !== undefined && t[b] !== undefined).map((t) => t[a]! / t[b]!)
        return rs.length ? median(rs) : undefined
      }
      rows.push({
        target, probe, results,
        ratios: {
          [`${WAYS.compile}/${WAYS.gen}`]: pairRatio(WAYS.compile, WAYS.gen),
          [`${WAYS.inProcess}/${WAYS.gen}`]: pairRatio(WAYS.inProcess, WAYS.gen),
          [`${WAYS.tsx}/${WAYS.gen}`]: pairRatio(WAYS.tsx, WAYS.gen),
        },
      })
    }
  }
  return rows
}
