/**
 * Test helpers around the Go oracle in this folder: build it once, run it on a
 * binary, and build small Go programs with a given toolchain and linker flags
 * (the fixture helpers only know the default/stripped/pie modes).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { cacheDir, type Toolchain } from '../../support/fixtures.ts'

const execFileAsync = promisify(execFile)
const ORACLE_DIR = dirname(fileURLToPath(import.meta.url))

export interface DumpField { name: string; offset: number; size: number; embedded: boolean }
export interface DumpStruct { name: string; size: number; fields: DumpField[] }
/** size 0 = the whole value (no DW_OP_piece). */
export interface DumpPiece { size: number; empty?: boolean; reg?: number; cfaOffset?: number; addr?: number }
export interface DumpParam { name: string; isResult: boolean; pieces: DumpPiece[] | null; error?: string }
export interface DumpFunction { name: string; lowPc: number; highPc: number; prologueEnd: number | null; params: DumpParam[] }
export interface DumpUnit { name: string; ranges: [number, number][] }
/** What Go's debug/dwarf (plus Delve's location-list code) sees in a binary. */
export interface DwarfDump { units: DumpUnit[]; structs: DumpStruct[]; functions: DumpFunction[] }

async function hashDir(dir: string): Promise<string> {
  const hash = createHash('sha256')
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
  for (const f of files) hash.update(relative(dir, f)).update('\0').update(await readFile(f)).update('\0')
  return hash.digest('hex').slice(0, 12)
}

/**
 * Builds `sourceDir` with a toolchain and extra `go build` arguments into the cache
 * (keyed by source hash, toolchain and arguments) and returns the binary's path.
 */
export async function buildGo(sourceDir: string, goBin: string, env: Record<string, string>, args: readonly string[], label: string): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify([goBin, args])).digest('hex').slice(0, 8)
  const outDir = join(cacheDir(), 'dwarf-tests', `${label}-${await hashDir(sourceDir)}-${key}`)
  const path = join(outDir, 'bin')
  if (existsSync(path)) return path
  await mkdir(dirname(outDir), { recursive: true })
  const tmp = await mkdtemp(`${outDir}.tmp-`)
  try {
    await execFileAsync(goBin, ['build', ...args, '-o', join(tmp, 'bin'), '.'], { cwd: sourceDir, env: { ...process.env, ...env }, timeout: 600_000 })
    await rename(tmp, outDir).catch((err: unknown) => {
      if (!existsSync(path)) throw err
    })
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return path
}

/** A program built with one of the fixture toolchains. */
export function buildWith(tc: Toolchain, sourceDir: string, args: readonly string[], label: string): Promise<string> {
  return buildGo(sourceDir, tc.goBin, tc.env, args, `${label}-${tc.id}`)
}

let tool: Promise<string> | undefined

/** The dwarfdump oracle, built with the `go` on PATH (its Delve dependency comes from the module cache or proxy). */
export function dwarfDumpTool(): Promise<string> {
  tool ??= buildGo(ORACLE_DIR, 'go', { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' }, [], 'dwarfdump-oracle')
  return tool
}

/** Runs the oracle on a binary. */
export async function dwarfDump(binary: string): Promise<DwarfDump> {
  const { stdout } = await execFileAsync(await dwarfDumpTool(), [binary], { maxBuffer: 1024 * 1024 * 1024 })
  return JSON.parse(stdout) as DwarfDump
}

/** The source folder of a tiny oracle program under testdata/. */
export function oracleProgram(name: string): string {
  return join(ORACLE_DIR, 'testdata', name)
}
