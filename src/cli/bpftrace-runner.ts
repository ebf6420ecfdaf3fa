import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Requirements } from '../bpftrace/printer.ts'
import { UsageError } from '../errors.ts'

export interface RunOptions {
  readonly bpftrace: string
  readonly text: string
  readonly requirements: Requirements
  /** Command to start and trace (`-c`). */
  readonly command?: string
  /** Process to trace (`-p`). */
  readonly pid?: number
}

/**
 * Run a generated program under bpftrace with the flags and environment it needs,
 * passing Ctrl-C through (bpftrace prints its maps and exits on SIGINT) and returning
 * bpftrace's exit status.
 */
export async function runBpftrace(o: RunOptions): Promise<number> {
  if (process.getuid?.() !== 0) process.stderr.write('goprobe: warning: bpftrace needs root (or CAP_BPF and CAP_PERFMON); this will probably fail\n')
  const dir = mkdtempSync(join(tmpdir(), 'goprobe-'))
  const file = join(dir, 'program.bt')
  writeFileSync(file, o.text)
  const args = [...(o.requirements.unsafe ? ['--unsafe'] : []), ...(o.command ? ['-c', o.command] : []), ...(o.pid ? ['-p', String(o.pid)] : []), file]
  const child = spawn(o.bpftrace, args, { stdio: 'inherit', env: { ...process.env, ...o.requirements.env } })
  // The terminal sends SIGINT to the whole foreground group; bpftrace handles it, we just wait.
  const ignore = () => {}
  process.on('SIGINT', ignore)
  process.on('SIGTERM', () => child.kill('SIGTERM'))
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(new UsageError(e.code === 'ENOENT' ? `bpftrace not found at ${o.bpftrace} (install it, or pass --bpftrace PATH; see goprobe doctor)` : `cannot run ${o.bpftrace}: ${e.message}`)),
      )
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)))
    })
  } finally {
    process.off('SIGINT', ignore)
    rmSync(dir, { recursive: true, force: true })
  }
}
