// Wrong probes must fail at compile time with a message that names the function, the
// expression and what is available, never with a stack trace or a program bpftrace rejects.
import { beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { arg, buildProgram, global, goString, line, printf, program, register, result, uprobe, type ProgramDefinition } from '../../src/index.ts'
import { GoprobeError } from '../../src/errors.ts'
import { FIXTURES_DIR, buildFixture, toolchains, type FixtureBuild } from '../support/fixtures.ts'

const probe = (body: () => void): ProgramDefinition => program(import.meta, { name: 'wrong', description: 'a wrong probe' }, body)

const cases: { name: string; body: () => void; message: RegExp; strlen?: number }[] = [
  { name: 'missing function', body: () => uprobe('main.Dept').onEntry(() => printf('x\n')), message: /unknown function "main\.Dept"; did you mean "main\.Depth"/ },
  { name: 'missing field', body: () => uprobe('main.Visit').onEntry(() => printf('%d\n', arg('o').field('Tagz').len())), message: /unknown field of main\.Outer \(at arg\("o"\)\) "Tagz"; did you mean "Tags"/ },
  { name: 'field of an embedded struct is found; a wrong one lists candidates', body: () => uprobe('main.Visit').onEntry(() => printf('%d\n', arg('o').field('EE'))), message: /"EE"; did you mean "E"/ },
  { name: 'goString of an int', body: () => uprobe('main.Visit').onEntry(() => printf('%s\n', goString(arg('idx')))), message: /goString\(arg\("idx"\)\) needs a string or \[\]byte, but arg\("idx"\) has type int/ },
  { name: 'deref of a non-pointer', body: () => uprobe('main.Visit').onEntry(() => printf('%d\n', arg('idx').deref())), message: /cannot dereference arg\("idx"\): it has type int, not a pointer/ },
  { name: 'float in a register', body: () => uprobe('main.Scale').onEntry(() => printf('%d\n', arg('f'))), message: /arg\("f"\) is a float64 passed in xmm0: uprobes cannot read XMM registers/ },
  { name: 'unknown parameter name', body: () => uprobe('main.Depth').onEntry(() => printf('%d\n', arg('m'))), message: /unknown parameter of main\.Depth "m"; did you mean "n"/ },
  { name: 'parameter index out of range', body: () => uprobe('main.Depth').onEntry(() => printf('%d\n', arg(3))), message: /parameter of main\.Depth: index 3 out of range \(it has 1: n\)/ },
  { name: 'argument read at a return site', body: () => uprobe('main.Depth').onReturn(() => printf('%d\n', arg('n'))), message: /main\.Depth: arg\("n"\) at a return site reads clobbered registers; use entry\.arg\("n"\)/ },
  { name: 'result read at entry', body: () => uprobe('main.Depth').onEntry(() => printf('%d\n', result(0))), message: /result\(0\) is only available in onReturn handlers/ },
  { name: 'printf argument count', body: () => uprobe('main.Depth').onEntry(() => printf('%d %d\n', arg('n'))), message: /printf "%d %d\\n" has 2 conversion\(s\) but 1 argument\(s\)/ },
  { name: 'unsupported printf conversion', body: () => uprobe('main.Depth').onEntry(() => printf('%q\n', arg('n'))), message: /unsupported conversion at column 1/ },
  { name: '%s with a number', body: () => uprobe('main.Depth').onEntry(() => printf('%s\n', arg('n'))), message: /printf %s needs a string, but arg\("n"\) is of type int/ },
  {
    name: 'printf over the 512-byte stack budget of bpftrace < 0.22',
    body: () => uprobe('main.Visit').onEntry(() => {
      const t = (i: number) => goString(arg('o').field('Tags').index(i))
      printf('%s %s %s %s %s %s %s\n', t(0), t(1), t(2), t(0), t(1), t(2), t(0))
    }),
    message: /needs about \d+ bytes of BPF stack \(string length 128\) but bpftrace 0\.17\.0\.\.latest allows 512; its largest printf is printf\("%r%s %r%s %r%s %r%s %r%s %r%s %r%s\\n"\)/,
    // With no length given goprobe shortens strings until the printf fits; an explicit one is kept.
    strlen: 128,
  },
]

describe('compile errors', () => {
  let build: FixtureBuild
  beforeAll(async () => {
    const newest = (await toolchains())[0]!
    build = await buildFixture('lang', newest, 'default')
  })
  for (const c of cases) {
    it(c.name, async () => {
      const err = await buildProgram(probe(c.body), build.path, c.strlen === undefined ? {} : { strlen: c.strlen }).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(GoprobeError)
      expect((err as Error).message).toMatch(c.message)
    })
  }
})

describe('DWARF parameter lists that lack unnamed parameters', () => {
  // Unnamed(_ int, b string): `_` takes RAX and b takes RBX, RCX; the spill area holds 8 + 16
  // bytes. Toolchains whose DWARF leaves `_` out list 16 bytes, and must be refused rather
  // than put b in RAX, RBX.
  it('are refused, and complete lists (checked against the pclntab argument size) place b in rbx, rcx', async () => {
    const def = probe(() => uprobe('main.Unnamed').onEntry(() => printf('%s\n', goString(arg('b')))))
    const refused: string[] = []
    for (const tc of await toolchains()) {
      const b = await buildFixture('lang', tc, 'default')
      const outcome = await buildProgram(def, b.path).then((p) => p.text, (e: Error) => e)
      if (outcome instanceof Error) {
        expect(outcome.message, tc.id).toMatch(/main\.Unnamed: cannot place arg\("b"\): its signature from DWARF lacks parameters \(16 bytes of arguments listed, the function takes 24\); declare the signature/)
        refused.push(tc.id)
      } else {
        expect(outcome, tc.id).toContain('arg b: string in rbx, rcx')
      }
    }
    // go1.19's DWARF omits unnamed parameters: the check must have fired there at least.
    expect(refused).toContain('go1.19.8')
  })
})

describe('line probe errors', () => {
  let build: FixtureBuild
  const source = readFileSync(join(FIXTURES_DIR, 'lines', 'main.go'), 'utf8').split('\n')
  const at = (suffix: string) => source.findIndex((l) => l.endsWith(suffix)) + 1
  const half = at('// line:half')
  const directive = at('//go:noinline')
  beforeAll(async () => {
    build = await buildFixture('lines', (await toolchains())[0]!, 'default')
  })
  const lineCases: { name: string; body: () => void; message: RegExp }[] = [
    { name: 'a line without code', body: () => line(`main.go:${directive}`).onHit(() => printf('x\n')), message: new RegExp(`main\\.go:${directive} has no code in this binary .* the nearest lines with code: \\d+ `) },
    { name: 'a line not in the given function', body: () => line(`main.go:${half}`, { function: 'main.main' }).onHit(() => printf('x\n')), message: /main\.go:\d+ has no code in main\.main; it has code in main\.classify, main\.total/ },
    { name: 'an argument at inlined code', body: () => line(`main.go:${half}`).onHit(() => printf('%d\n', arg('n'))), message: /arg n at main\.go:\d+: this code of main\.half is inlined into main\.(classify|total), whose arguments are not the inlined function's/ },
    { name: 'a position without a line', body: () => line('main.go').onHit(() => printf('x\n')), message: /line\("main\.go"\): expected 'file\.go:LINE'/ },
    { name: 'an unknown source file', body: () => line('mian.go:3').onHit(() => printf('x\n')), message: /unknown source file "mian\.go"; did you mean ".*\/lines\/main\.go"/ },
    { name: 'a register bpftrace cannot read', body: () => line(`main.go:${half}`).onHit(() => printf('%d\n', register('xmm0' as 'rax'))), message: /register\("xmm0"\): not one of rax, rbx/ },
    { name: 'a package variable without its package', body: () => line(`main.go:${half}`).onHit(() => printf('%d\n', global('classified'))), message: /global\("classified"\): give the full name/ },
    { name: 'an unknown package variable', body: () => line(`main.go:${half}`).onHit(() => printf('%d\n', global('main.clasified'))), message: /unknown package variable "main\.clasified"; did you mean "main\.classified"/ },
  ]
  for (const c of lineCases) {
    it(c.name, async () => {
      const err = await buildProgram(probe(c.body), build.path).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(GoprobeError)
      expect((err as Error).message).toMatch(c.message)
    })
  }
  it('an optional line without code is dropped with a note', async () => {
    const built = await buildProgram(probe(() => {
      line(`main.go:${directive}`, { optional: true }).onHit(() => printf('never\n'))
      line(`main.go:${half}`).onHit(() => printf('half\n'))
    }), build.path)
    expect(built.notes).toContain(`main.go:${directive}: optional probe left out: no code for it in this binary`)
    expect(built.text).not.toMatch(/never/)
    expect(built.text).toMatch(/half/)
  })
})
