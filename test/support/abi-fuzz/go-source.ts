/**
 * The Go program of the ABI fuzz: every drawn function (//go:noinline), and a main that calls
 * each one with its drawn values and writes what every argument and result was to
 * $GOPROBE_FIXTURE_LOG, in the line format of leaves.ts.
 */
import { goType, structLiteralType, type FuzzFunction } from './model.ts'
import { printNodes, type PrintNode, type Step } from './leaves.ts'
import { paramList, resultList, type FuzzProgram } from './signatures.ts'

const HELPERS = `
var out *bufio.Writer

// tick counts calls; its parity picks each function's return path.
var tick int

func lgI(label string, v int64)  { fmt.Fprintf(out, "%s=%d\\n", label, v) }
func lgU(label string, v uint64) { fmt.Fprintf(out, "%s=%d\\n", label, v) }
func lgNil(label string)         { fmt.Fprintf(out, "%s=nil\\n", label) }

func lgB(label string, v bool) {
	if v {
		lgU(label, 1)
	} else {
		lgU(label, 0)
	}
}

// lgS writes bytes as bpftrace's %rx does: \\xNN each.
func lgS(label string, s string) {
	out.WriteString(label + "=[")
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(out, "\\\\x%02x", s[i])
	}
	out.WriteString("]\\n")
}
`

const MAIN = `
func main() {
	f, err := os.Create(os.Getenv("GOPROBE_FIXTURE_LOG"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out = bufio.NewWriter(f)
	for _, call := range calls {
		call()
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
}
`

export function goSource(p: FuzzProgram): string {
  const parts = ['package main', '', 'import (\n\t"bufio"\n\t"errors"\n\t"fmt"\n\t"os"\n)', '', 'var _ = errors.New', HELPERS]
  for (const s of p.structs) {
    parts.push(`type ${s.name} ${structLiteralType(s.fields)}`, '', `func (n ${s.name}) M() int { return ${s.fields.length} }`, '')
  }
  for (const f of p.functions) parts.push(declaration(f), '', caller(f), '')
  parts.push(`var calls = []func(){\n${p.functions.map((f) => `\tcall${f.ident},\n`).join('')}}`, MAIN)
  return parts.join('\n')
}

function declaration(f: FuzzFunction): string {
  const recv = f.receiver ? `(recv ${f.receiver.pointer ? '*' : ''}${f.receiver.struct.name}) ` : ''
  const typeParams = f.typeArg ? '[T any]' : ''
  const results = resultList(f, 'source')
  const ret = (lits: readonly string[]) => (lits.length ? `return ${lits.join(', ')}` : 'return')
  return [
    '//go:noinline',
    `func ${recv}${f.ident}${typeParams}(${paramList(f, 'source')}) ${results} {`,
    '\tif tick%2 == 0 {',
    `\t\t${ret(f.returns[0])}`,
    '\t}',
    `\t${ret(f.returns[1])}`,
    '}',
  ].join('\n')
}

/** callF3() runs every call of F3 and logs its arguments and results. */
function caller(f: FuzzFunction): string {
  const lines = [`func call${f.ident}() {`]
  for (const call of f.calls) {
    lines.push('\t{', '\t\ttick++')
    if (f.receiver && call.receiver) lines.push(`\t\tvar recv ${f.receiver.pointer ? '*' : ''}${f.receiver.struct.name} = ${call.receiver}`)
    f.params.forEach((p, k) => lines.push(`\t\tvar ${p.name} ${goType(p.type)} = ${call.args[k]}`))
    const args = f.params.map((p, k) => (f.variadic && k === f.params.length - 1 ? `${p.name}...` : p.name)).join(', ')
    const callee = `${f.receiver ? 'recv.' : ''}${f.ident}${f.typeArg ? `[${goType(f.typeArg)}]` : ''}`
    const results = f.results.map((r) => r.name)
    lines.push(`\t\t${results.length ? `${results.join(', ')} := ` : ''}${callee}(${args})`)
    for (const v of [...(f.receiver ? ['recv'] : []), ...f.params.map((p) => p.name), ...results]) lines.push(`\t\t_ = ${v}`)
    const log = (root: string, nodes: PrintNode[]) => lines.push(...goPrint(nodes, root, `${f.ident} ${root}`, '\t\t'))
    if (f.receiver) log('recv', printNodes({ kind: f.receiver.pointer ? 'pointer' : 'named', struct: f.receiver.struct }))
    for (const p of f.params) log(p.name, printNodes(p.type))
    for (const r of f.results) log(r.name, printNodes(r.type))
    lines.push('\t}')
  }
  lines.push('}')
  return lines.join('\n')
}

const goPath = (root: string, path: readonly Step[]) => root + path.map((s) => s.go).join('')
const labelOf = (prefix: string, path: readonly Step[]) => JSON.stringify(prefix + path.map((s) => s.label).join(''))

function goPrint(nodes: readonly PrintNode[], root: string, prefix: string, indent: string): string[] {
  return nodes.flatMap((n): string[] => {
    const expr = goPath(root, n.path)
    const label = labelOf(prefix, n.path)
    switch (n.kind) {
      case 'value':
        switch (n.format) {
          case 'signed': return [`${indent}lgI(${label}, int64(${expr}))`]
          case 'unsigned': return [`${indent}lgU(${label}, uint64(${expr}))`]
          case 'bool': return [`${indent}lgB(${label}, ${expr})`]
          case 'bytes': return [`${indent}lgS(${label}, string(${expr}))`]
        }
        break
      case 'len': return [`${indent}lgI(${JSON.stringify(JSON.parse(label) + '.len')}, int64(len(${expr})))`]
      case 'element': return [`${indent}if len(${expr}) > ${n.index} {`, ...goPrint(n.body, root, prefix, indent + '\t'), `${indent}}`]
      case 'nilOr': return [
        `${indent}if ${expr} == nil {`, `${indent}\tlgNil(${label})`, `${indent}} else {`,
        ...goPrint(n.body, root, prefix, indent + '\t'), `${indent}}`,
      ]
    }
    return []
  })
}
