/**
 * The pclntab line tables against `go tool objdump`, which prints the file:line of every
 * instruction from Go's own debug/gosym: for every toolchain, every instruction of the
 * fixtures' own functions (the `lines` fixture inlines functions into two callers) and of
 * a few standard-library functions must lie in a range of that line. Stripped builds
 * (objdump cannot read them) must give the same ranges as their unstripped twins.
 * `goprobe lines` is checked through the CLI, including its message for a line without code.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { GoBinary } from '../../src/binary/go-binary.ts'
import type { LineRange } from '../../src/binary/line-table.ts'
import { REPO_ROOT, buildFixture, cacheDir, esbuildBinary, esbuildGo115Binary, goTool, toolchains } from '../support/fixtures.ts'

const exec = promisify(execFile)
const goprobe = (...args: string[]) => exec('node', [`${REPO_ROOT}/bin/goprobe.js`, ...args]).catch((e: { stdout: string; stderr: string; code: number }) => e)

/** `go tool objdump -s re` as (function, pc, file base name, line) per instruction. */
async function objdumpLines(tc: Awaited<ReturnType<typeof toolchains>>[number], path: string, re: string) {
  const out = await goTool(tc, ['tool', 'objdump', '-s', re, path])
  const rows: { fn: string; pc: number; file: string; line: number }[] = []
  let fn = ''
  for (const l of out.split('\n')) {
    const text = /^TEXT (\S+)\(SB\)/.exec(l)
    if (text) fn = text[1]!
    const m = /^\s+(\S+):(\d+)\s+0x([0-9a-f]+)\s/.exec(l)
    if (m) rows.push({ fn, pc: parseInt(m[3]!, 16), file: m[1]!, line: Number(m[2]) })
  }
  return rows
}

const base = (f: string) => f.slice(f.lastIndexOf('/') + 1)
const FUNCTIONS = '^(main\\.|strconv\\.Atoi$|fmt\\.Sprintf$|os\\.Getenv$)'

describe.each((await toolchains()).map((tc) => [tc.id, tc] as const))('line tables of %s', (_id, tc) => {
  it('every instruction objdump prints lies in a range of its file and line', async () => {
    const build = await buildFixture('lines', tc, 'default')
    const rows = await objdumpLines(tc, build.path, FUNCTIONS)
    expect(rows.length).toBeGreaterThan(200)
    const binary = GoBinary.open(build.path)
    const byName = new Map(binary.pclntab.functions().map((f) => [f.name, f]))
    const ranges = new Map<string, readonly LineRange[]>()
    const mismatches: string[] = []
    for (const r of rows) {
      const fn = byName.get(r.fn)
      if (!fn) throw new Error(`objdump lists ${r.fn}, the pclntab does not`)
      if (!ranges.has(r.fn)) ranges.set(r.fn, binary.lines.rangesOf(fn))
      const hit = ranges.get(r.fn)!.find((x) => x.start <= r.pc && r.pc < x.end)
      const got = hit ? `${base(hit.file)}:${hit.line}` : 'no range'
      if (got !== `${r.file}:${r.line}`) mismatches.push(`${r.fn} 0x${r.pc.toString(16)}: objdump ${r.file}:${r.line}, goprobe ${got}`)
    }
    expect(mismatches).toEqual([])
    // The ranges tile each function: no pc of the function is left out.
    for (const [name, rs] of ranges) {
      const fn = byName.get(name)!
      expect(rs[0]!.start, name).toBe(fn.entry)
      for (let i = 1; i < rs.length; i++) expect(rs[i]!.start, name).toBe(rs[i - 1]!.end)
    }
    binary.close()
  })

  it('goprobe lines reports inlined copies, the same on the stripped twin', async () => {
    const build = await buildFixture('lines', tc, 'default')
    const stripped = await buildFixture('lines', tc, 'stripped')
    const rows = await objdumpLines(tc, build.path, '^main\\.')
    const half = readFileSync(`${build.sourceDir}/main.go`, 'utf8').split('\n').findIndex((l) => l.endsWith('// line:half')) + 1
    const listed = async (path: string) => {
      const r = await goprobe('lines', path, `main.go:${half}`, '--json')
      return JSON.parse(r.stdout) as { ranges: { function: string; start: string; inlined: boolean; inlinedFunction: string | null }[] }
    }
    const fromDefault = await listed(build.path)
    // objdump: the line's instructions are in classify and total, where half was inlined.
    const functionsWithLine = [...new Set(rows.filter((r) => r.line === half && r.file === 'main.go').map((r) => r.fn))].sort()
    expect(functionsWithLine).toEqual(['main.classify', 'main.total'])
    expect([...new Set(fromDefault.ranges.map((r) => r.function))].sort()).toEqual(functionsWithLine)
    // The inline tree names the function: the marked line is in half's body.
    expect(fromDefault.ranges.map((r) => [r.inlined, r.inlinedFunction])).toEqual(fromDefault.ranges.map(() => [true, 'main.half']))
    // Each range starts where objdump's run of that line starts.
    const starts = rows.filter((r, i) => r.line === half && r.file === 'main.go' && !(rows[i - 1]?.line === half && rows[i - 1]?.file === 'main.go' && rows[i - 1]?.fn === r.fn))
    expect(fromDefault.ranges.map((r) => Number(r.start)).sort()).toEqual(starts.map((r) => r.pc).sort())
    expect(await listed(stripped.path)).toEqual(fromDefault)
  })

  it('a line without code names the nearest lines that have code', async () => {
    const build = await buildFixture('lines', tc, 'default')
    const rows = (await objdumpLines(tc, build.path, '^main\\.')).filter((r) => r.file === 'main.go')
    const source = readFileSync(`${build.sourceDir}/main.go`, 'utf8').split('\n')
    const directive = source.findIndex((l) => l === '//go:noinline') + 1
    const withCode = [...new Set(rows.map((r) => r.line))].sort((a, b) => a - b)
    expect(withCode).not.toContain(directive)
    const below = withCode.filter((l) => l < directive).at(-1)!
    const above = withCode.find((l) => l > directive)!
    const r = await goprobe('lines', build.path, `main.go:${directive}`)
    expect('code' in r ? r.code : 0).not.toBe(0)
    expect(r.stderr).toMatch(new RegExp(`main\\.go:${directive} has no code in this binary .*nearest lines with code: ${below} \\(main\\.[^)]+\\), ${above} \\(main\\.classify\\)`))
  })
})

describe('goprobe lines: file names', () => {
  it('an ambiguous or unknown file is an error listing the candidates', async () => {
    const tc = (await toolchains())[0]!
    const build = await buildFixture('lines', tc, 'default')
    const ambiguous = await goprobe('lines', build.path, 'print.go')
    expect(ambiguous.stderr).toMatch(/"print.go" matches \d+ source files; give more of the path:\n.*fmt\/print\.go/s)
    const unknown = await goprobe('lines', build.path, 'mian.go:3')
    expect(unknown.stderr).toMatch(/unknown source file "mian.go"; did you mean .*main\.go/)
    const whole = await goprobe('lines', build.path, 'lines/main.go')
    expect(whole.stdout).toMatch(/main\.classify\s+0x[0-9a-f]+\s+\d/)
  })
})

/**
 * The older pclntab formats against Go's own debug/gosym (test/oracles/gosym): no toolchain
 * here builds them, so released esbuild binaries stand in: 0.7.0 (go1.15, the Go 1.2-1.15
 * format with a global file table) and 0.8.57 (go1.16, compilation-unit file tables). Every
 * pc of every function must have the file and line gosym gives it.
 */
describe('line tables of older formats against debug/gosym', async () => {
  const binaries: [string, string | undefined][] = [
    ['esbuild 0.7.0 (go1.15)', esbuildGo115Binary('the Go 1.2-1.15 line table test')],
    ['esbuild 0.8.57 (go1.16)', await esbuildBinary()],
  ]
  const oracle = join(cacheDir(), 'oracles', 'gosym')
  mkdirSync(dirname(oracle), { recursive: true })
  await exec('go', ['build', '-o', oracle, '.'], { cwd: join(REPO_ROOT, 'test', 'oracles', 'gosym'), env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' } })
  for (const [label, path] of binaries) {
    it(`${label}: every function's runs of lines equal gosym's`, async () => {
      expect(path, `${label} is needed for this test (see the warning above)`).toBeDefined()
      const { stdout } = await exec(oracle, [path!], { maxBuffer: 512 << 20 })
      const expected = new Map<string, string[]>()
      for (const l of stdout.split('\n').filter(Boolean)) {
        const [fn, start, end, file, line] = l.split('\t')
        expected.set(fn!, [...(expected.get(fn!) ?? []), `${start}-${end} ${file}:${line}`])
      }
      expect(expected.size).toBeGreaterThan(4000)
      const binary = GoBinary.open(path!)
      const mismatched: string[] = []
      for (const fn of binary.pclntab.functions()) {
        // gosym knows no inlining: adjacent ranges of one line from different inlined calls are one run to it.
        const runs: { start: number; end: number; at: string }[] = []
        for (const r of binary.lines.rangesOf(fn)) {
          const at = `${r.file}:${r.line}`
          const last = runs.at(-1)
          if (last && last.end === r.start && last.at === at) last.end = r.end
          else runs.push({ start: r.start, end: r.end, at })
        }
        const got = runs.map((r) => `${r.start.toString(16)}-${r.end.toString(16)} ${r.at}`)
        if (JSON.stringify(got) !== JSON.stringify(expected.get(fn.name) ?? [])) mismatched.push(fn.name)
      }
      binary.close()
      expect(mismatched).toEqual([])
    })
  }
})
