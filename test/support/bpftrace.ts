/**
 * Running real bpftrace in end-to-end tests, and deciding (loudly) when they cannot run.
 *
 * Every end-to-end test runs under each member of the bpftrace matrix that can run it (see
 * matrixSpecs in bpftrace-facts.ts): Debian's stock 0.17, 0.17 rebuilt with ALLOW_UNSAFE_PROBE,
 * Debian 13's and Debian unstable's. What each can do is settled by goprobe's own rule.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { inspectForTests, matrixSpecs, type Bpftrace, type MatrixSpec } from './bpftrace-facts.ts'
import { goVersionAtLeast, type FixtureBuild, type Toolchain } from './fixtures.ts'

export type { Bpftrace }

/** One bpftrace of the matrix: found and fit for its role, or the reason it is not. */
export interface MatrixMember extends MatrixSpec {
  /** In test names: 'bpftrace 0.23.2', 'bpftrace 0.17.0 stock'; 'bpftrace from Debian 13' when missing. */
  label: string
  /** Undefined when `problem` says why it cannot be used. */
  bpftrace: Bpftrace | undefined
  problem: string | undefined
}

/** Members that take probes inside functions ('offset-capable'), the ones that do not ('stock'), or all. */
export type BpftraceNeed = 'any' | 'offset-capable' | 'stock'

const OVERRIDE_HINT = 'set GOPROBE_BPFTRACE_STOCK, GOPROBE_BPFTRACE, GOPROBE_BPFTRACE_TRIXIE or GOPROBE_BPFTRACE_SID, or run scripts/setup-system.sh'

function settleMember(spec: MatrixSpec, found: Bpftrace | string): MatrixMember {
  if (typeof found === 'string') return { ...spec, label: `bpftrace ${spec.role}`, bpftrace: undefined, problem: `bpftrace ${spec.role}: ${found} (${OVERRIDE_HINT})` }
  const label = `bpftrace ${found.version.replace(/^v/, '')}${spec.qualified ? ` ${spec.role}` : ''}`
  if (found.offsetCapable !== spec.takesOffsets) {
    const does = found.offsetCapable ? 'takes' : 'does not take'
    return { ...spec, label, bpftrace: undefined, problem: `${label} at ${found.path} ${does} probes inside functions (${found.offsetSupport}), unlike the matrix's ${spec.role} bpftrace (${OVERRIDE_HINT})` }
  }
  return { ...spec, label, bpftrace: found, problem: undefined }
}

// Settled once per test file, before collection: describeE2E decides synchronously. The global
// setup has already settled every member (and remembered the attach), so this reads what it found.
const MATRIX: readonly MatrixMember[] = await Promise.all(matrixSpecs().map(async (spec) => settleMember(spec, await inspectForTests(spec.path))))

/** The members a test needs, in the matrix's order (stock, ALLOW_UNSAFE_PROBE, Debian 13, unstable). */
export function bpftraceMatrix(need: BpftraceNeed = 'any'): MatrixMember[] {
  return MATRIX.filter((m) => need === 'any' || m.takesOffsets === (need === 'offset-capable'))
}

/**
 * Whether a member runs a toolchain's fixtures: the 0.17 builds every toolchain, the newer ones
 * the oldest and the newest (see matrixSpecs for why).
 */
export function runsToolchain(member: MatrixMember, tc: Toolchain, all: readonly Toolchain[]): boolean {
  if (member.everyToolchain) return true
  const oldest = all.reduce((a, b) => (goVersionAtLeast(b, a.version) ? a : b))
  const newest = all.reduce((a, b) => (goVersionAtLeast(a, b.version) ? a : b))
  return tc.id === oldest.id || tc.id === newest.id
}

/** `builds` paired with each member of `need` that runs their toolchain. */
export function buildsByMember(builds: readonly FixtureBuild[], need: BpftraceNeed = 'any'): { build: FixtureBuild; member: MatrixMember }[] {
  const all = [...new Map(builds.map((b) => [b.toolchain.id, b.toolchain])).values()]
  return builds.flatMap((build) => bpftraceMatrix(need).filter((m) => runsToolchain(m, build.toolchain, all)).map((member) => ({ build, member })))
}

/** A member's bpftrace, in a test that itE2E let run (so it is there). */
export function bpftraceOf(member: MatrixMember): Bpftrace {
  if (!member.bpftrace) throw new Error(`${member.label} cannot run: ${member.problem}`)
  return member.bpftrace
}

/** The matrix's member that takes no probes inside functions: Debian's stock 0.17. */
export function stockMember(): MatrixMember {
  return MATRIX.find((m) => m.role === 'stock')!
}

/** The matrix's 0.17 rebuilt with ALLOW_UNSAFE_PROBE ($GOPROBE_BPFTRACE). */
export function unsafeRebuildMember(): MatrixMember {
  return MATRIX.find((m) => m.role === 'ALLOW_UNSAFE_PROBE')!
}

/** Debian's stock 0.17, when it runs. */
export function stockBpftrace(): Bpftrace | undefined {
  return stockMember().bpftrace
}

/** 0.17 rebuilt with ALLOW_UNSAFE_PROBE, when it takes probes inside functions. */
export function offsetCapableBpftrace(): Bpftrace | undefined {
  return unsafeRebuildMember().bpftrace
}

function tracefsMounted(): boolean {
  return existsSync('/sys/kernel/tracing/uprobe_events') || existsSync('/sys/kernel/debug/tracing/uprobe_events')
}

/**
 * Undefined when end-to-end tests can run (root, tracefs, and the matrix member the test runs
 * under, if it names one); otherwise the reason they cannot.
 */
export function e2eUnavailableReason(member?: MatrixMember): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (bpftrace needs root to attach probes)'
  if (!tracefsMounted()) return 'tracefs is not mounted (no /sys/kernel/tracing/uprobe_events); run scripts/setup-system.sh'
  return member?.problem
}

/** bpftrace's line announcing its probes: "Attaching 5 probes..." (0.17, 0.23, stdout), "Attached 5 probes" (0.27, stderr). */
export const ATTACH_LINE = /^(?:Attaching (\d+) probes?\.\.\.|Attached (\d+) probes?)$/

/** How many probes bpftrace said it attaches, from its output; undefined when it said nothing. */
export function announcedProbes(output: string): number | undefined {
  for (const line of output.split('\n')) {
    const m = ATTACH_LINE.exec(line)
    if (m) return Number(m[1] ?? m[2])
  }
  return undefined
}

/** A map's heading line as bpftrace prints it before a histogram: 0.17 ends it with a space, later versions do not. */
export function mapHeading(lines: readonly string[], name: string): boolean {
  return lines.some((l) => l.trimEnd() === `${name}:`)
}

export interface BpftraceRun {
  /** bpftrace's own output (the probe's printf lines, the attach line, maps at exit). */
  stdout: string
  stderr: string
  /** Exit code; null when bpftrace was killed by a signal (e.g. on timeout). */
  code: number | null
  /** What the traced command wrote to the file named by $GOPROBE_FIXTURE_LOG; undefined if it wrote nothing. */
  commandStdout?: string
  timedOut: boolean
}

export interface BpftraceRunOptions {
  bpftrace: Bpftrace
  /** The bpftrace program text. */
  program: string
  /** The traced command: argv, each element free of whitespace (bpftrace 0.17 splits -c on single spaces and knows no quoting). */
  command: string[]
  /** Pass --unsafe (needed for offset probes and system()). */
  unsafe?: boolean
  /** Default 60 s. On expiry the whole process group gets SIGINT, then SIGKILL after a grace period. */
  timeoutMs?: number
  /** Extra environment for bpftrace and (inherited) the command, e.g. BPFTRACE_STRLEN, BPFTRACE_MAX_STRLEN. */
  env?: Record<string, string>
  /** Written to bpftrace's stdin, which the command inherits (a pipe); default: empty. */
  stdin?: string
}

/** Time bpftrace gets after SIGINT to detach its probes and print its maps. */
const KILL_GRACE_MS = 3_000

/**
 * Runs `bpftrace [--unsafe] -c '<command>' <program file>`.
 *
 * The traced command's stdout is the same pipe as bpftrace's, so the two would interleave.
 * Instead the command gets $GOPROBE_FIXTURE_LOG, a fresh temp file (bpftrace passes its
 * environment to the -c child), writes its record there, and the file's text comes back as
 * `commandStdout`. The fixtures under test/fixtures/go print nothing to stdout in `run` mode.
 */
export async function runBpftrace(opts: BpftraceRunOptions): Promise<BpftraceRun> {
  const bad = opts.command.find((arg) => arg === '' || /\s/.test(arg))
  if (opts.command.length === 0 || bad !== undefined) {
    throw new Error(`runBpftrace: command ${JSON.stringify(opts.command)} cannot be passed to bpftrace -c (empty, or an argument is empty or contains whitespace)`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'goprobe-bpftrace-'))
  try {
    const programFile = join(dir, 'probe.bt')
    const logFile = join(dir, 'command.log')
    await writeFile(programFile, opts.program)
    const args = [...(opts.unsafe ? ['--unsafe'] : []), '-c', opts.command.join(' '), programFile]
    const result = await spawnGroup(opts.bpftrace.path, args, { ...process.env, ...opts.env, GOPROBE_FIXTURE_LOG: logFile }, opts.timeoutMs ?? 60_000, opts.stdin)
    const commandStdout = existsSync(logFile) ? await readFile(logFile, 'utf8') : undefined
    return commandStdout === undefined ? result : { ...result, commandStdout }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Runs a process in its own process group so that a timeout can stop it and everything it started. */
function spawnGroup(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, stdin: string | undefined): Promise<Omit<BpftraceRun, 'commandStdout'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    // Without input the command reads end of file at once, as from an empty pipe.
    child.stdin.end(stdin ?? '')
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal)
      } catch {
        // The group is already gone.
      }
    }
    let killTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      signalGroup('SIGINT')
      killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS)
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      reject(err)
    })
    // The traced command may outlive bpftrace (e.g. bpftrace failed to attach) and hold the
    // output pipes open: stop the whole group as soon as bpftrace itself exits.
    child.on('exit', () => signalGroup('SIGKILL'))
    child.on('close', (code) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      resolve({ stdout, stderr, code, timedOut })
    })
  })
}

/** Unavailable end-to-end tests fail instead of skipping in CI and as root: there they must run. */
function mustRun(): boolean {
  return process.env.CI === 'true' || process.getuid?.() === 0
}

/**
 * `describe` for end-to-end tests. When they cannot run, warns loudly and registers the suite
 * as skipped with the reason in its name; in CI or as root it registers a failing test instead.
 */
export function describeE2E(name: string, fn: () => void, member?: MatrixMember): void {
  const reason = e2eUnavailableReason(member)
  if (reason === undefined) {
    describe(name, fn)
  } else if (mustRun()) {
    describe(name, () => {
      it(`END-TO-END TESTS CANNOT RUN: ${reason}`, () => {
        throw new Error(`end-to-end tests must run here (CI or root) but cannot: ${reason}`)
      })
    })
  } else {
    console.warn(`END-TO-END TESTS NOT RUN: ${name}: ${reason}`)
    describe.skip(`${name} [END-TO-END NOT RUN: ${reason}]`, fn)
  }
}

/** `it` for a single end-to-end test; same rules as describeE2E. */
export function itE2E(name: string, fn: () => Promise<void> | void, member?: MatrixMember, timeoutMs?: number): void {
  const reason = e2eUnavailableReason(member)
  if (reason === undefined) {
    it(name, fn, timeoutMs)
  } else if (mustRun()) {
    it(`${name} [END-TO-END TEST CANNOT RUN: ${reason}]`, () => {
      throw new Error(`end-to-end test must run here (CI or root) but cannot: ${reason}`)
    })
  } else {
    console.warn(`END-TO-END TESTS NOT RUN: ${name}: ${reason}`)
    it.skip(`${name} [END-TO-END NOT RUN: ${reason}]`, fn)
  }
}
