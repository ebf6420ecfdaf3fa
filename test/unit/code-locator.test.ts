// Naming code addresses of stripped binaries from the pclntab alone, against Go's own tools
// and sources: `go tool objdump` of the unstripped build lists every instruction under the
// function whose code holds it; `go tool addr2line` on the stripped build gives the source
// line of each pc (the innermost, inlined one), and the Go source file's nearest `func`
// declaration above that line names the innermost function. Every toolchain, so both
// inline-tree layouts (1.18-1.19 and 1.20+) are read.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { CodeLocator } from '../../src/binary/frames.ts'
import { GoBinary } from '../../src/binary/go-binary.ts'
import { loadBiasFromMaps, StackSymbolizer } from '../../src/cli/symbolize.ts'
import { allBuilds, buildLabel, goTool, type FixtureBuild } from '../support/fixtures.ts'

const execFileAsync = promisify(execFile)
const builds = await allBuilds('runtimeops', ['default', 'stripped'])
const pairs = builds.filter((b) => b.mode === 'stripped').map((s) => [builds.find((d) => d.mode === 'default' && d.toolchain.id === s.toolchain.id)!, s] as const)

/** pc -> function, for every instruction of main.* and runtime.main (which inlines runtime.doInit). */
async function objdumpFunctions(b: FixtureBuild): Promise<Map<number, string>> {
  const text = await goTool(b.toolchain, ['tool', 'objdump', '-s', '^(main\\.|runtime\\.main$)', b.path])
  const out = new Map<number, string>()
  let fn = ''
  for (const line of text.split('\n')) {
    const header = /^TEXT (\S+)\(SB\)/.exec(line)
    if (header) fn = header[1]!
    const insn = /^\s+\S+\t+0x([0-9a-f]+)\t/.exec(line)
    if (insn && fn) out.set(parseInt(insn[1]!, 16), fn)
  }
  return out
}

/** `file:line` of each pc. */
async function addr2line(b: FixtureBuild, pcs: readonly number[]): Promise<string[]> {
  const child = execFileAsync(b.toolchain.goBin, ['tool', 'addr2line', b.path], { env: { ...process.env, ...b.toolchain.env }, maxBuffer: 64 * 1024 * 1024 })
  child.child.stdin!.end(pcs.map((pc) => `0x${pc.toString(16)}\n`).join(''))
  const lines = (await child).stdout.split('\n')
  return pcs.map((_, i) => lines[2 * i + 1]!)
}

const sources = new Map<string, string[]>()

/** The name of the Go function declared nearest above `file:line` (methods by method name). */
function declaredAt(position: string): string | undefined {
  const m = /^(.*\.go):(\d+)$/.exec(position)
  if (!m || !existsSync(m[1]!)) return undefined
  let text = sources.get(m[1]!)
  if (!text) sources.set(m[1]!, (text = readFileSync(m[1]!, 'utf8').split('\n')))
  for (let i = Number(m[2]) - 1; i >= 0; i--) {
    const decl = /^func (?:\([^)]*\) )?(\w+)/.exec(text[i]!)
    if (decl) return decl[1]
  }
  return undefined
}

/** `pkg.(*T).m` -> `m`, `pkg.f` -> `f`; undefined for closures and wrappers, which no declaration names. */
function shortName(name: string): string | undefined {
  if (/\.(func|gowrap|deferwrap)\d+|\.abi0$|-fm$/.test(name)) return undefined
  if (/\.init\.\d+$/.test(name)) return 'init'
  return name.split('.').pop()
}

describe('code locator on stripped binaries', () => {
  for (const [plain, stripped] of pairs) {
    it(`${buildLabel(stripped)}: function and innermost inlined function at every pc agree with objdump and addr2line`, async () => {
      const functions = await objdumpFunctions(plain)
      const pcs = [...functions.keys()]
      const positions = await addr2line(stripped, pcs)
      const bin = GoBinary.open(stripped.path)
      try {
        const locator = new CodeLocator(bin)
        let inlinedPcs = 0
        let compared = 0
        pcs.forEach((pc, i) => {
          const loc = locator.at(pc, false)
          // objdump names assembly functions without the .abi0 suffix the pclntab may keep.
          expect(loc?.function.name.replace(/\.abi0$/, ''), `function at 0x${pc.toString(16)}`).toBe(functions.get(pc))
          expect(loc!.offset).toBe(pc - loc!.function.entry)
          const innermost = shortName(loc!.inlined[0] ?? loc!.function.name)
          const declared = declaredAt(positions[i]!)
          if (innermost && declared) {
            expect(innermost, `innermost function at 0x${pc.toString(16)} (${positions[i]})`).toBe(declared)
            compared++
            if (loc!.inlined.length) inlinedPcs++
          }
        })
        expect(compared).toBeGreaterThan(pcs.length / 2)
        // The fixture's code inlines: without inlined pcs the comparison above would prove little.
        expect(inlinedPcs).toBeGreaterThan(10)
      } finally {
        bin.close()
      }
    }, 120_000)
  }
})

describe('stack symbolizer on a stripped binary', () => {
  const [plain, stripped] = pairs.find(([, s]) => s.toolchain.id === pairs.at(-1)![1].toolchain.id)!

  it(`${buildLabel(stripped)}: frame lines and usym addresses as bpftrace 0.17 prints them get Go's names`, async () => {
    // Entries from `go tool nm` of the unstripped build; a pc in runtime.main whose source line
    // lies in runtime.lockOSThread (inlined there), found with objdump, addr2line and the source.
    const nm = await goTool(plain.toolchain, ['tool', 'nm', plain.path])
    const entry = (name: string) => parseInt(new RegExp(`^\\s*([0-9a-f]+) T ${name.replace(/[.*()]/g, '\\$&')}$`, 'm').exec(nm)![1]!, 16)
    const functions = await objdumpFunctions(plain)
    const mainPcs = [...functions].filter(([, f]) => f === 'runtime.main').map(([pc]) => pc)
    const positions = await addr2line(stripped, mainPcs)
    const inlinedPc = mainPcs.find((_, i) => declaredAt(positions[i]!) === 'lockOSThread')!
    expect(inlinedPc).toBeDefined()
    const spawn = entry('main.spawnWorkers')
    const hex = (n: number) => `0x${n.toString(16)}`

    const bin = GoBinary.open(stripped.path)
    try {
      const s = new StackSymbolizer({
        at: (pc, ret) => new CodeLocator(bin).at(pc, ret),
        entryOf: (name) => (bin.functions.has(name) ? bin.functions.byExactName(name).entry : undefined),
      }, () => 0)
      const out = [
        `goroutine 1 -> 7 created at ${hex(spawn + 0x40)} runs ${hex(spawn)} (not code: 0x10, 0xffffffffffff)`,
        '',
        `        ${hex(spawn + 5)}`,
        `        ${hex(inlinedPc + 1)}`,
        '        0x10',
        '',
      ].flatMap((l) => s.line(l))
      expect(out).toEqual([
        'goroutine 1 -> 7 created at main.spawnWorkers runs main.spawnWorkers (not code: 0x10, 0xffffffffffff)',
        '',
        `        main.spawnWorkers+5`,
        // A return address: named by the call one byte before it.
        ...new CodeLocator(bin).at(inlinedPc, false)!.inlined.map((n) => `        ${n} (inlined)`),
        `        runtime.main+${inlinedPc + 1 - entry('runtime.main')}`,
        '        0x10',
        '',
      ])
      expect(out).toContain('        runtime.lockOSThread (inlined)')
      // Frames bpftrace named itself (a binary with symbols) get their inlined frames too.
      expect(s.line(`        runtime.main+${inlinedPc + 1 - entry('runtime.main')}`)).toContain('        runtime.lockOSThread (inlined)')
    } finally {
      bin.close()
    }
  }, 120_000)

  it('reads a PIE\'s load bias from /proc/PID/maps', () => {
    const segments = [
      { type: 1, flags: 5, offset: 0, vaddr: 0, filesz: 0x200000, memsz: 0x200000, align: 0x1000 },
      { type: 1, flags: 4, offset: 0x200000, vaddr: 0x201000, filesz: 0x100000, memsz: 0x100000, align: 0x1000 },
    ]
    const maps = [
      '5581a0000000-5581a0200000 r-xp 00000000 fe:01 1234                       /usr/bin/other',
      '5599c0000000-5599c0200000 r-xp 00000000 fe:01 1234                       /srv/app',
      '5599c0201000-5599c0301000 r--p 00200000 fe:01 1234                       /srv/app',
    ].join('\n')
    expect(loadBiasFromMaps(maps, '/srv/app', segments)).toBe(0x5599c0000000)
    expect(loadBiasFromMaps(maps.split('\n').slice(2).join('\n'), '/srv/app', segments)).toBe(0x5599c0201000 - 0x201000)
    expect(loadBiasFromMaps(maps, '/srv/none', segments)).toBeUndefined()
  })
})
