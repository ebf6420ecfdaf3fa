/**
 * The printer on small ASTs: layout, dialect differences, requirements and refusals. Whether
 * bpftrace accepts the text is checked against real bpftrace in bpftrace-corpus.test.ts; here
 * the expected texts are the forms docs/bpftrace-compat.md prescribes.
 */
import { describe, expect, it } from 'vitest'
import * as b from '../../src/bpftrace/ast.ts'
import { dialectFor, dialectRange } from '../../src/bpftrace/dialect.ts'
import { printProgram } from '../../src/bpftrace/printer.ts'
import { UnsupportedError, UsageError } from '../../src/errors.ts'

const BIN = '/srv/app/server'
const v017 = dialectFor('0.17.0')
const v022 = dialectFor('0.22.0')
const v023 = dialectFor('0.23.0')
const v024 = dialectFor('0.24.0')

const one = (stmts: b.Stmt[], opts: Parameters<typeof b.probe>[2] = {}, ap: b.AttachPoint = b.uprobeSymbol(BIN, 'main.handle')) =>
  b.program([b.probe([ap], stmts, opts)])

const body = (text: string) => text.split('\n').slice(1, -2).join('\n')

describe('printer layout', () => {
  it('prints header, probe comments, attach points, predicate, declarations and body in order', () => {
    const printed = printProgram(
      b.program(
        [
          b.probe(
            [b.uprobeSymbol(BIN, 'main.handle'), b.uprobeAddress(BIN, 0x4817a0)],
            [b.assignVar('n', b.reg('bx')), b.printf('n=', b.fmt('d', b.variable('n')), '\n')],
            { predicate: b.binary(b.builtin('pid'), '==', b.builtin('cpid')), vars: [b.varDecl('n', b.u64(0))], comments: ['entry'] },
          ),
          b.probe([b.end()], [b.clear(b.map('m'))]),
        ],
        { header: ['goprobe', 'two lines'] },
      ),
      v017,
    )
    expect(printed.text).toBe(
      [
        '// goprobe',
        '// two lines',
        '',
        '// entry',
        `uprobe:"${BIN}":"main.handle",`,
        `uprobe:"${BIN}":0x4817a0 /pid == cpid/ {`,
        '  $n = (uint64)0;',
        '  $n = reg("bx");',
        '  printf("n=%ld\\n", $n);',
        '}',
        '',
        'END {',
        '  clear(@m);',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('is deterministic: the same AST prints the same bytes', () => {
    const ast = one([b.printf(b.fmt('s', b.goString(b.reg('ax'), b.reg('bx'))))])
    expect(printProgram(ast, v017).text).toBe(printProgram(ast, v017).text)
  })

  it('prints else-if chains and parenthesises by precedence only where needed', () => {
    const x = b.variable('x')
    const text = printProgram(
      one(
        [
          b.ifStmt(b.binary(x, '<', b.i64(0)), [b.exit()], [
            b.ifStmt(b.binary(x, '==', b.i64(0)), [b.exit()], [b.printf('big\n')]),
          ]),
          b.assignVar('x', b.binary(b.binary(x, '+', b.i64(1)), '*', b.binary(x, '-', b.binary(x, '-', b.i64(2))))),
          b.assignVar('x', b.binary(b.binary(x, '*', b.i64(2)), '+', b.i64(1))),
          b.assignVar('x', b.unary('-', b.unary('-', x))),
          b.assignVar('x', b.ternary(b.binary(x, '>', b.i64(0)), b.ternary(x, b.i64(1), b.i64(2)), b.i64(3))),
        ],
        { vars: [b.varDecl('x', b.i64(0))] },
      ),
      v017,
    ).text
    expect(body(text)).toBe(
      [
        '  $x = (int64)0;',
        '  if ($x < (int64)0) {',
        '    exit();',
        '  } else if ($x == (int64)0) {',
        '    exit();',
        '  } else {',
        '    printf("big\\n");',
        '  }',
        '  $x = ($x + (int64)1) * ($x - ($x - (int64)2));',
        '  $x = $x * (int64)2 + (int64)1;',
        '  $x = -(-$x);',
        '  $x = $x > (int64)0 ? ($x ? (int64)1 : (int64)2) : (int64)3;',
      ].join('\n'),
    )
  })
})

describe('dialects', () => {
  const decl = one([b.assignVar('v', b.reg('ax')), b.del(b.map('m', b.builtin('tid')))], { vars: [b.varDecl('v', b.u64(0))] })

  it('declares variables with plain assignment before 0.22 and with let from 0.22', () => {
    expect(printProgram(decl, v017).text).toContain('  $v = (uint64)0;\n')
    expect(printProgram(decl, dialectRange()).text).toContain('  $v = (uint64)0;\n')
    expect(printProgram(decl, v022).text).toContain('  let $v = (uint64)0;\n')
  })

  it('uses one-argument delete unless every version of the dialect has the two-argument form', () => {
    expect(printProgram(decl, v017).text).toContain('delete(@m[tid]);')
    expect(printProgram(decl, dialectRange('0.17.0', '0.26.1')).text).toContain('delete(@m[tid]);')
    expect(printProgram(decl, v022).text).toContain('delete(@m, tid);')
  })

  it('reads exactly len bytes of a Go string outside printf: str(p, len) up to 0.22, str(p, len + 1) from 0.23', () => {
    const ast = one([b.aggregate(b.map('m', b.goString(b.reg('ax'), b.reg('bx'))), 'count')])
    expect(printProgram(ast, v022).text).toContain('@m[str(reg("ax"), reg("bx"))] = count();')
    expect(printProgram(ast, v023).text).toContain('@m[str(reg("ax"), reg("bx") + (uint64)1)] = count();')
  })

  it('prints a Go string as its bytes with buf + %r on every version, and marks one longer than its max', () => {
    const ast = one([b.printf(b.fmt('s', b.goString(b.reg('ax'), b.reg('bx'), 16)))])
    const printed = 'printf("%r%s", buf(reg("ax"), reg("bx") > (uint64)16 ? (uint64)16 : reg("bx")), reg("bx") > (uint64)16 ? "..." : "");'
    for (const d of [v017, v022, v023, v024, dialectRange()]) expect(printProgram(ast, d).text).toContain(printed)
  })

  it('refuses an integer ?: with a map lookup or ?: in an arm where 0.22 or 0.23 would compute it wrong', () => {
    const inArm = (arm: b.Expr) => one([b.printf(b.fmt('d', b.ternary(b.binary(b.reg('ax'), '>', b.u64(1)), arm, b.u64(0))))])
    const lookup = inArm(b.map('m', b.reg('ax')))
    const nested = inArm(b.ternary(b.reg('bx'), b.u64(1), b.u64(2)))
    for (const d of [v022, v023, dialectRange(), dialectRange('0.21.0', '0.22.0')]) {
      expect(() => printProgram(lookup, d)).toThrow(/wrong value on bpftrace 0\.22 and 0\.23/)
      expect(() => printProgram(nested, d)).toThrow(UnsupportedError)
    }
    for (const d of [v017, v024, dialectRange('0.17.0', '0.21.0'), dialectRange('0.24.0')]) {
      expect(printProgram(lookup, d).text).toContain('reg("ax") > (uint64)1 ? @m[reg("ax")] : (uint64)0')
    }
  })

  it('prints a Go string as buf + %r when the dialect spans the 0.23 change, and refuses it outside printf', () => {
    const ast = one([b.printf('s=', b.fmt('s', b.goString(b.reg('ax'), b.reg('bx'))))])
    expect(printProgram(ast).text).toContain('printf("s=%r", buf(reg("ax"), reg("bx")));')
    const asKey = one([b.aggregate(b.map('m', b.goString(b.reg('ax'), b.reg('bx'))), 'count')])
    expect(() => printProgram(asKey)).toThrow(UnsupportedError)
    expect(printProgram(asKey, v017).text).toContain('@m[str(reg("ax"), reg("bx"))] = count();')
  })

  it('writes a literal % as %c of 37 before 0.24 and as %% from 0.24', () => {
    const ast = one([b.printf('100% done ', b.fmt('d', b.reg('ax')))])
    expect(printProgram(ast, v017).text).toContain('printf("100%c done %ld", 37, reg("ax"));')
    expect(printProgram(ast, v024).text).toContain('printf("100%% done %ld", reg("ax"));')
  })

  it('moves constant string arguments into the format text, escaped like any text', () => {
    const ast = one([b.printf(b.fmt('s', b.string('a%b"')), b.fmt('d', b.reg('ax')))])
    expect(printProgram(ast, v024).text).toContain('printf("a%%b\\"%ld", reg("ax"));')
  })

  it('sets the string length through the variables each version reads, within its cap', () => {
    const ast = b.program([b.probe([b.begin()], [b.exit()])], { strlen: 128 })
    expect(printProgram(ast, v017).requirements.env).toEqual({ BPFTRACE_STRLEN: '128' })
    expect(printProgram(ast, dialectFor('0.21.0')).requirements.env).toEqual({ BPFTRACE_MAX_STRLEN: '128' })
    // From 0.22 buf() keeps 4 bytes of the length for its header: 4 more keep 128 bytes of a Go string.
    // BPFTRACE_STRLEN is read by 0.17-0.19 only (0.20+ prefer BPFTRACE_MAX_STRLEN).
    expect(printProgram(ast).requirements.env).toEqual({ BPFTRACE_STRLEN: '128', BPFTRACE_MAX_STRLEN: '132' })
    expect(printProgram(ast, dialectFor('0.22.0')).requirements.env).toEqual({ BPFTRACE_MAX_STRLEN: '132' })
    // 0.25+ need 64 for a literal of their own library, unless 0.20 or 0.21 (stack-bound) share the program.
    const short = b.program([b.probe([b.begin()], [b.exit()])], { strlen: 32 })
    expect(printProgram(short, dialectRange('0.22.0')).requirements.env).toEqual({ BPFTRACE_MAX_STRLEN: '64' })
    expect(printProgram(short, dialectFor('0.23.0')).requirements.env).toEqual({ BPFTRACE_MAX_STRLEN: '36' })
    expect(printProgram(short).requirements.env).toEqual({ BPFTRACE_STRLEN: '32', BPFTRACE_MAX_STRLEN: '36' })
    const long = b.program([b.probe([b.begin()], [b.exit()])], { strlen: 201 })
    expect(() => printProgram(long, v017)).toThrow(/201 is not accepted by bpftrace 0\.17\.0 \(1 to 200\)/)
    expect(printProgram(long, dialectFor('0.21.0')).requirements.env).toEqual({ BPFTRACE_MAX_STRLEN: '201' })
    const cap = b.program([b.probe([b.begin()], [b.exit()])], { strlen: 197 })
    expect(() => printProgram(cap)).toThrow(/197 is not accepted by bpftrace 0\.17\.0\.\.latest \(1 to 196\)/)
  })
})

describe('integer types', () => {
  it('gives an untyped literal the type of the integer it is combined with, when it fits', () => {
    const text = printProgram(
      one(
        [
          b.exprStmt(b.binary(b.reg('ax'), '==', b.int(0))),
          b.exprStmt(b.binary(b.int(4), '<', b.deref('int32', b.reg('sp')))),
          b.exprStmt(b.binary(b.variable('n'), '-', b.int(1))),
          b.exprStmt(b.binary(b.reg('ax'), '>', b.int(-1))),
          b.exprStmt(b.binary(b.int(1), '&&', b.reg('ax'))),
        ],
        { vars: [b.varDecl('n', b.cast('int16', b.reg('cx')))] },
      ),
      v017,
    ).text
    expect(body(text).split('\n').slice(1)).toEqual([
      '  reg("ax") == (uint64)0;',
      '  (int32)4 < *(int32*)(reg("sp"));',
      '  $n - (int16)1;',
      '  reg("ax") > -1;',
      '  1 && reg("ax");',
    ])
  })
})

describe('requirements', () => {
  it('marks symbol+offset and file-offset probes as needing --unsafe, and curtask as needing BTF', () => {
    const plain = printProgram(one([b.exit()]), v017).requirements
    expect(plain).toMatchObject({ unsafe: false, symbolOffsetProbes: false, fileOffsetProbes: false, kernelBtf: false })
    const offset = printProgram(one([b.exit()], {}, b.uprobeSymbol(BIN, 'main.handle', 0x12)), v017)
    expect(offset.text).toContain(`uprobe:"${BIN}":"main.handle"+0x12 {`)
    expect(offset.requirements).toMatchObject({ unsafe: true, symbolOffsetProbes: true, fileOffsetProbes: false })
    const fileOffset = printProgram(one([b.exit()], {}, b.uprobeFileOffset(BIN, 0x81745)), v017)
    expect(fileOffset.text).toContain(`uprobe:"${BIN}":0x81745 {`)
    expect(fileOffset.requirements).toMatchObject({ unsafe: true, symbolOffsetProbes: false, fileOffsetProbes: true })
    const g = printProgram(one([b.exprStmt(b.uptr(b.taskFsBase()))]), v017)
    expect(g.text).toContain('uptr(curtask->thread.fsbase);')
    expect(g.requirements.kernelBtf).toBe(true)
  })
})

describe('refusals', () => {
  it('refuses unknown registers, naming the valid ones', () => {
    expect(() => printProgram(one([b.exprStmt(b.reg('rax' as b.RegisterName))]), v017)).toThrow(/unknown register "rax".*r15 r14/)
  })

  it('refuses variables that were not declared at the top of the probe, and double declarations', () => {
    expect(() => printProgram(one([b.assignVar('x', b.reg('ax'))]), v017)).toThrow(UsageError)
    expect(() => printProgram(one([b.exprStmt(b.variable('x'))]), v017)).toThrow(/\$x is used but not declared/)
    const twice = one([], { vars: [b.varDecl('x', b.u64(0)), b.varDecl('x', b.u64(1))] })
    expect(() => printProgram(twice, v017)).toThrow(/declared twice/)
  })

  it('refuses integers that do not fit their type or a bpftrace literal', () => {
    expect(() => printProgram(one([b.exprStmt(b.int(256, 'uint8'))]), v017)).toThrow(UnsupportedError)
    expect(() => printProgram(one([b.exprStmt(b.u64(-1))]), v017)).toThrow(UnsupportedError)
    expect(() => printProgram(one([b.exprStmt(b.u64(2n ** 63n))]), v017)).toThrow(UnsupportedError)
    expect(printProgram(one([b.exprStmt(b.int(-128, 'int8'))]), v017).text).toContain('(int8)-128;')
  })

  it('refuses malformed calls: aggregation arity, lhist bounds, buf with %s, width on %r, keys on print', () => {
    const cx = b.reg('cx')
    expect(() => printProgram(one([b.aggregate(b.map('m'), 'sum')]), v017)).toThrow(/sum\(\) takes 1/)
    expect(() => printProgram(one([b.aggregate(b.map('m'), 'lhist', cx, cx, b.int(10), b.int(1))]), v017)).toThrow(/literal integers/)
    expect(() => printProgram(one([b.printf(b.fmt('s', b.buf(cx, cx)))]), v017)).toThrow(/%r/)
    expect(() => printProgram(one([b.printf(b.fmt('r', b.buf(cx, cx), { width: 3 }))]), v017)).toThrow(/no width/)
    expect(() => printProgram(one([b.printf(b.fmt('r', cx))]), v017)).toThrow(/buf\(\) values only/)
    expect(() => printProgram(one([b.print(b.map('m', cx))]), v017)).toThrow(/without keys/)
    expect(() => printProgram(one([b.exprStmt(b.ustack(0))]), v017)).toThrow(/between 1 and 1024/)
  })

  it('refuses programs and probes with nothing to attach, and bad intervals', () => {
    expect(() => printProgram(b.program([]), v017)).toThrow(/at least one probe/)
    expect(() => printProgram(b.program([b.probe([], [])]), v017)).toThrow(/at least one attach point/)
    expect(() => printProgram(one([], {}, b.interval('s', 0)), v017)).toThrow(/invalid interval/)
    expect(() => printProgram(one([], {}, b.uprobeAddress(BIN, 0)), v017)).toThrow(/out of range/)
  })
})
