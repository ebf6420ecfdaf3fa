/**
 * Writes the ABI fuzz's Go program and builds it with one toolchain in one mode, cached on
 * disk by the hash of its source (the same seed gives the same program and the same builds):
 *   ${GOPROBE_CACHE:-~/.cache/goprobe}/abi-fuzz/<sourcehash>/<toolchain>-<mode>/abifuzz
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { cacheDir, type BuildMode, type Toolchain } from '../fixtures.ts'

const execFileAsync = promisify(execFile)

/** The same flags as test/support/fixtures.ts uses for its fixtures. */
const MODE_FLAGS: Record<BuildMode, readonly string[]> = {
  default: [],
  stripped: ['-ldflags=-s -w'],
  pie: ['-buildmode=pie'],
}

export interface FuzzSource {
  readonly dir: string
  readonly hash: string
}

/** Writes main.go and go.mod into the cache (once per distinct source). */
export async function writeFuzzSource(source: string): Promise<FuzzSource> {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12)
  const dir = join(cacheDir(), 'abi-fuzz', hash, 'src')
  if (!existsSync(join(dir, 'main.go'))) {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'go.mod'), 'module abifuzz\n\ngo 1.19\n')
    // main.go last: its presence marks a complete source directory.
    await writeFile(join(dir, 'main.go.tmp'), source)
    await rename(join(dir, 'main.go.tmp'), join(dir, 'main.go'))
  }
  return { dir, hash }
}

/** The binary of the fuzz program for one toolchain and mode; built when missing. */
export async function buildFuzz(src: FuzzSource, tc: Toolchain, mode: BuildMode): Promise<string> {
  const outDir = join(cacheDir(), 'abi-fuzz', src.hash, `${tc.id}-${mode}`)
  const path = join(outDir, 'abifuzz')
  if (existsSync(path)) return path
  const tmp = await mkdtemp(`${outDir}.tmp-`)
  try {
    await execFileAsync(tc.goBin, ['build', ...MODE_FLAGS[mode], '-o', join(tmp, 'abifuzz'), '.'], {
      cwd: src.dir,
      env: { ...process.env, ...tc.env },
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: unknown) => {
      const stderr = err && typeof err === 'object' && 'stderr' in err ? String(err.stderr) : String(err)
      throw new Error(`building the ABI fuzz program (${src.dir}) with ${tc.id} (${mode}) failed: ${stderr.slice(0, 4000)}`)
    })
    await rename(tmp, outDir).catch((err: unknown) => {
      if (!existsSync(path)) throw err // else another run built the same program first
    })
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return path
}
