// The printf `0` flag (`%016x`), which stdlib/tls.ts uses to print secrets as hex words.
// End-to-end proof that bpftrace prints it as C does: test/e2e/tlssecrets.test.ts, whose
// output must equal Go's own key log.
import { describe, expect, it } from 'vitest'
import * as bt from '../../src/bpftrace/ast.ts'
import { dialectFor } from '../../src/bpftrace/dialect.ts'
import { printProgram } from '../../src/bpftrace/printer.ts'
import { parseFormat } from '../../src/compiler/format.ts'

describe('printf zero padding', () => {
  it('parses the 0 flag apart from the width', () => {
    expect(parseFormat('%016x|%8d|%-8d')).toEqual([
      { conversion: 'x', width: 16, leftAlign: false, zeroPad: true }, '|',
      { conversion: 'd', width: 8, leftAlign: false, zeroPad: false }, '|',
      { conversion: 'd', width: 8, leftAlign: true, zeroPad: false },
    ])
  })
  it('refuses the 0 flag without a width, with -, or on strings and bytes', () => {
    for (const bad of ['%0x', '%-08x', '%08s', '%08r']) expect(() => parseFormat(bad), bad).toThrow(/0 flag/)
  })
  it('prints it between the flags and the width', () => {
    const probe = bt.probe([bt.begin()], [bt.printf(bt.fmt('x', bt.int(255), { width: 16, zeroPad: true }), '\n')])
    expect(printProgram(bt.program([probe]), dialectFor('0.17.0')).text).toContain('printf("%016lx\\n", 255)')
  })
})
