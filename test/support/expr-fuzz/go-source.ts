/**
 * The Go program of the expression fuzz: one //go:noinline function per integer type, called
 * with every drawn (a, b, s); before each call, main writes what Go computes for every
 * expression to $GOPROBE_FIXTURE_LOG, one `<type> <call> <label>=<value>` line each.
 */
import { BINARY, constantOps, DIVISION, INT_TYPES, isSigned, SHIFTS, type ExprFuzz, type IntTypeName } from './model.ts'

export const functionName = (t: IntTypeName): string => `main.ops_${t}`

function logLines(t: IntTypeName): string[] {
  const line = (label: string, expr: string) => `\tfmt.Fprintf(out, "${t} %d ${label}=%d\\n", n, ${expr})`
  const bool = (label: string, expr: string) => `\tfmt.Fprintf(out, "${t} %d ${label}=%d\\n", n, b2i(${expr}))`
  const out: string[] = []
  for (const [label, op] of BINARY) out.push(['<', '<=', '>', '>=', '==', '!='].includes(op) ? bool(label, `a ${op} b`) : line(label, `a ${op} b`))
  out.push('\tif b != 0 {', ...DIVISION.map(([label, op]) => `\t${line(label, `a ${op} b`)}`), '\t}')
  for (const [label, op] of SHIFTS) out.push(line(label, `a ${op} s`))
  for (const [label, op, , c] of constantOps(t)) out.push(['<', '=='].includes(op) ? bool(label, `a ${op} ${c}`) : line(label, `a ${op} ${c < 0 ? `(${c})` : c}`))
  out.push(line('neg', '-a'))
  return out
}

export function goSource(f: ExprFuzz): string {
  const parts = [
    'package main', '', 'import (\n\t"bufio"\n\t"fmt"\n\t"os"\n)', '',
    'var out *bufio.Writer', '',
    'func b2i(v bool) int {\n\tif v {\n\t\treturn 1\n\t}\n\treturn 0\n}', '',
  ]
  for (const t of INT_TYPES) {
    parts.push(
      `// ops_${t} is what the probe reads its operands from; log_${t} is what Go computes from them.`,
      '//go:noinline',
      `func ops_${t}(n int, a, b ${t}, s uint8) ${t} {\n\treturn a + b\n}`, '',
      ...(isSigned(t) ? [`var sum_${t} int64`, ''] : []),
      `func log_${t}(n int, a, b ${t}, s uint8) {`, ...logLines(t), ...(isSigned(t) ? [`\tsum_${t} += int64(a)`] : []), '}', '',
    )
  }
  const calls = INT_TYPES.flatMap((t) => f.calls[t].map((c, i) =>
    `\tlog_${t}(${i}, ${t}(${c.a}), ${t}(${c.b}), ${c.s})\n\tops_${t}(${i}, ${t}(${c.a}), ${t}(${c.b}), ${c.s})`))
  // sum() of the signed operands, as int64 (bpftrace's sum is a signed 64-bit total for them).
  const sums = INT_TYPES.filter(isSigned).map((t) => `\tfmt.Fprintf(out, "sum ${t}=%d\\n", sum_${t})`)
  // Indexing: in range the element, out of range (negative, len, past it) the zero value.
  parts.push(
    '//go:noinline',
    'func elem(n int, xs []int16, i int) int16 {\n\tif i >= 0 && i < len(xs) {\n\t\treturn xs[i]\n\t}\n\treturn 0\n}', '',
  )
  const slice = '[]int16{-32768, -1, 0, 1, 32767, -300, 300}'
  const elems = [-1000, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1 << 30].map((i, n) =>
    `\tfmt.Fprintf(out, "elem ${n} v=%d\\n", elem(${n}, ${slice}, ${i}))`)
  parts.push(
    'func main() {',
    '\tf, err := os.Create(os.Getenv("GOPROBE_FIXTURE_LOG"))',
    '\tif err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}',
    '\tout = bufio.NewWriter(f)',
    ...calls,
    ...elems,
    ...sums,
    '\tif err := out.Flush(); err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}',
    '\tf.Close()',
    '}',
  )
  return parts.join('\n') + '\n'
}
