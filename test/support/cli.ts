/** The goprobe command run as a user runs it: a real node process, its output and exit code. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { REPO_ROOT } from './fixtures.ts'

const exec = promisify(execFile)
export const GOPROBE = join(REPO_ROOT, 'bin', 'goprobe.js')

export interface CommandResult {
  stdout: string
  stderr: string
  code: number
}

export async function goprobe(args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await exec('node', [GOPROBE, ...args], { maxBuffer: 64 << 20, env: { ...process.env, ...env } })
    return { stdout, stderr, code: 0 }
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number }
    return { stdout: err.stdout, stderr: err.stderr, code: err.code }
  }
}

/** One line naming the problem, exit code 2, no stack trace. */
export function expectOneLineError(r: CommandResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2)
  const lines = r.stderr.trim().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(r.stderr).not.toMatch(/^\s+at /m)
}
