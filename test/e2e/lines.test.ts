// Line probes end to end: probes/trace-lines.ts on the `lines` fixture, whose branches run
// a known number of times for known inputs. The fixture counts each marked statement
// itself; the probes' hit counts must equal those counts, on every toolchain, in default,
// stripped and PIE builds, with both bpftraces. One marked line is in a function inlined
// into two callers, so its probes sit in both (and only there).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import traceLines from '../../probes/trace-lines.ts'
import { arg, buildProgram, global, line, printf, program, type ProgramDefinition } from '../../src/index.ts'
import { describeE2E, itE2E, offsetCapableBpftrace, runBpftrace, stockBpftrace, type Bpftrace } from '../support/bpftrace.ts'
import { FIXTURES_DIR, allBuilds, buildLabel, type FixtureBuild } from '../support/fixtures.ts'

const SOURCE = readFileSync(join(FIXTURES_DIR, 'lines', 'main.go'), 'utf8').split('\n')
/** The line number of the statement marked `// line:<name>`. */
const marked = (name: string): number => {
  const i = SOURCE.findIndex((l) => l.endsWith(`// line:${name}`))
  if (i < 0) throw new Error(`lines fixture: no line marked ${name}`)
  return i + 1
}
const MARKS = ['even', 'three', 'half', 'big', 'negative'] as const
/** Inputs that take every branch but `negative` a different number of times, and `negative` once. */
const INPUTS = ['1', '2', '3', '4', '6', '9', '200', '-6', '12', '7', '300']

interface Case { build: FixtureBuild; bpftrace: Bpftrace; which: string; refused: boolean }

const cases: Case[] = []
for (const build of await allBuilds('lines')) {
  const offset = offsetCapableBpftrace()
  const stock = stockBpftrace()
  if (offset) cases.push({ build, bpftrace: offset, which: 'offset-capable', refused: false })
  // Stock 0.17 cannot attach inside a function of a PIE that has symbols (its file offsets name symbols there).
  if (stock) cases.push({ build, bpftrace: stock, which: 'stock', refused: build.mode === 'pie' })
}

async function run(def: ProgramDefinition, c: Case, params: Record<string, string | string[]>) {
  const built = await buildProgram(def, c.build.path, { params, pid: 'child', capabilities: { midFunctionAddress: c.bpftrace.offsetCapable } })
  const r = await runBpftrace({ bpftrace: c.bpftrace, program: built.text, command: [c.build.path, ...INPUTS], unsafe: built.requirements.unsafe, env: built.requirements.env })
  const errors = r.stderr.split('\n').filter((l) => /^(ERROR|error)/.test(l) && !l.includes('RLIMIT_MEMLOCK'))
  expect(errors, r.stderr).toEqual([])
  expect(r.code, r.stderr).toBe(0)
  expect(r.commandStdout, `no fixture record; stderr: ${r.stderr}`).toBeDefined()
  return { built, lines: r.stdout.split('\n'), record: r.commandStdout!.split('\n').filter(Boolean) }
}

describeE2E('line probes (trace-lines) on the lines fixture', () => {
  for (const c of cases) {
    const label = `${buildLabel(c.build)}, ${c.which} bpftrace: ${c.refused ? 'refused: cannot attach mid-function' : 'hits equal the fixture\'s counts'}`
    itE2E(label, async () => {
      const params = { file: 'main.go', line: MARKS.map((m) => String(marked(m))) }
      if (c.refused) {
        await expect(buildProgram(traceLines, c.build.path, { params, capabilities: { midFunctionAddress: false } })).rejects.toThrow(/this bpftrace cannot attach there/)
        return
      }
      const { built, lines, record } = await run(traceLines, c, params)
      const counted = (name: string) => Number(record.find((r) => r.startsWith(`${name} `))!.split(' ')[1])
      const hits = new Map(lines.map((l) => /^@hits\[main\.go:(\d+)\]: (\d+)$/.exec(l)).filter((m) => m !== null).map((m) => [Number(m[1]), Number(m[2])]))
      for (const name of MARKS) {
        const expected = counted(name)
        expect(hits.get(marked(name)) ?? 0, `hits of line:${name} (main.go:${marked(name)})`).toBe(expected)
        // Each hit is also printed once, with its goroutine.
        expect(lines.filter((l) => l.startsWith(`main.go:${marked(name)} goroutine 1 in main.`)), `printed hits of line:${name}`).toHaveLength(expected)
      }
      expect(counted('negative'), 'the inputs take the negative branch').toBe(1)
      // half() is inlined into classify and total: its line runs in both, and the probes say where.
      const halfAt = (fn: string) => lines.filter((l) => l === `main.go:${marked('half')} goroutine 1 in ${fn}`).length
      expect(halfAt('main.classify')).toBe(counted('three'))
      expect(halfAt('main.total')).toBe(INPUTS.length)
      expect(built.notes.some((n) => n.includes(`main.go:${marked('half')}: 2 probe(s)`) && (n.match(/\(inlined main\.half\)/g) ?? []).length === 2), built.notes.join('\n')).toBe(true)
    })
  }

  /** A line handler reading the enclosing function's argument (with a signature for builds without DWARF). */
  const argAtLine = program(import.meta, { name: 'arg-at-line', description: 'n where classify finds an even number' }, () => {
    line(`main.go:${marked('even')}`, { signatures: { 'main.classify': 'func(n int) string' } }).onHit(() => printf('even n=%d\n', arg('n')))
  })
  for (const c of cases.filter((x) => !x.refused && x.which === 'offset-capable')) {
    itE2E(`${buildLabel(c.build)}: arg() at a line is read where DWARF says, or with a warning that nothing guarantees it`, async () => {
      const built = await buildProgram(argAtLine, c.build.path, { params: {}, capabilities: { midFunctionAddress: true } })
      const warned = built.notes.some((n) => /main\.classify arg n at main\.go:\d+: no DWARF location here, so it is read from its register-ABI spill slot.*not guaranteed/.test(n))
      // Optimized code keeps n in a register DWARF does not track past the first instructions
      // (go1.26 does this here); builds without DWARF never know. Both must warn.
      if (c.build.mode === 'stripped') expect(warned, built.notes.join('\n')).toBe(true)
      if (warned) {
        expect(built.text).toMatch(/NOT GUARANTEED/)
        return
      }
      expect(built.text).toMatch(/arg n: int in .* \(DWARF location list/)
      const { lines, record } = await run(argAtLine, c, {})
      const evens = record.filter((r) => / even$/.test(r)).map((r) => `even n=${r.split(' ')[1]}`)
      expect(lines.filter((l) => l.startsWith('even n='))).toEqual(evens)
    })
  }

  /** A package variable read at a line: classify counts its calls in main.classified before the branches. */
  const globalAtLine = program(import.meta, { name: 'global-at-line', description: 'classify\'s call count where it finds an even number' }, () => {
    line(`main.go:${marked('even')}`).onHit(() => printf('even call=%d\n', global('main.classified')))
  })
  for (const c of cases.filter((x) => !x.refused && x.which === 'offset-capable')) {
    const stripped = c.build.mode === 'stripped'
    itE2E(`${buildLabel(c.build)}: global() at a line ${stripped ? 'is refused: a stripped binary names no variables' : 'equals the fixture\'s count'}`, async () => {
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
    })
  }
})
