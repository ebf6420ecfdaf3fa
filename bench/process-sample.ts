// One run of a command as a user runs it: whole-process wall time and peak resident memory.
// Peak memory comes from GNU time (`%M`, getrusage of the waited-for children), so it covers
// processes that start another (tsx runs the probe in a child node) and non-node tools alike.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ProcessSample {
  readonly ms: number
  /** Peak RSS of the largest process in the tree, MB. */
  readonly rssMb: number
  readonly stdout: string
  readonly stderr: string
}

export class CommandFailed extends Error {}

const GNU_TIME = '/usr/bin/time'
const scratch = mkdtempSync(join(tmpdir(), 'goprobe-bench-'))
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }))

/** An empty directory removed at exit (a neutral working directory, and room for files). */
export function scratchDir(): string {
  return scratch
}

export function runOnce(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ProcessSample {
  const report = join(scratch, 'time.txt')
  const t0 = process.hrtime.bigint()
  const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', report, ...argv], {
    cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 256 << 20,
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) {
    // The last line says why (the goprobe command prints one line; go-bpf-gen logs before it).
    const why = (r.stderr || r.stdout || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()!
    throw new CommandFailed(why.length > 300 ? `${why.slice(0, 300)}...` : why)
  }
  const kb = Number(readFileSync(report, 'utf8').trim().split('\n').pop())
  return { ms, rssMb: kb / 1024, stdout: r.stdout, stderr: r.stderr }
}
