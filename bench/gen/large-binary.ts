// The large generated Go program, built once with DWARF and once stripped (`-ldflags=-s -w`),
// cached under ~/.cache/goprobe/bench/ by generator source, shape and Go version.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchCache } from '../cache.ts'
import { writeLargeProgram, type LargeProgramShape } from './large-program.ts'

/**
 * 140 packages x 400 functions gives a binary of about 100 MB with (compressed) DWARF and
 * 60 MB stripped with go1.26, the size the memory goal is about; building it takes a few
 * minutes once. GOPROBE_BENCH_PACKAGES scales it (10 gives about 12 MB, for a quick run).
 */
export function largeProgramShape(): LargeProgramShape {
  return { packages: Number(process.env.GOPROBE_BENCH_PACKAGES ?? 140), functionsPerPackage: 400 }
}

export interface LargeBinaries { readonly dwarf: string; readonly stripped: string; readonly shape: LargeProgramShape }

export function largeBinaries(shape: LargeProgramShape = largeProgramShape()): LargeBinaries {
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  const generator = readFileSync(fileURLToPath(new URL('./large-program.ts', import.meta.url)))
  const hash = createHash('sha256').update(generator).update(goVersion).digest('hex').slice(0, 12)
  const dir = join(benchCache(), `large-${shape.packages}x${shape.functionsPerPackage}-${goVersion}-${hash}`)
  const dwarf = join(dir, 'large-with-dwarf')
  const stripped = join(dir, 'large-stripped')
  if (!existsSync(dwarf) || !existsSync(stripped)) {
    const fns = shape.packages * shape.functionsPerPackage
    process.stderr.write(`bench: generating and building a Go program with ${fns} functions (once; a few minutes) in ${dir}\n`)
    const src = join(dir, 'src')
    rmSync(src, { recursive: true, force: true })
    writeLargeProgram(src, shape)
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' }
    // Built under temporary names and renamed, so an interrupted build is never taken for a finished one.
    execFileSync('go', ['build', '-o', `${dwarf}.tmp`, '.'], { cwd: src, env, stdio: 'inherit' })
    execFileSync('go', ['build', '-ldflags=-s -w', '-o', `${stripped}.tmp`, '.'], { cwd: src, env, stdio: 'inherit' })
    renameSync(`${dwarf}.tmp`, dwarf)
    renameSync(`${stripped}.tmp`, stripped)
  }
  return { dwarf, stripped, shape }
}
