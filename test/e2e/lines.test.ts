// Line probes end to end: probes/trace-lines.ts on the `lines` fixture, whose branches run
// a known number of times for known inputs. The fixture counts its branch bodies itself
// and records each call; the probes' hit counts on the marked lines (the bodies, the `if`
// lines whose code the compiler splits and reorders, the function's own line, a loop, a
// function inlined into two callers) must equal what the program did, on every toolchain,
// in default, stripped and PIE builds, under every bpftrace of the matrix.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import traceLines from '../../probes/trace-lines.ts'
import { arg, buildProgram, global, line, printf, program, type ProgramDefinition } from '../../src/index.ts'
import { bpftraceOf, buildsByMember, describeE2E, itE2E, runBpftrace, type MatrixMember } from '../support/bpftrace.ts'
import { FIXTURES_DIR, allBuilds, buildLabel, type FixtureBuild } from '../support/fixtures.ts'

const SOURCE = readFileSync(join(FIXTURES_DIR, 'lines', 'main.go'), 'utf8').split('\n')
/** The line number of the statement marked `// line:<name>`. */
const marked = (name: string): number => {
  const i = SOURCE.findIndex((l) => l.endsWith(`// line:${name}`))
  if (i < 0) throw new Error(`lines fixture: no line marked ${name}`)
  return i + 1
}
/** The branch bodies, which the fixture counts itself. */
const BRANCHES = ['even', 'three', 'half', 'big', 'negative'] as const
/** Every marked line: branch bodies, the `if` lines, the function's own line, a loop and an inlined body. */
const ALL_MARKS = [...BRANCHES, 'hit', 'func', 'classified', 'if-even', 'if-three', 'if-big', 'if-negative', 'return', 'for', 'sum'] as const
type Mark = (typeof ALL_MARKS)[number]
/** Inputs that take the branches different numbers of times, `negative` once. */
const INPUTS = ['1', '2', '3', '4', '6', '9', '200', '-6', '12', '7', '300']

interface Case { build: FixtureBuild; member: MatrixMember; refused: boolean }

// Stock 0.17 cannot attach inside a function of a PIE that has symbols (its file offsets name symbols there).
const cases: Case[] = buildsByMember(await allBuilds('lines')).map(({ build, member }) => ({ build, member, refused: !member.takesOffsets && build.mode === 'pie' }))

async function run(def: ProgramDefinition, c: Case, params: Record<string, string | string[]>) {
  const built = await buildProgram(def, c.build.path, { params, pid: 'child', capabilities: { midFunctionAddress: c.member.takesOffsets } })
  const r = await runBpftrace({ bpftrace: bpftraceOf(c.member), program: built.text, command: [c.build.path, ...INPUTS], unsafe: built.requirements.unsafe, env: built.requirements.env })
  const errors = r.stderr.split('\n').filter((l) => /^(ERROR|error)/.test(l) && !l.includes('RLIMIT_MEMLOCK'))
  expect(errors, r.stderr).toEqual([])
  expect(r.code, r.stderr).toBe(0)
  expect(r.commandStdout, `no fixture record; stderr: ${r.stderr}`).toBeDefined()
  return { built, lines: r.stdout.split('\n'), record: r.commandStdout!.split('\n').filter(Boolean) }
}

describeE2E('line probes (trace-lines) on the lines fixture', () => {
  for (const c of cases) {
    const label = `${buildLabel(c.build)}, ${c.member.label}: ${c.refused ? 'refused: cannot attach mid-function' : 'hits equal the fixture\'s counts'}`
    itE2E(label, async () => {
      const params = { file: 'main.go', line: ALL_MARKS.map((m) => String(marked(m))) }
      if (c.refused) {
        await expect(buildProgram(traceLines, c.build.path, { params, capabilities: { midFunctionAddress: false } })).rejects.toThrow(/this bpftrace cannot attach there/)
        return
      }
      const { built, lines, record } = await run(traceLines, c, params)
      const counted = (name: string) => Number(record.find((r) => r.startsWith(`${name} `))!.split(' ')[1])
      const hits = new Map(lines.map((l) => /^@hits\[main\.go:(\d+)\]: (\d+)$/.exec(l)).filter((m) => m !== null).map((m) => [Number(m[1]), Number(m[2])]))
      // What the program says ran: its own counters for the branch bodies, its record of
      // classify's calls for the lines every call runs, and its input for the loop.
      const calls = record.filter((r) => r.startsWith('classify ')).length
      expect(calls).toBe(INPUTS.length)
      const expected: Record<Mark, number> = {
        even: counted('even'), three: counted('three'), half: counted('half'), big: counted('big'), negative: counted('negative'),
        hit: BRANCHES.reduce((sum, b) => sum + counted(b), 0),
        func: calls, classified: calls, 'if-even': calls, 'if-three': calls, 'if-big': calls, 'if-negative': calls, return: calls,
        // The loop header runs once to start and once per iteration, as a debugger stops there.
        for: INPUTS.length + 1, sum: INPUTS.length,
      }
      for (const name of ALL_MARKS) {
        expect(hits.get(marked(name)) ?? 0, `hits of line:${name} (main.go:${marked(name)})`).toBe(expected[name])
        // Each hit is also printed once, with its goroutine.
        expect(lines.filter((l) => l.startsWith(`main.go:${marked(name)} goroutine 1 in main.`)), `printed hits of line:${name}`).toHaveLength(expected[name])
      }
      expect(counted('negative'), 'the inputs take the negative branch').toBe(1)
      // half() is inlined into classify and total: its line runs in both, and the probes say where.
      const halfAt = (fn: string) => lines.filter((l) => l === `main.go:${marked('half')} goroutine 1 in ${fn}`).length
      expect(halfAt('main.classify')).toBe(counted('three'))
      expect(halfAt('main.total')).toBe(INPUTS.length)
      expect(built.notes.some((n) => n.includes(`main.go:${marked('half')}: 2 probe(s)`) && (n.match(/\(inlined main\.half\)/g) ?? []).length === 2), built.notes.join('\n')).toBe(true)
    }, c.member)
  }

  /**
   * Line handlers reading the enclosing function's argument n (with a signature for builds
   * without DWARF): at line:even n is the input; at line:big it has been halved when the
   * input is a multiple of 3 (`n = half(n)`), and DWARF may put it in any register.
   */
  const argAtLine = program(import.meta, { name: 'arg-at-line', description: 'n where classify finds an even or big number' }, () => {
    const signatures = { 'main.classify': 'func(n int) string' }
    line(`main.go:${marked('even')}`, { signatures }).onHit(() => printf('even n=%d\n', arg('n')))
    line(`main.go:${marked('big')}`, { signatures }).onHit(() => printf('big n=%d\n', arg('n')))
  })
  for (const c of cases.filter((x) => !x.refused && x.member.takesOffsets)) {
    itE2E(`${buildLabel(c.build)}, ${c.member.label}: arg() at a line is read where DWARF says, or with a warning that nothing guarantees it`, async () => {
      const built = await buildProgram(argAtLine, c.build.path, { params: {}, capabilities: { midFunctionAddress: true } })
      const warned = (mark: string) => built.notes.some((n) => n.startsWith(`main.classify arg n at main.go:${marked(mark)}: `) && /so it is read from its register-ABI spill slot.*not guaranteed/.test(n))
      // Builds without DWARF never know where n is; optimized code also keeps it where DWARF
      // does not say (go1.26 at line:even). Both must warn and mark the program.
      if (c.build.mode === 'stripped') expect([warned('even'), warned('big')], built.notes.join('\n')).toEqual([true, true])
      if (warned('even') || warned('big')) expect(built.text).toMatch(/NOT GUARANTEED/)
      if (warned('even') && warned('big')) return
      expect(built.text).toMatch(/arg n: int in .* \(DWARF location list\)/)
      const { lines, record } = await run(argAtLine, c, {})
      const classified = record.filter((r) => r.startsWith('classify ')).map((r) => r.split(' '))
      const expected = [
        ...(warned('even') ? [] : classified.filter((f) => f.includes('even')).map((f) => `even n=${f[1]}`)),
        ...(warned('big') ? [] : classified.filter((f) => f.includes('big')).map((f) => `big n=${Number(f[1]) % 3 === 0 ? Math.trunc(Number(f[1]) / 2) : f[1]}`)),
      ]
      const printed = lines.filter((l) => (!warned('even') && l.startsWith('even n=')) || (!warned('big') && l.startsWith('big n=')))
      expect(printed.sort()).toEqual(expected.sort())
    }, c.member)
  }

  /** A package variable read at a line: classify counts its calls in main.classified before the branches. */
  const globalAtLine = program(import.meta, { name: 'global-at-line', description: 'classify\'s call count where it finds an even number' }, () => {
    line(`main.go:${marked('even')}`).onHit(() => printf('even call=%d\n', global('main.classified')))
  })
  for (const c of cases.filter((x) => !x.refused && x.member.takesOffsets)) {
    const stripped = c.build.mode === 'stripped'
    itE2E(`${buildLabel(c.build)}, ${c.member.label}: global() at a line ${stripped ? 'is refused: a stripped binary names no variables' : 'equals the fixture\'s count'}`, async () => {
      if (stripped) {
        await expect(buildProgram(globalAtLine, c.build.path, { params: {}, capabilities: { midFunctionAddress: true } }))
          .rejects.toThrow(/unknown package variable \(this binary has no symbol table and no DWARF.*\) "main.classified"/)
        return
      }
      const { built, lines, record } = await run(globalAtLine, c, {})
      expect(built.text).toMatch(/global main\.classified: int at 0x[0-9a-f]+ .*\(DWARF\)/)
      // The nth classify call (1-based) of an even input.
      const calls = record.filter((r) => r.startsWith('classify ')).flatMap((r, i) => (/ even$/.test(r) ? [`even call=${i + 1}`] : []))
      expect(lines.filter((l) => l.startsWith('even call='))).toEqual(calls)
    }, c.member)
  }
})
