/**
 * Running real bpftrace in end-to-end tests, and deciding (loudly) when they cannot run.
 *
 * Two builds matter (see DESIGN.md): Debian's stock 0.17, and 0.17 rebuilt with
 * ALLOW_UNSAFE_PROBE so that `uprobe:bin:func+offset` is accepted with --unsafe. Which is
 * which is settled by goprobe's own rule (see bpftrace-facts.ts).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { inspectForTests, offsetCapablePath, stockPath, type Bpftrace } from './bpftrace-facts.ts'

export type { Bpftrace }

export type BpftraceNeed = 'any' | 'offset-capable' | 'stock'

// Settled once per test file, before collection: describeE2E decides synchronously. The global
// setup has already settled both (and remembered the attach), so this reads what it found.
const [offsetCapableFound, stockFound] = await Promise.all([inspectForTests(offsetCapablePath()), inspectForTests(stockPath())])

/** Why the offset-capable bpftrace cannot be used, or undefined when it can. */
function offsetCapableProblem(): string | undefined {
  const b = offsetCapableFound
  if (typeof b === 'string') return `offset-capable bpftrace: ${b} (set GOPROBE_BPFTRACE or run scripts/setup-system.sh)`
  if (!b.offsetCapable) return `offset-capable bpftrace: ${b.path} does not take probes inside functions (${b.offsetSupport}); rebuild it with scripts/setup-system.sh`
  return undefined
}

/** $GOPROBE_BPFTRACE, default ${GOPROBE_CACHE:-~/.cache/goprobe}/bpftrace-unsafe/bpftrace; undefined unless it takes probes inside functions. */
export function offsetCapableBpftrace(): Bpftrace | undefined {
  const b = offsetCapableFound
  return typeof b === 'string' || !b.offsetCapable ? undefined : b
}

/** $GOPROBE_BPFTRACE_STOCK, default /usr/bin/bpftrace; undefined when it does not run. */
export function stockBpftrace(): Bpftrace | undefined {
  return typeof stockFound === 'string' ? undefined : stockFound
}

function tracefsMounted(): boolean {
  return existsSync('/sys/kernel/tracing/uprobe_events') || existsSync('/sys/kernel/debug/tracing/uprobe_events')
}

/**
 * Undefined when end-to-end tests can run (root, tracefs, and the bpftrace the test needs);
 * otherwise the reason they cannot.
 */
export function e2eUnavailableReason(need: BpftraceNeed = 'any'): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (bpftrace needs root to attach probes)'
  if (!tracefsMounted()) return 'tracefs is not mounted (no /sys/kernel/tracing/uprobe_events); run scripts/setup-system.sh'
  const stockProblem = typeof stockFound === 'string' ? `stock bpftrace: ${stockFound} (set GOPROBE_BPFTRACE_STOCK)` : undefined
  switch (need) {
    case 'stock':
      return stockProblem
    case 'offset-capable':
      return offsetCapableProblem()
    case 'any': {
      const offsetProblem = offsetCapableProblem()
      return stockProblem && offsetProblem ? `${stockProblem}; ${offsetProblem}` : undefined
    }
  }
}

/** The offset-capable bpftrace when there is one, else the stock one. */
export function anyBpftrace(): Bpftrace | undefined {
  return offsetCapableBpftrace() ?? stockBpftrace()
}

export interface BpftraceRun {
  /** bpftrace's own output (the probe's printf lines, "Attaching N probes...", maps at exit). */
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
    const result = await spawnGroup(opts.bpftrace.path, args, { ...process.env, ...opts.env, GOPROBE_FIXTURE_LOG: logFile }, opts.timeoutMs ?? 60_000)
    const commandStdout = existsSync(logFile) ? await readFile(logFile, 'utf8') : undefined
    return commandStdout === undefined ? result : { ...result, commandStdout }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Runs a process in its own process group so that a timeout can stop it and everything it started. */
function spawnGroup(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Omit<BpftraceRun, 'commandStdout'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
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
export function describeE2E(name: string, fn: () => void, need: BpftraceNeed = 'any'): void {
  const reason = e2eUnavailableReason(need)
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
export function itE2E(name: string, fn: () => Promise<void> | void, need: BpftraceNeed = 'any', timeoutMs?: number): void {
  const reason = e2eUnavailableReason(need)
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
