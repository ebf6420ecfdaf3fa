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
