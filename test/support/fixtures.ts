/**
 * Go fixture programs built with every available toolchain in several build modes.
 *
 * Builds are cached on disk under
 *   ${GOPROBE_CACHE:-~/.cache/goprobe}/fixtures/<fixture>-<sourcehash>/<toolchain>-<mode>/<fixture>
 * so that test/global-setup.ts pays for them once and every test file reuses them.
 * A build is written to a temporary directory and renamed into place, so a
 * half-written binary is never mistaken for a cached one.
 */
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export type BuildMode = 'default' | 'stripped' | 'pie'
export const BUILD_MODES: readonly BuildMode[] = ['default', 'stripped', 'pie']

/** Extra `go build` arguments per mode. */
const MODE_FLAGS: Record<BuildMode, readonly string[]> = {
  default: [],
  stripped: ['-ldflags=-s -w'],
  pie: ['-buildmode=pie'],
}

export interface Toolchain {
  /** The Go version string as the toolchain reports it (`go env GOVERSION`), e.g. 'go1.26.8'. Unique per list. */
  id: string
  /** Absolute path of the `go` command to run. */
  goBin: string
  /** The numeric version, e.g. '1.26.8' (compare with goVersionAtLeast). */
  version: string
  /** Environment that selects this toolchain and makes its builds reproducible. */
  env: Record<string, string>
}

export interface FixtureBuild {
  fixture: string
  toolchain: Toolchain
  mode: BuildMode
  /** Absolute path of the binary. */
  path: string
  /** Absolute path of the fixture's source directory. */
  sourceDir: string
}

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'go')

/** Every fixture program: each directory under test/fixtures/go with a main.go. */
export const FIXTURES: readonly string[] = readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(FIXTURES_DIR, e.name, 'main.go')))
  .map((e) => e.name)
  .sort()

/** GOTOOLCHAIN versions tried besides the `go` on PATH and Debian's go1.19 (override with GOPROBE_TOOLCHAINS="go1.a.b,go1.c.d"). */
const DEFAULT_TOOLCHAIN_CANDIDATES = ['go1.21.13', 'go1.23.12', 'go1.27.3']
const DEBIAN_GO119 = '/usr/lib/go-1.19/bin/go'

export function cacheDir(): string {
  return process.env.GOPROBE_CACHE ?? join(homedir(), '.cache', 'goprobe')
}

/**
 * CGO is off so that every toolchain links internally and statically whether or not
 * a C compiler is installed; that keeps the builds identical from machine to machine.
 */
function toolchainEnv(gotoolchain: string): Record<string, string> {
  return { GOTOOLCHAIN: gotoolchain, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' }
}

let toolchainList: Promise<Toolchain[]> | undefined

/** Every usable toolchain, each Go version once; warns about each candidate that cannot be had. */
export function toolchains(): Promise<Toolchain[]> {
  toolchainList ??= discoverToolchains()
  return toolchainList
}

async function discoverToolchains(): Promise<Toolchain[]> {
  const candidates: { label: string; goBin: string; gotoolchain: string }[] = [
    { label: '`go` on PATH', goBin: 'go', gotoolchain: 'local' },
    { label: DEBIAN_GO119, goBin: DEBIAN_GO119, gotoolchain: 'local' },
  ]
  const requested = process.env.GOPROBE_TOOLCHAINS?.split(/[\s,]+/).filter(Boolean) ?? DEFAULT_TOOLCHAIN_CANDIDATES
  // GOTOOLCHAIN switching is done by the PATH go (go1.21+), which downloads the toolchain from the module proxy.
  for (const v of requested) candidates.push({ label: `GOTOOLCHAIN=${v}`, goBin: 'go', gotoolchain: v })

  const found: Toolchain[] = []
  for (const c of candidates) {
    if (c.goBin.startsWith('/') && !existsSync(c.goBin)) {
      console.warn(`toolchain ${c.label} not available: ${c.goBin} does not exist`)
      continue
    }
    const env = toolchainEnv(c.gotoolchain)
    let id: string
    let goBin: string
    try {
      const { stdout } = await execFileAsync(c.goBin, ['env', 'GOVERSION', 'GOROOT'], { env: { ...process.env, ...env }, timeout: 300_000 })
      const [goversion, goroot] = stdout.trim().split('\n')
      if (!goversion?.startsWith('go') || !goroot) throw new Error(`unexpected \`go env\` output: ${JSON.stringify(stdout)}`)
      id = goversion
      goBin = join(goroot, 'bin', 'go')
    } catch (err) {
      console.warn(`toolchain ${c.label} not available: ${errorText(err)}`)
      continue
    }
    if (c.gotoolchain !== 'local' && id !== c.gotoolchain) {
      console.warn(`toolchain ${c.label} not available: asked for ${c.gotoolchain}, got ${id}`)
      continue
    }
    if (found.some((t) => t.id === id)) continue // e.g. GOPROBE_TOOLCHAINS names the PATH go's version
    // Run the toolchain's own go binary with GOTOOLCHAIN=local: no switching on each call.
    found.push({ id, goBin, version: id.slice(2), env: toolchainEnv('local') })
  }
  return found
}

/** True when the toolchain is at least the given numeric version, e.g. goVersionAtLeast(tc, '1.23'). */
export function goVersionAtLeast(tc: Toolchain, minimum: string): boolean {
  const have = tc.version.split(/[^0-9]+/).map(Number)
  const want = minimum.split('.').map(Number)
  for (let i = 0; i < want.length; i++) {
    const h = have[i] ?? 0
    const w = want[i] ?? 0
    if (h !== w) return h > w
  }
  return true
}

/** Run `go <args>` with the toolchain and return its stdout (for `go tool nm`, `go version -m`). */
export async function goTool(tc: Toolchain, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(tc.goBin, args, {
    env: { ...process.env, ...tc.env },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  })
  return stdout
}

/** Hash of every file in the fixture's directory: a source change gives a fresh cache slot. */
async function sourceHash(sourceDir: string): Promise<string> {
  const hash = createHash('sha256')
  const files = (await readdir(sourceDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
  for (const file of files) {
    hash.update(relative(sourceDir, file)).update('\0').update(await readFile(file)).update('\0')
  }
  return hash.digest('hex').slice(0, 12)
}

/** Builds run one at a time: the machine has two cores shared with everyone else. */
let buildQueue: Promise<unknown> = Promise.resolve()

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const next = buildQueue.then(task, task)
  buildQueue = next.catch(() => undefined)
  return next
}

/** The cached build of a fixture with one toolchain and mode; builds it when missing. */
export async function buildFixture(fixture: string, tc: Toolchain, mode: BuildMode): Promise<FixtureBuild> {
  const sourceDir = join(FIXTURES_DIR, fixture)
  if (!existsSync(join(sourceDir, 'main.go'))) throw new Error(`no fixture ${fixture}: ${sourceDir}/main.go does not exist`)
  const outDir = join(cacheDir(), 'fixtures', `${fixture}-${await sourceHash(sourceDir)}`, `${tc.id}-${mode}`)
  const path = join(outDir, fixture)
  const build: FixtureBuild = { fixture, toolchain: tc, mode, path, sourceDir }
  if (existsSync(path)) return build
  return serialized(async () => {
    if (existsSync(path)) return build
    await mkdir(dirname(outDir), { recursive: true })
    const tmp = await mkdtemp(`${outDir}.tmp-`)
    try {
      await execFileAsync(tc.goBin, ['build', ...MODE_FLAGS[mode], '-o', join(tmp, fixture), '.'], {
        cwd: sourceDir,
        env: { ...process.env, ...tc.env },
        timeout: 600_000,
      }).catch((err: unknown) => {
        throw new Error(`building fixture ${fixture} with ${tc.id} (${mode}) failed: ${errorText(err)}`)
      })
      await rename(tmp, outDir).catch((err: unknown) => {
        // Another process finished the same build first; its copy is as good as ours.
        if (!existsSync(path)) throw err
      })
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
    return build
  })
}

/** The fixture built with every toolchain in every given mode. */
export async function allBuilds(fixture: string, modes: readonly BuildMode[] = BUILD_MODES): Promise<FixtureBuild[]> {
  const builds: FixtureBuild[] = []
  for (const tc of await toolchains()) {
    for (const mode of modes) builds.push(await buildFixture(fixture, tc, mode))
  }
  return builds
}

/** A short label for test names, e.g. 'basic go1.23.12 pie'. */
export function buildLabel(b: FixtureBuild): string {
  return `${b.fixture} ${b.toolchain.id} ${b.mode}`
}

const ESBUILD_VERSION = '0.8.57'

/**
 * esbuild 0.7.0 for linux-x64 from npm, built with go1.15: the only real binary here with
 * the Go 1.2–1.15 pclntab (magic 0xfffffffb) and the pre-1.16 moduledata layout.
 * Undefined, with a loud warning naming what cannot run, when it cannot be had.
 */
export function esbuildGo115Binary(needed: string): string | undefined {
  const dir = join(cacheDir(), 'esbuild-0.7.0')
  const path = join(dir, 'package', 'bin', 'esbuild')
  if (existsSync(path)) return path
  try {
    mkdirSync(dir, { recursive: true })
    const tarball = execFileSync('npm', ['pack', 'esbuild-linux-64@0.7.0', '--silent'], { cwd: dir, encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/bin/esbuild'])
    return path
  } catch (e) {
    console.warn(`ESBUILD 0.7.0 (go1.15) NOT AVAILABLE, ${needed} cannot run: ${errorText(e)}`)
    return undefined
  }
}

let esbuildPath: Promise<string | undefined> | undefined

/**
 * esbuild 0.8.57 for linux-x64 from npm: a real release binary built with go1.16
 * (stack ABI), stripped. Fetched once into the cache with `npm pack`.
 * Resolves to undefined, with a loud warning, when it cannot be had.
 */
export function esbuildBinary(): Promise<string | undefined> {
  esbuildPath ??= fetchEsbuild().catch((err: unknown) => {
    console.warn(`ESBUILD ${ESBUILD_VERSION} NOT AVAILABLE (stack-ABI tests cannot run): ${errorText(err)}`)
    return undefined
  })
  return esbuildPath
}

async function fetchEsbuild(): Promise<string> {
  const dir = join(cacheDir(), `esbuild-${ESBUILD_VERSION}`)
  const path = join(dir, 'esbuild')
  if (!existsSync(path)) {
    await mkdir(dirname(dir), { recursive: true })
    const tmp = await mkdtemp(`${dir}.tmp-`)
    try {
      const { stdout } = await execFileAsync('npm', ['pack', `esbuild-linux-64@${ESBUILD_VERSION}`, '--pack-destination', tmp, '--silent'], { cwd: tmp, timeout: 300_000 })
      const tarball = join(tmp, stdout.trim().split('\n').pop() ?? '')
      await execFileAsync('tar', ['-xzf', tarball, '-C', tmp, 'package/bin/esbuild'])
      await mkdir(dir, { recursive: true })
      await rename(join(tmp, 'package', 'bin', 'esbuild'), path)
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  }
  // `go version <file>` reads the build info the Go linker embedded: an oracle independent of goprobe.
  const { stdout } = await execFileAsync('go', ['version', path], { env: { ...process.env, GOTOOLCHAIN: 'local' } })
  if (!/: go1\.16(\.\d+)?\s*$/.test(stdout)) throw new Error(`${path} is not a go1.16 binary: \`go version\` says ${stdout.trim()}`)
  return path
}

function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'stderr' in err && typeof err.stderr === 'string' && err.stderr.trim()) {
    return err.stderr.trim()
  }
  return err instanceof Error ? err.message : String(err)
}
