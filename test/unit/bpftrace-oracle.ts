/**
 * Real bpftrace as the judge of printed programs: compile-only checks, AST dumps (0.17's `-d`)
 * and short self-exiting runs. Shared by the bpftrace*.test.ts files.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { compileOnlyArgs } from '../../src/bpftrace/capabilities.ts'
import type { PrintedProgram } from '../../src/bpftrace/printer.ts'
import { parseVersion } from '../../src/bpftrace/version.ts'
import type { Bpftrace } from '../support/bpftrace.ts'

const run = promisify(execFile)

export interface Outcome {
  readonly ok: boolean
  readonly stdout: string
  readonly stderr: string
}

/**
 * Lines bpftrace prints whatever the program: the probe count, and a warning this container's
 * locked memory limit causes on every run (it does not stop anything).
 */
const NOISE = [/^Attaching \d+ probes?\.\.\.$/, /couldn't set RLIMIT_MEMLOCK/]

function clean(text: string): string {
  return text
    .split('\n')
    .filter((line) => !NOISE.some((re) => re.test(line)))
    .join('\n')
}

async function bpftrace(bt: Bpftrace, args: string[], env: Readonly<Record<string, string>> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(bt.path, args, { env: { ...process.env, ...env }, timeout: 120_000 })
    return { ok: true, stdout: clean(stdout), stderr: clean(stderr) }
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    return { ok: false, stdout: clean(e.stdout ?? ''), stderr: clean(e.stderr ?? e.message) }
  }
}

/**
 * Parses, checks and compiles (LLVM included, so the 512-byte stack limit is enforced) without
 * loading. `-c /bin/true` lets `cpid` type-check; nothing is run.
 */
export function compileOnly(bt: Bpftrace, printed: PrintedProgram): Promise<Outcome> {
  const args = [...(printed.requirements.unsafe ? ['--unsafe'] : []), ...compileOnlyArgs(parseVersion(bt.version))]
  return bpftrace(bt, [...args, '-c', '/bin/true', '-e', printed.text], printed.requirements.env)
}

/** Runs a program that ends by itself (e.g. `BEGIN { ...; exit(); }`) and returns its output. */
export function runToExit(bt: Bpftrace, printed: PrintedProgram): Promise<Outcome> {
  return bpftrace(bt, [...(printed.requirements.unsafe ? ['--unsafe'] : []), '-e', printed.text], printed.requirements.env)
}

/** The attach points and statements of 0.17's AST dump after parsing (`-d` stops there). */
export async function parsedAst(bt: Bpftrace, printed: PrintedProgram): Promise<string[]> {
  const out = await bpftrace(bt, ['-d', '-c', '/bin/true', '-e', printed.text], printed.requirements.env)
  if (!out.ok) throw new Error(`bpftrace -d failed: ${out.stderr}`)
  const lines = out.stdout.split('\n')
  const start = lines.indexOf('AST after: parser')
  const end = lines.findIndex((l, i) => i > start + 2 && l === '')
  if (start < 0 || end < 0) throw new Error(`no parser AST in bpftrace -d output:\n${out.stdout}`)
  return lines.slice(start + 2, end)
}
