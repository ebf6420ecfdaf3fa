/**
 * A printed program run for real: uprobes on main.Mixed(label string, w Wide, n int) of the
 * basic fixture (register ABI: label in ax/bx, n in cx; Wide goes to the stack), attached by
 * symbol, by link-time address, by raw file offset (and by symbol+offset on the offset-capable
 * rebuild), executed with `bpftrace -c`. What they
 * print must equal what the Go program logged about its own calls.
 */
import { expect, it } from 'vitest'
import * as b from '../../src/bpftrace/ast.ts'
import { dialectFor, dialectRange, type Dialect } from '../../src/bpftrace/dialect.ts'
import { ElfFile } from '../../src/binary/elf.ts'
import { printProgram } from '../../src/bpftrace/printer.ts'
import { describeE2E, itE2E, offsetCapableBpftrace, runBpftrace, stockBpftrace, type Bpftrace, stockMember, unsafeRebuildMember } from '../support/bpftrace.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'
import { goToolNm, goUnquote, objdumpInstructions } from '../support/oracles.ts'

const CALLS = 3

/** One `label n` line per call of Mixed, from the fixture's own record of its calls. */
function expectedCalls(log: string): string[] {
  const calls: string[] = []
  for (const line of log.split('\n')) {
    const m = /^Mixed ("(?:[^"\\]|\\.)*") \{[^}]*\} (\d+) -> /.exec(line)
    if (m) calls.push(`${goUnquote(m[1]!)} ${m[2]}`)
  }
  return calls
}

/** One probe per form, each printing `<form> <label> <n> g=r14:<1 if TLS g equals r14>`. */
function program(forms: readonly (readonly [string, b.AttachPoint])[]): b.Program {
  const ax = b.reg('ax')
  const bx = b.reg('bx')
  const cx = b.reg('cx')
  const report = ([form, attachPoint]: readonly [string, b.AttachPoint]) =>
    b.probe(
      [attachPoint],
      [
        // The goroutine pointer read from TLS must be the one the register ABI keeps in r14.
        b.assignVar('g', b.deref('uint64', b.uptr(b.binary(b.taskFsBase(), '-', b.u64(8))))),
        b.printf(form, ' ', b.fmt('s', b.goString(ax, bx)), ' ', b.fmt('d', cx), ' g=r14:', b.fmt('d', b.binary(b.variable('g'), '==', b.reg('r14'))), '\n'),
      ],
      { predicate: b.binary(b.builtin('pid'), '==', b.builtin('cpid')), vars: [b.varDecl('g', b.u64(0))], comments: [`main.Mixed by ${form}`] },
    )
  return b.program(forms.map(report), { header: ['bpftrace-run.test.ts'] })
}

/** main.Mixed in the basic fixture: address (go tool nm), second instruction (objdump) and its file offset. */
async function mixed() {
  const [tc] = await toolchains()
  const build = await buildFixture('basic', tc!, 'default')
  const sym = (await goToolNm(build)).find((s) => s.name === 'main.Mixed')!
  const [, second] = await objdumpInstructions(build.path, sym.addr, sym.addr + sym.size)
  const elf = ElfFile.open(build.path)
  const fileOffset = elf.vaddrToOffset(second!.addr)!
  elf.close()
  return { path: build.path, address: sym.addr, secondOffset: second!.addr - sym.addr, fileOffset }
}

/** Runs the program on the fixture and checks every form's lines against the fixture's log. */
async function expectArgumentsRead(bt: Bpftrace, forms: readonly (readonly [string, b.AttachPoint])[], dialect: Dialect, path: string) {
  const printed = printProgram(program(forms), dialect)
  const result = await runBpftrace({
    bpftrace: bt,
    program: printed.text,
    command: [path, 'run', String(CALLS)],
    unsafe: printed.requirements.unsafe,
    env: { ...printed.requirements.env },
  })
  expect(result.code, `${printed.text}\n${result.stderr}`).toBe(0)
  const calls = expectedCalls(result.commandStdout ?? '')
  expect(calls).toHaveLength(CALLS)
  const lines = result.stdout.split('\n')
  for (const [form] of forms) {
    const seen = lines.filter((l) => l.startsWith(`${form} `)).map((l) => l.slice(form.length + 1))
    expect(seen, `${form}\n${printed.text}\n${result.stdout}\n${result.stderr}`).toEqual(calls.map((c) => `${c} g=r14:1`))
  }
}

describeE2E('a printed program runs under bpftrace 0.17 and reads the Go arguments', () => {
  const bt = stockBpftrace()!
  const dialects: [string, Dialect][] = [
    ['0.17 dialect (str)', dialectFor('0.17.0')],
    ['default dialect (buf with %r)', dialectRange()],
  ]
  for (const [name, dialect] of dialects) {
    it(`${name}: symbol, address and file-offset probes print what the program logged`, async () => {
      const m = await mixed()
      const forms = [
        ['symbol', b.uprobeSymbol(m.path, 'main.Mixed')],
        ['address', b.uprobeAddress(m.path, m.address)],
        ['file-offset', b.uprobeFileOffset(m.path, m.fileOffset)],
      ] as const
      await expectArgumentsRead(bt, forms, dialect, m.path)
    })
  }

  // Fails (as root, in CI) instead of skipping when the rebuild is missing or not offset-capable.
  itE2E('symbol+offset probe on the ALLOW_UNSAFE_PROBE rebuild', async () => {
    const m = await mixed()
    const forms = [['symbol+offset', b.uprobeSymbol(m.path, 'main.Mixed', m.secondOffset)]] as const
    await expectArgumentsRead(offsetCapableBpftrace()!, forms, dialectFor('0.17.0'), m.path)
  }, unsafeRebuildMember())
}, stockMember())
