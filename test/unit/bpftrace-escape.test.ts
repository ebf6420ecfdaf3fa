/**
 * Injection: hostile text in every place text enters a program (format text, string literals,
 * comments, symbols, paths, names) either prints so that bpftrace reads exactly the intended
 * value — checked by running it, or by 0.17's parser dump — or is refused with goprobe's error.
 */
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as b from '../../src/bpftrace/ast.ts'
import { dialectFor } from '../../src/bpftrace/dialect.ts'
import { commentLines, formatText, quoteAttachPath, quoteAttachSymbol, quoteString } from '../../src/bpftrace/escape.ts'
import { printProgram } from '../../src/bpftrace/printer.ts'
import { UnsupportedError, UsageError } from '../../src/errors.ts'
import { describeE2E, stockBpftrace, stockMember } from '../support/bpftrace.ts'
import { parsedAst, runToExit } from './bpftrace-oracle.ts'

const v017 = dialectFor('0.17.0')

/** Text meant to break out of a string, a format, a comment or a block. */
const HOSTILE = [
  'plain',
  'quote " inside',
  'backslash \\ and \\" and \\n literally',
  'newline\nexit(); printf("INJECTED\\n");',
  'carriage\rreturn and tab\t',
  '} END { printf("INJECTED"); } BEGIN {',
  '/* open comment',
  'close */ comment // line comment',
  '#include <linux/sched.h>',
  '%n %s %d %-5d %p %% %%d %',
  '100%',
  'ends with backslash \\',
  '\\x41 is not A, \\101 is not A either',
  'hex-looking bytes \x01\x1f\x7f then 0',
  'non-ASCII: héllo, ☃, 𝄞',
  '$1 $# @map @ $var',
]

describe('escaping', () => {
  it('writes string literals with only the escapes every bpftrace lexer knows', () => {
    expect(quoteString('a"b\\c\nd\te\rf')).toBe('"a\\"b\\\\c\\nd\\te\\rf"')
    // Two hex digits always, so a following hex digit cannot extend an escape.
    expect(quoteString('\x01F')).toBe('"\\x01F"')
    expect(quoteString('é')).toBe('"\\xc3\\xa9"')
  })

  it('refuses NUL, which bpftrace would silently cut the string at', () => {
    expect(() => quoteString('a\0b')).toThrow(UsageError)
    expect(() => printProgram(b.program([b.probe([b.begin()], [b.printf('a\0b')])]), v017)).toThrow(/NUL/)
  })

  it('doubles % in format text', () => {
    expect(formatText('5% of %s')).toBe('5%% of %%s')
  })

  it('keeps comment text on comment lines: one line per text line, no control characters', () => {
    expect(commentLines('a\nb\r\nc\rd')).toEqual(['// a', '// b', '// c', '// d'])
    expect(commentLines('x\u2028y\u0085z\x0b')).toEqual(['// x\\u{2028}y\\x85z\\x0b'])
    for (const text of HOSTILE) {
      for (const line of commentLines(text)) expect(line).toMatch(/^\/\/( [\x20-\x7e]*)?$/)
    }
  })

  it('refuses attach-point symbols that quoting cannot protect, naming the symbol', () => {
    const refused: [string, RegExp][] = [
      ['main.(*T).M', /wildcard/],
      ['main.Pair[go.shape.int_0,go.shape.string_1].Get', /both '\[' and '\]'/],
      ['main.f?', /wildcard/],
      ['a"b', /double quote/],
      ['a\\b', /backslash/],
      ['a\nb', /control character/],
      ['a:b', /':'/],
      ['sym+4', /offset/],
      ['4sym', /leading digit/],
      ['', /no characters/],
    ]
    for (const [symbol, why] of refused) {
      expect(() => quoteAttachSymbol(symbol), symbol).toThrow(UnsupportedError)
      expect(() => quoteAttachSymbol(symbol), symbol).toThrow(why)
      expect(() => quoteAttachSymbol(symbol), symbol).toThrow(JSON.stringify(symbol))
    }
  })

  it('refuses paths that are relative or that quoting cannot protect', () => {
    for (const path of ['bin/app', 'libc.so.6', '/a"b', '/a\nb', '/a\\b', '/srv/*/app', '/srv/[ab]/app', '/a:b']) {
      expect(() => quoteAttachPath(path), path).toThrow(UsageError)
    }
  })

  it('refuses names that are not plain identifiers', () => {
    const bad = ['m[1]', 'm=1;exit()', '', '1m', 'a b']
    for (const name of bad) {
      expect(() => printProgram(b.program([b.probe([b.begin()], [b.aggregate(b.map(name), 'count')])]), v017), name).toThrow(UsageError)
      expect(() => printProgram(b.program([b.probe([b.begin()], [], { vars: [b.varDecl(name, b.u64(0))] })]), v017), name).toThrow(UsageError)
      expect(() => printProgram(b.program([b.probe([b.tracepoint('sched', name)], [])]), v017), name).toThrow(UsageError)
    }
  })
})

describeE2E('bpftrace 0.17 reads hostile text exactly as intended', () => {
  const bt = stockBpftrace()!
  const run = async (stmts: b.Stmt[], header: string[] = []) => {
    const printed = printProgram(b.program([b.probe([b.begin()], [...stmts, b.exit()])], { header }), v017)
    const out = await runToExit(bt, printed)
    expect(out.ok, `${printed.text}\n${out.stderr}`).toBe(true)
    // bpftrace prints maps (none here) after two blank lines at exit.
    return out.stdout.replace(/\n*$/, '')
  }

  it('as format text', async () => {
    const printed = await run(HOSTILE.map((text) => b.printf(text, '|\n')))
    expect(printed).toBe(HOSTILE.map((text) => `${text}|`).join('\n'))
  })

  it('as string literals printed with %s, next to integer conversions', async () => {
    const printed = await run(
      HOSTILE.map((text) => b.printf('<', b.fmt('d', b.int(7)), b.fmt('s', b.string(text), { width: 1 }), b.fmt('d', b.int(8)), '>\n')),
    )
    expect(printed).toBe(HOSTILE.map((text) => `<7${text}8>`).join('\n'))
  })

  it('as comments in the header, above probes and in bodies', async () => {
    const printed = printProgram(
      b.program([b.probe([b.begin()], [...HOSTILE.map((t) => b.comment(t)), b.printf('only this\n'), b.exit()], { comments: HOSTILE })], { header: HOSTILE }),
      v017,
    )
    const out = await runToExit(bt, printed)
    expect(out.ok, out.stderr).toBe(true)
    expect(out.stdout.replace(/\n*$/, '')).toBe('only this')
  })

  it('as symbols and paths that quoting can carry (braces, //, #, commas, spaces, $, @, one bracket)', async () => {
    const symbols = ['main.f{}//#,@$ ()x', 'main.(T).M', 'a//b', 'x y', 'main.héllo', 'main.Pair[int', 'main.f]']
    // bpftrace checks that the target exists and is executable.
    const dir = await mkdtemp(join(tmpdir(), 'goprobe-escape-'))
    const path = join(dir, 'no such dir {x} //#,@$'.replaceAll('/', '_'), 'prog')
    await mkdir(dirname(path))
    await copyFile('/bin/true', path)
    await chmod(path, 0o755)
    const printed = printProgram(b.program([b.probe(symbols.map((s) => b.uprobeSymbol(path, s)), [b.printf('hit\n')])]), v017)
    const ast = await parsedAst(bt, printed).finally(() => rm(dir, { recursive: true, force: true }))
    // 0.17's dump shows each attach point as provider:target:function, then the body.
    expect(ast).toEqual([
      'Program',
      ...symbols.map((s) => ` uprobe:${path}:${s}`),
      '  call: printf :: type[none, ctx: 0]',
      '   string: hit\\n :: type[none, ctx: 0]',
    ])
  })
}, stockMember())
