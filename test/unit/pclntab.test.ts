/**
 * Function tables read from real binaries, checked against tools no one here wrote:
 * `go tool nm -size` (names, entries, sizes) for binaries with symbols, binutils `nm`
 * for a cgo binary, and, for stripped binaries, the symbol table of the unstripped twin
 * built by the same toolchain from the same source.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NotGoBinaryError, UnknownNameError } from '../../src/errors.ts'
import { GoBinary } from '../../src/binary/go-binary.ts'
import type { GoFunction } from '../../src/binary/functions.ts'
import { findModuledata, findModuledataByScan } from '../../src/binary/moduledata.ts'
import { allBuilds, buildLabel, esbuildBinary, esbuildGo115Binary, type FixtureBuild } from '../support/fixtures.ts'
import { goToolNm, objdumpInstructions, type NmSymbol } from '../support/oracles.ts'

const builds = [...(await allBuilds('basic')), ...(await allBuilds('stackgrow'))]
const scratch = mkdtempSync(join(tmpdir(), 'goprobe-pclntab-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const key = (name: string, entry: number): string => `${name}@0x${entry.toString(16)}`

function withBinary<T>(path: string, use: (b: GoBinary) => T): T {
  const b = GoBinary.open(path)
  try {
    return use(b)
  } finally {
    b.close()
  }
}

/**
 * A copy with the section header table removed (e_shoff, e_shnum, e_shstrndx zeroed),
 * as some release pipelines ship binaries: everything must then be found from segments.
 */
function withoutSectionHeaders(path: string, name: string): string {
  const bytes = readFileSync(path)
  bytes.writeBigUInt64LE(0n, 40)
  bytes.writeUInt16LE(0, 58)
  bytes.writeUInt16LE(0, 60)
  bytes.writeUInt16LE(0, 62)
  const out = join(scratch, name)
  writeFileSync(out, bytes)
  return out
}

const textSymbols = (nm: NmSymbol[]): NmSymbol[] => nm.filter((s) => s.type === 'T' || s.type === 't')

/**
 * Differences between the function table and nm's text symbols: symbols we cannot find
 * at nm's address, primary names nm does not have there, and lookups by a name unique
 * in nm that land elsewhere.
 */
function compareWithNm(b: GoBinary, nm: NmSymbol[]): { missing: string[]; invented: string[]; wrongLookup: string[] } {
  const ours = new Set<string>()
  for (const f of b.functions.functions) for (const n of [f.name, ...f.aliases]) ours.add(key(n, f.entry))
  const nmKeys = new Set(nm.map((s) => key(s.name, s.addr)))
  const count = new Map<string, number>()
  for (const s of nm) count.set(s.name, (count.get(s.name) ?? 0) + 1)
  return {
    missing: nm.filter((s) => !ours.has(key(s.name, s.addr))).map((s) => key(s.name, s.addr)),
    invented: b.functions.functions.filter((f) => !nmKeys.has(key(f.name, f.entry))).map((f) => key(f.name, f.entry)),
    wrongLookup: nm.filter((s) => count.get(s.name) === 1 && b.functions.byExactName(s.name).entry !== s.addr).map((s) => s.name),
  }
}

describe.each(builds.filter((b) => b.mode !== 'stripped').map((b) => [buildLabel(b), b] as const))('%s against go tool nm', (_label, build) => {
  const nmPromise = goToolNm(build).then(textSymbols)

  it('finds every text symbol nm lists, at nm\'s address, and invents no names', async () => {
    const nm = await nmPromise
    expect(nm.length).toBeGreaterThan(100)
    withBinary(build.path, (b) => expect(compareWithNm(b, nm)).toEqual({ missing: [], invented: [], wrongLookup: [] }))
  })

  it('finds moduledata whose text start is nm\'s runtime.text, with and without symbols', async () => {
    const nm = await nmPromise
    const runtimeText = nm.find((s) => s.name === 'runtime.text')?.addr
    expect(runtimeText).toBeDefined()
    withBinary(build.path, (b) => {
      const found = findModuledata(b.elf, b.pclntab)
      expect(found?.text).toBe(runtimeText)
      // The same struct must be reachable by the symbol-free search: a data word pointing at the pclntab.
      expect(findModuledataByScan(b.elf, b.pclntab)?.vaddr).toBe(found?.vaddr)
    })
  })

  it('ends each function where the pcsp table ends, which is nm\'s symbol size', async () => {
    const nm = await nmPromise
    const sizeAt = new Map(nm.filter((s) => s.size > 0).map((s) => [s.addr, s.size]))
    withBinary(build.path, (b) => {
      const fromPcsp = b.pclntab.functions().filter((f) => f.endSource === 'pcsp' && sizeAt.has(f.entry))
      expect(fromPcsp.length).toBeGreaterThan(b.pclntab.count * 0.9)
      const disagree = fromPcsp.filter((f) => f.end - f.entry !== sizeAt.get(f.entry)).map((f) => `${f.name}: ${f.end - f.entry} vs ${sizeAt.get(f.entry)}`)
      expect(disagree).toEqual([])
      expect(b.functions.warnings).toEqual([])
    })
  })

  it('looks functions up by address, by pattern, and suggests near names', async () => {
    const nm = await nmPromise
    withBinary(build.path, (b) => {
      const main = b.functions.byExactName('main.main')
      for (const pc of [main.entry, main.entry + 1, main.end - 1]) expect(b.functions.containing(pc)?.name).toBe('main.main')
      expect(b.functions.containing(main.end)?.name).not.toBe('main.main')
      const pattern = /^main\./
      const nmMain = new Set(nm.filter((s) => pattern.test(s.name)).map((s) => s.name))
      expect(new Set(b.functions.matching(pattern).map((f) => f.name))).toEqual(nmMain)
      const error = (() => {
        try {
          b.functions.byExactName('main.mian')
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(UnknownNameError)
      expect((error as UnknownNameError).suggestions).toContain('main.main')
    })
  })
})

/** Stripped and unstripped builds of one source with one toolchain: same code, different metadata. */
const twins = builds
  .filter((b) => b.mode === 'stripped')
  .map((stripped) => [buildLabel(stripped), stripped, builds.find((b) => b.mode === 'default' && b.fixture === stripped.fixture && b.toolchain.id === stripped.toolchain.id)] as const)
  .filter((t): t is readonly [string, FixtureBuild, FixtureBuild] => t[2] !== undefined)

describe.each(twins)('%s against its unstripped twin', (_label, stripped, unstripped) => {
  it('yields the same functions (names, entries, ends), .abi0 halves included', () => {
    withBinary(stripped.path, (s) =>
      withBinary(unstripped.path, (u) => {
        expect(s.isStripped).toBe(true)
        expect(u.isStripped).toBe(false)
        const twinAt = new Map<number, GoFunction>(u.functions.functions.map((f) => [f.entry, f]))
        const pclntabNameCount = new Map<string, number>()
        for (const f of s.pclntab.functions()) pclntabNameCount.set(f.name, (pclntabNameCount.get(f.name) ?? 0) + 1)
        const problems: string[] = []
        for (const f of s.functions.functions) {
          const t = twinAt.get(f.entry)
          const paired = pclntabNameCount.get(f.pclntabName!) === 2 && !f.pclntabName!.includes('[...]')
          if (!t) problems.push(`${key(f.name, f.entry)} missing in the unstripped twin`)
          else if (t.name !== f.name && !t.aliases.includes(f.name)) problems.push(`${key(f.name, f.entry)} is ${t.name} in the twin`)
          // Same-name pairs must be told apart exactly as the symbol table does.
          else if (paired && t.name !== f.name) problems.push(`${key(f.name, f.entry)} vs ${t.name}: ABI0 half misidentified`)
          // Without a pcsp table the end is the next entry, which includes alignment padding.
          else if (f.endSource === 'pcsp' ? t.end !== f.end : t.end > f.end) problems.push(`${f.name} ends at ${f.end} (${f.endSource}), the twin's symbol at ${t.end}`)
        }
        expect(problems).toEqual([])
        expect(s.functions.size).toBe(u.pclntab.count)
        // Every pclntab name stays findable, one way or the other.
        for (const name of pclntabNameCount.keys()) expect(s.functions.has(name), name).toBe(true)
      }),
    )
  })
})

const sectionless = builds.filter((b) => b.mode !== 'default')
describe.each(sectionless.map((b) => [buildLabel(b), b] as const))('%s without section headers', (label, build) => {
  it('finds build info, pclntab and moduledata from segments alone, with identical results', () => {
    const copy = withoutSectionHeaders(build.path, label.replace(/\W+/g, '-'))
    withBinary(copy, (bare) =>
      withBinary(build.path, (full) => {
        expect(bare.elf.sections).toEqual([])
        expect(bare.pclntab.location.source).toBe('scan of data segments')
        expect(bare.pclntab.location.vaddr).toBe(full.pclntab.location.vaddr)
        expect(bare.buildInfo).toEqual(full.buildInfo)
        const simple = (fs: readonly GoFunction[]) => fs.filter((f) => f.pclntabName !== undefined).map((f) => [f.pclntabName, f.entry, f.end])
        const fullPcln = full.pclntab.functions().map((f) => [f.name, f.entry, f.end])
        expect(simple(bare.functions.functions)).toEqual(fullPcln)
        expect(bare.buildIds.go).toBe(full.buildIds.go)
      }),
    )
  })
})

describe('a Go 1.26+ binary whose moduledata cannot be found', () => {
  const relative = builds.filter((b) => b.mode === 'stripped' && withBinary(b.path, (g) => g.pclntab.header.textStart === 0 && g.elf.section('.go.module') !== undefined))
  if (relative.length === 0) {
    console.warn('NO TOOLCHAIN WRITING textStart=0 (Go 1.26+): the missing-moduledata test cannot run')
    it.skip('skipped: no Go 1.26+ stripped build', () => {})
    return
  }
  it.each(relative.map((b) => [buildLabel(b), b] as const))('%s: refuses to place functions instead of guessing', (label, build) => {
    const bytes = readFileSync(build.path)
    const module = withBinary(build.path, (b) => b.elf.section('.go.module')!)
    bytes.fill(0, module.offset, module.offset + 8) // moduledata's pointer to the pclntab
    const copy = join(scratch, `no-moduledata-${label.replace(/\W+/g, '-')}`)
    writeFileSync(copy, bytes)
    withBinary(copy, (b) => {
      expect(b.buildInfo?.goVersion).toBe(build.toolchain.id)
      expect(() => b.functions).toThrow(NotGoBinaryError)
      expect(() => b.functions).toThrow(/records no text start .* neither moduledata nor a runtime.text symbol/)
    })
  })
})

describe('an externally linked cgo binary (C code before Go text)', () => {
  const hasCc = existsSync('/usr/bin/cc') || existsSync('/usr/bin/gcc')
  if (!hasCc) {
    console.warn('NO C COMPILER: the external-linking test cannot build its binary')
    it.skip('skipped: no C compiler to build a cgo binary', () => {})
    return
  }
  const dir = join(scratch, 'cgo')
  const source = `package main\n\n// int twice(int x) { return 2 * x; }\nimport "C"\nimport "fmt"\n\nfunc main() { fmt.Println(C.twice(21)) }\n`
  const build = (flags: string, out: string): string => {
    execFileSync('go', ['build', `-ldflags=-linkmode=external ${flags}`, '-o', join(dir, out), '.'], { cwd: dir, env: { ...process.env, CGO_ENABLED: '1', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' }, stdio: 'pipe' })
    return join(dir, out)
  }

  it('places Go functions at binutils nm addresses, taking text start from moduledata, not .text', () => {
    execFileSync('mkdir', ['-p', dir])
    writeFileSync(join(dir, 'go.mod'), 'module example.com/cgo\n\ngo 1.19\n')
    writeFileSync(join(dir, 'main.go'), source)
    const full = build('', 'cgo')
    const stripped = build('-s -w', 'cgo-stripped')
    const nmSymbols: NmSymbol[] = []
    for (const line of execFileSync('nm', ['--defined-only', full], { encoding: 'utf8' }).split('\n')) {
      const m = /^([0-9a-f]+) ([Tt]) (.+)$/.exec(line)
      if (m) nmSymbols.push({ name: m[3]!, addr: parseInt(m[1]!, 16), size: 0, type: m[2]! })
    }
    const nm = new Map(nmSymbols.map((s) => [s.name, s.addr]))
    withBinary(stripped, (b) => {
      const text = b.elf.section('.text')!
      // The reason .text is not trusted as Go's text start: here it begins with crt code.
      expect(nm.get('runtime.text')).toBeGreaterThan(text.addr)
      expect(b.textStartSource).toBe(b.pclntab.header.textStart === 0 ? 'moduledata' : 'pclntab header')
      const checked = b.functions.functions.filter((f) => nm.has(f.name))
      expect(checked.length).toBeGreaterThan(1000)
      expect(checked.filter((f) => nm.get(f.name) !== f.entry).map((f) => f.name)).toEqual([])
    })
    withBinary(full, (b) => {
      // C functions and assembly labels have no pclntab record; the symbol table still makes them findable.
      expect(compareWithNm(b, nmSymbols)).toEqual({ missing: [], invented: [], wrongLookup: [] })
      expect(b.functions.byExactName('twice').pclntabName).toBeUndefined()
    })
  })
})

describe('esbuild 0.8.57 (go1.16, stripped, stack ABI)', async () => {
  const esbuild = await esbuildBinary()
  if (!esbuild) {
    it.skip('skipped: esbuild binary not available (see warning above)', () => {})
    return
  }
  it('finds main.main where objdump decodes a stack-ABI prologue', async () => {
    const main = withBinary(esbuild, (b) => {
      expect(b.pclntab.header.format).toBe('go1.16')
      return b.functions.byExactName('main.main')
    })
    expect(main.nameSource).toBe('pclntab')
    withBinary(esbuild, (b) => {
      // go1.16 entries are absolute, so moduledata is not needed for them; check it is still found.
      const md = findModuledataByScan(b.elf, b.pclntab)
      expect(md?.text).toBe(b.elf.section('.text')?.addr)
      expect(md?.minpc).toBe(b.pclntab.entry(0))
    })
    const insns = await objdumpInstructions(esbuild, main.entry, main.entry + 16)
    // Stack-ABI Go code starts by loading g from TLS for the stack check.
    const first = insns.find((i) => i.addr === main.entry)
    expect(first && `${first.mnemonic} ${first.operands}`).toBe('mov %fs:0xfffffffffffffff8,%rcx')
  })
})


describe('esbuild 0.7.0 (go1.15, stripped): the Go 1.2–1.15 layouts', async () => {
  const path = esbuildGo115Binary('the Go 1.2-1.15 layout test')
  if (!path) {
    it.skip('skipped: esbuild 0.7.0 not available (see warning above)', () => {})
    return
  }
  it('reads the old pclntab: sampled entries start with the stack-ABI prologue in objdump', async () => {
    const { version, sampled } = withBinary(path, (b) => {
      expect(b.pclntab.header.format).toBe('go1.2')
      expect(b.functions.has('main.main')).toBe(true)
      const fns = b.functions.functions
      return { version: b.goVersion?.raw, sampled: Array.from({ length: 40 }, (_, i) => fns[Math.floor((i * fns.length) / 40)]!) }
    })
    expect(version).toBe(/: (go\S+)/.exec(execFileSync('go', ['version', path], { encoding: 'utf8' }))?.[1])
    let tlsLoads = 0
    for (const f of sampled) {
      const first = (await objdumpInstructions(path, f.entry, f.entry + 16)).find((i) => i.addr === f.entry)
      if (first && `${first.mnemonic} ${first.operands}` === 'mov %fs:0xfffffffffffffff8,%rcx') tlsLoads++
    }
    // Functions with a stack check begin with it; leaf and assembly functions do not. Wrong addresses would give ~0.
    expect(tlsLoads).toBeGreaterThan(sampled.length / 2)
  })

  it('finds the old moduledata layout without symbols', () => {
    withBinary(path, (b) => {
      const md = findModuledataByScan(b.elf, b.pclntab)
      expect(md?.text).toBe(b.elf.section('.text')?.addr)
      expect(md?.minpc).toBe(b.pclntab.entry(0))
    })
  })
})

describe('the go toolchain\'s own large binaries', () => {
  const bigBinaries = ['/usr/local/go/bin/go', '/usr/local/go/pkg/tool/linux_amd64/compile'].filter((p) => existsSync(p))
  if (bigBinaries.length === 0) {
    console.warn('NO LARGE GO BINARY at /usr/local/go: the speed and scale test cannot run')
    it.skip('skipped: /usr/local/go binaries not present', () => {})
    return
  }
  it.each(bigBinaries)('%s: open + build info + function count well under a second, functions equal nm', async (path) => {
    const script = join(scratch, 'measure.ts')
    writeFileSync(
      script,
      `import { GoBinary } from ${JSON.stringify(join(process.cwd(), 'src/binary/go-binary.ts'))}
const t0 = performance.now()
const b = GoBinary.open(process.argv[2])
const version = b.buildInfo?.goVersion
const t1 = performance.now()
const count = b.pclntab.count
const t2 = performance.now()
const decoded = b.functions.size
const t3 = performance.now()
console.log(JSON.stringify({ version, count, decoded, openAndBuildInfoMs: t1 - t0, countMs: t2 - t1, allFunctionsMs: t3 - t2, rssMB: process.memoryUsage().rss / 1e6 }))
`,
    )
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, path], { encoding: 'utf8' })
    const m = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
    const size = readFileSync(path).length
    console.log(`${path} (${(size / 1e6).toFixed(1)} MB): ${JSON.stringify(m)}`)
    expect(m.openAndBuildInfoMs! + m.countMs!).toBeLessThan(1000)
    const nm = textSymbols(await goToolNm(path))
    withBinary(path, (b) => expect(compareWithNm(b, nm)).toEqual({ missing: [], invented: [], wrongLookup: [] }))
  })
})
