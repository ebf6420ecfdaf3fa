/**
 * Throwaway Go modules for the layout and ABI oracle tests: write the generated sources
 * into a temporary directory and run one toolchain's `go` on them.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Toolchain } from '../../support/fixtures.ts'

export interface GoRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `go args...` in `dir`; never throws on a non-zero exit (vet's findings are the point). */
export function runGo(tc: Toolchain, dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<GoRun> {
  return new Promise((resolve, reject) => {
    execFile(
      tc.goBin,
      args,
      { cwd: dir, env: { ...process.env, ...tc.env, ...extraEnv }, maxBuffer: 256 * 1024 * 1024, timeout: 600_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err)
        else resolve({ code: err ? Number(err.code) : 0, stdout, stderr })
      },
    )
  })
}

/** Runs `go` and returns stdout, failing with the toolchain's own output when it exits non-zero. */
export async function runGoOk(tc: Toolchain, dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const r = await runGo(tc, dir, args, extraEnv)
  if (r.code !== 0) throw new Error(`${tc.id}: go ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`)
  return r.stdout
}

/** A fresh module directory holding `files`; `go 1.19` so every toolchain here accepts it. */
export async function writeModule(files: Record<string, string>): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'goprobe-abi-oracle-'))
  await writeFile(join(dir, 'go.mod'), 'module oracle\n\ngo 1.19\n')
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

const DWARFABI_DIR = fileURLToPath(new URL('./dwarfabi/', import.meta.url))

/**
 * Builds the dwarfabi oracle (test/oracles/abi/dwarfabi) with the given toolchain.
 * Its only dependency, Delve, comes from the module cache or the module proxy.
 */
export async function buildDwarfAbiOracle(tc: Toolchain, outDir: string): Promise<string> {
  const out = join(outDir, 'dwarfabi')
  await runGoOk(tc, DWARFABI_DIR, ['build', '-o', out, '.'], { GOFLAGS: '-mod=mod' })
  return out
}

export function execOracle(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 256 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${binary} ${args.join(' ')} failed: ${stderr}`))
      else resolve(stdout)
    })
  })
}
