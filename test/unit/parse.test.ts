/**
 * The type and signature parser: a table of forms users write, the errors they get,
 * and an oracle run over real Go source: every function declaration in net/http's
 * client, server, transport and request files and in the test fixtures is parsed from
 * its source text and compared with what go/ast (test/oracles/abi/funcsigs) says the
 * declaration holds.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UnknownNameError, UsageError } from '../../src/errors.ts'
import { structType } from '../../src/gotypes/layout.ts'
import { parseSignature, parseType, type TypeResolver } from '../../src/gotypes/parse.ts'
import type { GoType, Param, Signature } from '../../src/gotypes/types.ts'
import { toolchains } from '../support/fixtures.ts'
import { runGoOk } from '../oracles/abi/go-workspace.ts'

/** Resolves any name to an opaque named struct, so real source parses without its packages. */
const anyName: TypeResolver = (name) => structType(name, [])

/** Go syntax for a type, with the conventions the funcsigs oracle uses. */
function render(t: GoType): string {
  if (t.name !== undefined) return t.name
  switch (t.kind) {
    case 'pointer': return `*${render(t.elem)}`
    case 'slice': return `[]${render(t.elem)}`
    case 'array': return `[${t.len}]${render(t.elem)}`
    case 'map': return `map[${render(t.key)}]${render(t.elem)}`
    case 'chan': return `chan ${render(t.elem)}`
    case 'func': return `func(${types(t.signature!.params)})(${types(t.signature!.results)})`
    case 'interface': return t.empty ? 'interface{}' : 'interface{...}'
    case 'struct': return `struct{${t.fields.map((f) => (f.embedded ? `embedded ${render(f.type)}` : `${f.name} ${render(f.type)}`)).join('; ')}}`
    default: return t.kind
  }
}
const types = (ps: readonly Param[]) => ps.map((p) => render(p.type)).join(',')
const values = (ps: readonly Param[]) => ps.map((p) => ({ name: p.name ?? '', type: render(p.type) }))

describe('parseType', () => {
  const cases: [string, string, number, number][] = [
    // text, rendering, size, align
    ['int8', 'int8', 1, 1],
    ['uintptr', 'uintptr', 8, 8],
    ['byte', 'uint8', 1, 1],
    ['rune', 'int32', 4, 4],
    ['complex64', 'complex64', 8, 4],
    ['any', 'interface{}', 16, 8],
    ['error', 'error', 16, 8],
    ['unsafe.Pointer', 'unsafe.Pointer', 8, 8],
    ['*net/http.Request', '*net/http.Request', 8, 8],
    ['[]string', '[]string', 24, 8],
    ['[4]int16', '[4]int16', 8, 2],
    ['map[string][]*net/http.Cookie', 'map[string][]*net/http.Cookie', 8, 8],
    ['chan int', 'chan int', 8, 8],
    ['<-chan int', 'chan int', 8, 8],
    ['chan<- chan int', 'chan chan int', 8, 8],
    ['func(a int, b ...string) (int, error)', 'func(int,[]string)(int,error)', 8, 8],
    ['interface{}', 'interface{}', 16, 8],
    ['interface { M(); N(x int) string }', 'interface{...}', 16, 8],
    ['interface{ error }', 'interface{...}', 16, 8],
    ['interface{ any }', 'interface{}', 16, 8],
    ['struct { a int8; b string; net/http.Header; *U }', 'struct{a int8; b string; embedded net/http.Header; embedded *U}', 32, 8], // anyName makes Header a zero-size struct
    ['struct {\n  a, b int8 // two\n  c [3]complex64 `json:"c"`\n}', 'struct{a int8; b int8; c [3]complex64}', 28, 4],
    ['struct { main.a int8; main.b float32 }', 'struct{a int8; b float32}', 8, 4], // Go's spelling of unexported fields in type names
    ['main.Pair[int,string]', 'main.Pair[int,string]', 0, 1],
    ['main.Pair[ map[string]int , *main.T ]', 'main.Pair[map[string]int,*main.T]', 0, 1],
    ['struct { main.Pair[int,string]; x [2]int8 }', 'struct{embedded main.Pair[int,string]; x [2]int8}', 2, 1],
    ['(*int)', '*int', 8, 8],
  ]
  for (const [text, want, size, align] of cases) {
    it(`${JSON.stringify(text)} -> ${want}`, () => {
      const t = parseType(text, anyName)
      expect([render(t), t.size, t.align]).toEqual([want, size, align])
    })
  }

  it('names an embedded field after its type name, without package path or type arguments', () => {
    const t = parseType('struct { *net/http.Header; main.Pair[int,string]; gopkg.in/yaml.v3.Node }', anyName)
    expect(t.kind === 'struct' && t.fields.map((f) => [f.name, f.embedded])).toEqual([['Header', true], ['Pair', true], ['Node', true]])
  })

  it('passes the resolver the fully qualified name', () => {
    const asked: string[] = []
    parseType('map[net/http.Header]*main.Pair[int,main.T]', (n) => { asked.push(n); return anyName(n) })
    expect(asked).toEqual(['net/http.Header', 'main.Pair[int,main.T]'])
  })

  it('raises UnknownNameError for a name the resolver does not know', () => {
    expect(() => parseType('[]main.Nope', () => undefined)).toThrow(UnknownNameError)
    expect(() => parseType('[]main.Nope', () => undefined)).toThrow('unknown type "main.Nope"')
  })

  const errors: [string, string][] = [
    ['map[int', 'expected "]", found end of text at column 8'],
    ['[x]int', 'expected an array length (a number), found "x" at column 2'],
    ['struct { a int8 } x', 'expected end of text, found "x" at column 19'],
    ['*', 'expected a type, found end of text at column 2'],
    ['int $', 'unexpected character "$" at column 5'],
    ['interface{ int | string }', 'type constraints are not value types; expected a method or an embedded interface, found "int" at column 12'],
    ['main.Pair[int', 'unbalanced "[" in type arguments, found "[" at column 10'],
  ]
  for (const [text, message] of errors) {
    it(`rejects ${JSON.stringify(text)} with a UsageError naming the column`, () => {
      expect(() => parseType(text, anyName)).toThrow(UsageError)
      expect(() => parseType(text, anyName)).toThrow(message)
    })
  }
})

describe('parseSignature', () => {
  const summary = (s: Signature) => ({
    receiver: s.receiver === undefined ? undefined : values([s.receiver])[0],
    params: values(s.params),
    results: values(s.results),
    variadic: s.variadic,
  })

  it('parses a function type with named parameters and unnamed results', () => {
    const s = parseSignature('func(c *net/http.Client, req *net/http.Request) (*net/http.Response, error)', anyName)
    expect(summary(s)).toEqual({
      params: [{ name: 'c', type: '*net/http.Client' }, { name: 'req', type: '*net/http.Request' }],
      results: [{ name: '', type: '*net/http.Response' }, { name: '', type: 'error' }],
      variadic: false,
    })
    expect([s.complete, s.source]).toEqual([true, 'declared'])
  })

  it('parses a method declaration with receiver and named results', () => {
    const s = parseSignature('func (c *net/http.Client) do(req *net/http.Request) (retres *net/http.Response, reterr error)', anyName)
    expect(summary(s)).toEqual({
      receiver: { name: 'c', type: '*net/http.Client' },
      params: [{ name: 'req', type: '*net/http.Request' }],
      results: [{ name: 'retres', type: '*net/http.Response' }, { name: 'reterr', type: 'error' }],
      variadic: false,
    })
  })

  it('expands grouped names and turns a final ...T into a variadic slice', () => {
    const s = parseSignature('func F(a, b int, s string, rest ...[]byte) bool', anyName)
    expect(summary(s)).toEqual({
      params: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }, { name: 's', type: 'string' }, { name: 'rest', type: '[][]uint8' }],
      results: [{ name: '', type: 'bool' }],
      variadic: true,
    })
  })

  it('treats lone identifiers as types when no parameter is named', () => {
    expect(summary(parseSignature('func(int, string, ...error)', anyName))).toEqual({
      params: [{ name: '', type: 'int' }, { name: '', type: 'string' }, { name: '', type: '[]error' }],
      results: [],
      variadic: true,
    })
  })

  it('accepts an unnamed receiver, a trailing comma and an array-typed parameter', () => {
    expect(summary(parseSignature('func (*main.T) M(a [2]int, b []int,)', anyName))).toEqual({
      receiver: { name: '', type: '*main.T' },
      params: [{ name: 'a', type: '[2]int' }, { name: 'b', type: '[]int' }],
      results: [],
      variadic: false,
    })
  })

  const errors: [string, string][] = [
    ['func(a int, string)', 'mixed named and unnamed parameters at column 13'],
    ['func(a ...int, b int)', 'can only use ... with the final parameter at column 6'],
    ['func() (r ...int)', 'can only use ... with the final parameter at column 9'],
    ['func (a, b T) M()', 'a method has exactly one receiver, found "(" at column 6'],
    ['func(a int', 'expected ",", found end of text at column 11'],
    ['F(a int)', 'expected "func", found "F" at column 1'],
  ]
  for (const [text, message] of errors) {
    it(`rejects ${JSON.stringify(text)} with a UsageError naming the column`, () => {
      expect(() => parseSignature(text, anyName)).toThrow(UsageError)
      expect(() => parseSignature(text, anyName)).toThrow(message)
    })
  }
})

interface OracleDecl {
  file: string
  name: string
  start: number
  end: number
  generic: boolean
  receiver: { name: string; type: string }[]
  params: { name: string; type: string }[]
  results: { name: string; type: string }[]
  variadic: boolean
}

const FUNCSIGS_DIR = fileURLToPath(new URL('../oracles/abi/funcsigs/', import.meta.url))
const BASIC_FIXTURE = fileURLToPath(new URL('../fixtures/go/basic/', import.meta.url))

describe('parseSignature agrees with go/ast on real source', async () => {
  const tc = (await toolchains())[0]
  if (tc === undefined) {
    console.warn('signature oracle: no Go toolchain available')
    it.skip('NO GO TOOLCHAIN: signature oracle did not run', () => {})
    return
  }
  const goroot = (await runGoOk(tc, FUNCSIGS_DIR, ['env', 'GOROOT'])).trim()
  const files = ['client.go', 'server.go', 'transport.go', 'request.go'].map((f) => join(goroot, 'src', 'net', 'http', f))
  if (existsSync(BASIC_FIXTURE)) files.push(...readdirSync(BASIC_FIXTURE).filter((f) => f.endsWith('.go')).map((f) => join(BASIC_FIXTURE, f)))

  it(`${tc.id}: every non-generic func declaration in ${files.length} files`, async () => {
    const decls = JSON.parse(await runGoOk(tc, FUNCSIGS_DIR, ['run', '.', ...files])) as OracleDecl[]
    const mismatches: string[] = []
    let compared = 0
    let generic = 0
    for (const d of decls) {
      if (d.generic) { generic++; continue } // type parameter lists are not signature text goprobe accepts
      compared++
      const text = Buffer.from(readFileSync(d.file)).subarray(d.start, d.end).toString('utf8')
      try {
        const s = parseSignature(text, anyName)
        const ours = { receiver: s.receiver === undefined ? [] : values([s.receiver]), params: values(s.params), results: values(s.results), variadic: s.variadic }
        const theirs = { receiver: d.receiver, params: d.params, results: d.results, variadic: d.variadic }
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${d.name}: goprobe ${JSON.stringify(ours)}\n  go/ast ${JSON.stringify(theirs)}`)
      } catch (err) {
        mismatches.push(`${d.name}: ${(err as Error).message}`)
      }
    }
    console.log(`signature oracle ${tc.id}: ${compared - mismatches.length}/${compared} declarations agree (${generic} generic declarations not compared) in ${files.map((f) => f.split('/').pop()).join(', ')}`)
    expect(compared).toBeGreaterThan(300)
    expect(mismatches).toEqual([])
  })
})
