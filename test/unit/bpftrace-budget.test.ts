/**
 * The BPF stack estimate (src/bpftrace/stack-budget.ts) against bpftrace 0.17 itself. For
 * printfs of integers, strings and buffers, the largest program the printer accepts must
 * compile, and the same program with one more integer (printed with the check switched off)
 * must fail with bpftrace's own "stack limit" error. For busier probes, the estimate may be
 * cautious but must never accept what bpftrace rejects.
 */
import { describe, expect, it } from 'vitest'
import * as b from '../../src/bpftrace/ast.ts'
import { dialectFor, type Dialect } from '../../src/bpftrace/dialect.ts'
import { printProgram, type PrintedProgram } from '../../src/bpftrace/printer.ts'
import { UnsupportedError } from '../../src/errors.ts'
import { describeE2E, stockBpftrace, stockMember } from '../support/bpftrace.ts'
import { compileOnly } from './bpftrace-oracle.ts'

const BIN = '/bin/true' // any executable satisfies compile-only mode
const v017 = dialectFor('0.17.0')
/** The 0.17 dialect with the stack check off, to show what bpftrace does without it. */
const unchecked: Dialect = { ...v017, printfStackLimit: undefined }

interface Shape {
  readonly name: string
  readonly strlen: number
  /** printf arguments besides the integers the test adds. */
  readonly args: readonly b.FormatArg[]
}

const ptr = b.reg('ax')
const shapes: Shape[] = [
  { name: 'integers only', strlen: 64, args: [] },
  { name: 'one str()', strlen: 64, args: [b.fmt('s', b.cstring(ptr))] },
  { name: 'three str()', strlen: 64, args: [1, 2, 3].map(() => b.fmt('s', b.cstring(ptr))) },
  { name: 'two str() at strlen 100', strlen: 100, args: [b.fmt('s', b.cstring(ptr)), b.fmt('s', b.cstring(ptr))] },
  { name: 'one Go string at strlen 200', strlen: 200, args: [b.fmt('s', b.goString(ptr, b.reg('bx')))] },
  { name: 'one buf() of unknown length', strlen: 64, args: [b.fmt('r', b.buf(ptr, b.reg('bx')))] },
  { name: 'two buf() of 32 bytes', strlen: 64, args: [b.fmt('r', b.buf(ptr, b.int(32))), b.fmt('rx', b.buf(ptr, b.int(32)))] },
  // 0.17 gives a string ?: 64 bytes whatever its arms and the string length.
  { name: 'two string ?: at strlen 16', strlen: 16, args: [1, 2].map(() => b.fmt('s', b.ternary(b.reg('bx'), b.string('...'), b.string('')))) },
  { name: 'two Go strings with truncation markers at strlen 24', strlen: 24, args: [1, 2].map(() => b.fmt('s', b.goString(ptr, b.reg('bx'), 24))) },
  { name: 'str() and buf() of 10 bytes', strlen: 64, args: [b.fmt('s', b.cstring(ptr)), b.fmt('r', b.buf(ptr, b.int(10)))] },
]

function program(shape: Shape, ints: number): b.Program {
  const format: b.FormatPart[] = [...shape.args]
  for (let i = 0; i < ints; i++) format.push(' ', b.fmt('d', b.reg('cx')))
  return b.program([b.probe([b.uprobeSymbol(BIN, 'main')], [b.printf(...format, '\n')])], { strlen: shape.strlen })
}

/** The most integers the printer lets the shape's printf carry on 0.17. */
function largestAccepted(shape: Shape): number {
  let ints = 0
  while (tryPrint(program(shape, ints + 1), v017)) ints++
  return ints
}

function tryPrint(p: b.Program, d: Dialect): PrintedProgram | undefined {
  try {
    return printProgram(p, d)
  } catch (err) {
    if (err instanceof UnsupportedError) return undefined
    throw err
  }
}

describe('stack estimate', () => {
  it('refuses an over-budget printf with a message naming the probe, the size and the way out', () => {
    const tooBig = program(shapes[0]!, 80)
    expect(() => printProgram(tooBig, v017)).toThrow(/probe uprobe:"\/bin\/true":"main" needs about \d+ bytes of BPF stack .* allows 512.*split printf calls/)
  })

  it('does not apply from 0.22, where printf arguments no longer live on the stack', () => {
    expect(printProgram(program(shapes[0]!, 80), dialectFor('0.22.0')).text).toContain('printf(')
  })
})

describeE2E('stack estimate agrees with bpftrace 0.17', () => {
  const bt = stockBpftrace()!
  for (const shape of shapes) {
    // 0.17 programs read each register once into a variable (lower.ts); whether LLVM keeps such
    // a variable in a machine register or gives it a stack slot is not predictable, and the
    // estimate gives each a slot. So the first overflow may come one integer later per register.
    it(`${shape.name}: the largest accepted printf compiles, one more integer per register variable overflows`, async () => {
      const most = largestAccepted(shape)
      expect(most).toBeGreaterThan(0)
      const accepted = printProgram(program(shape, most), v017)
      const fits = await compileOnly(bt, accepted)
      expect(fits.ok, fits.stderr).toBe(true)
      const slack = 1 + (accepted.text.match(/\$__reg_\w+ = reg\(/g)?.length ?? 0)
      const over = printProgram(program(shape, most + slack), unchecked)
      const overflow = await compileOnly(bt, over)
      expect(overflow.ok).toBe(false)
      expect(overflow.stderr).toMatch(/BPF stack limit of 512 bytes is exceeded/)
    })
  }

  // Probes with variables, maps, comm, buffers and several printfs: LLVM shares some stack
  // slots and spills registers, which no AST-level model predicts exactly. Accepting must imply
  // that bpftrace compiles; for refusals the test reports how cautious the estimate was.
  const cx = b.reg('cx')
  const busy = (strlen: number, extraInts: number) =>
    b.program(
      [
        b.probe(
          [b.uprobeSymbol(BIN, 'main')],
          [
            b.assignVar('t', b.builtin('elapsed')),
            b.assignVar('name', b.cstring(b.deref('uint64', b.reg('sp')))),
            b.printf(b.fmt('s', b.builtin('comm')), b.fmt('d', b.variable('t')), b.fmt('s', b.builtin('func')), '\n'),
            b.printf(b.fmt('r', b.buf(ptr, b.reg('bx'))), b.fmt('s', b.variable('name')), ...Array.from({ length: extraInts }, () => b.fmt('d', cx))),
            b.printf(b.fmt('s', b.ntop(b.u64(0x0100007f))), '\n'),
            b.assignMap(b.map('m', b.builtin('tid')), cx),
          ],
          { vars: [b.varDecl('t', b.u64(0)), b.varDecl('name', b.cstring(b.u64(0)))] },
        ),
      ],
      { strlen },
    )

  for (const strlen of [32, 64, 100]) {
    it(`busy probe at strlen ${strlen}: never accepts what bpftrace rejects`, async () => {
      let accepted = 0
      let cautious = 0
      for (let extra = 0; extra <= 40; extra += 4) {
        const checked = tryPrint(busy(strlen, extra), v017)
        const real = await compileOnly(bt, checked ?? printProgram(busy(strlen, extra), unchecked))
        if (checked) {
          accepted++
          expect(real.ok, `accepted by the estimate but not by bpftrace:\n${checked.text}\n${real.stderr}`).toBe(true)
        } else if (real.ok) cautious++
      }
      console.log(`busy probe, strlen ${strlen}: ${accepted} of 11 variants accepted, ${cautious} refused although bpftrace compiles them`)
      expect(accepted).toBeGreaterThan(0)
    })
  }
}, stockMember())
