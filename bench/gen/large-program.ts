// Writes the source of a large synthetic Go program: `packages` packages, each with
// `functionsPerPackage` functions and as many struct types. Its binary stands in for the
// big services goprobe is meant for: a pclntab, symbol table, DWARF and runtime type
// metadata the size of a real 100 MB binary, so that reading "only what is needed"
// is actually tested. It also links net/http and crypto/tls (behind a branch that never
// runs) so that the httpsnoop and tlssecrets probes find their functions.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface LargeProgramShape {
  readonly packages: number
  readonly functionsPerPackage: number
}

const pkgName = (p: number) => `p${String(p).padStart(4, '0')}`

/** The symbol the latency probe traces in the generated program (exists at every scale). */
export const LARGE_PROGRAM_SYMBOL = 'gen/p0000.F0'

/** One package: struct types T<i> that point at each other, and functions F<i> that walk them. */
function packageSource(p: number, n: number): string {
  const out: string[] = [`package ${pkgName(p)}`, '', 'import (', '\t"fmt"', '\t"strconv"', '\t"strings"', ')', '']
  for (let i = 0; i < n; i++) {
    const next = (i + 1) % n
    out.push(
      `type T${i} struct {`,
      '\tID    int64',
      '\tName  string',
      '\tTags  []string',
      `\tNext  *T${next}`,
      '\tScore float64',
      '\tFlags uint32',
      '\tMeta  map[string]int',
      `\tPad${i} [${(i % 5) + 1}]uint16`,
      '}',
      '',
      // Kept out of line so that every function keeps its symbol, pclntab entry and DWARF.
      '//go:noinline',
      `func F${i}(a *T${i}, s string, n int) (int, error) {`,
      '\ttotal := n + int(a.ID)',
      '\tfor j, t := range a.Tags {',
      '\t\ttotal += len(t) * (j + 1)',
      '\t}',
      '\tif a.Next != nil {',
      '\t\ttotal += int(a.Next.ID) + len(a.Next.Name)',
      '\t}',
      `\tswitch total % ${(i % 7) + 3} {`,
      '\tcase 0:',
      '\t\ts = strings.ToUpper(s) + strconv.Itoa(total)',
      '\tcase 1:',
      `\t\ts = fmt.Sprintf("%s-%d-%x-${p}-${i}", s, total, a.Flags)`,
      '\tcase 2:',
      '\t\ta.Meta[s] += total',
      '\tdefault:',
      '\t\ts = strings.Repeat(s, 2)',
      '\t}',
      `\tif len(s) > ${100 + i} {`,
      `\t\treturn total, fmt.Errorf("F${i}: %q too long (%d)", s, len(s))`,
      '\t}',
      '\treturn total + len(s), nil',
      '}',
      '',
    )
  }
  // Run makes every function reachable, so the linker keeps them all.
  out.push('func Run(n int) int {', '\tsum := 0')
  for (let i = 0; i < n; i++) {
    out.push(`\tif r, err := F${i}(&T${i}{ID: int64(n), Name: "t${i}", Tags: []string{"a", "b"}, Meta: map[string]int{}}, "x", n); err == nil {`, '\t\tsum += r', '\t}')
  }
  out.push('\treturn sum', '}', '')
  return out.join('\n')
}

function mainSource(packages: number): string {
  const imports = Array.from({ length: packages }, (_, p) => `\t"gen/${pkgName(p)}"`)
  const calls = Array.from({ length: packages }, (_, p) => `\tsum += ${pkgName(p)}.Run(len(os.Args))`)
  return [
    'package main', '', 'import (', '\t"crypto/tls"', '\t"fmt"', '\t"net/http"', '\t"os"', ...imports, ')', '',
    'func main() {',
    '\tsum := 0',
    ...calls,
    '\t// Never taken: it keeps the HTTP client and TLS key logging in the binary.',
    '\tif os.Getenv("GEN_NEVER_SET_HTTP") == "yes" {',
    '\t\tc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{KeyLogWriter: os.Stderr}}}',
    '\t\tif r, err := c.Get(os.Args[1]); err == nil {',
    '\t\t\tr.Body.Close()',
    '\t\t}',
    '\t}',
    '\tfmt.Println(sum)',
    '}', '',
  ].join('\n')
}

/** Writes the module into `dir` (go.mod, main.go, gen/pNNNN/p.go). */
export function writeLargeProgram(dir: string, shape: LargeProgramShape): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'go.mod'), 'module gen\n\ngo 1.19\n')
  writeFileSync(join(dir, 'main.go'), mainSource(shape.packages))
  for (let p = 0; p < shape.packages; p++) {
    const pdir = join(dir, pkgName(p))
    mkdirSync(pdir, { recursive: true })
    writeFileSync(join(pdir, 'p.go'), packageSource(p, shape.functionsPerPackage))
  }
}
