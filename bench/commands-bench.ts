// Section 3: goprobe's read-only commands on the large binaries next to Go's own tools doing
// comparable work (`go version -m` reads build info, `go tool nm` the symbol table).
import { runOnce } from './process-sample.ts'
import { median } from './stats.ts'
import type { BenchTarget } from './targets.ts'
import { join } from 'node:path'

export interface CommandRow { readonly what: string; readonly target: string; readonly ms: number; readonly rssMb: number; readonly vs?: { readonly what: string; readonly ratio: number } }

export function commandsBench(root: string, targets: readonly BenchTarget[], runs: number, log: (s: string) => void): CommandRow[] {
  const goprobe = (...args: string[]) => [join(root, 'bin', 'goprobe.js'), ...args]
  const rows: CommandRow[] = []
  for (const t of targets) {
    log(`commands: ${t.label}`)
    const pairs: [string, string[], string, string[] | undefined][] = [
      ['goprobe info', goprobe('info', t.path), 'go version -m', ['go', 'version', '-m', t.path]],
      // go tool nm needs a symbol table; goprobe reads the pclntab of stripped binaries too.
      ['goprobe symbols (all, disassembled)', goprobe('symbols', t.path, '--json'), 'go tool nm -size', t.path.includes('stripped') ? undefined : ['go', 'tool', 'nm', '-size', t.path]],
    ]
    for (const [what, argv, otherWhat, other] of pairs) {
      const mine: number[] = []
      const theirs: number[] = []
      const ratios: number[] = []
      let rss = 0
      let theirRss = 0
      for (let i = 0; i < runs; i++) {
        const a = runOnce(argv, { cwd: root })
        mine.push(a.ms)
        rss = Math.max(rss, a.rssMb)
        if (other) {
          const b = runOnce(other, { cwd: root })
          theirs.push(b.ms)
          theirRss = Math.max(theirRss, b.rssMb)
          ratios.push(a.ms / b.ms)
        }
      }
      if (other) rows.push({ what: otherWhat, target: t.label, ms: median(theirs), rssMb: theirRss })
      rows.push({ what, target: t.label, ms: median(mine), rssMb: rss, ...(other ? { vs: { what: otherWhat, ratio: median(ratios) } } : {}) })
    }
  }
  return rows
}
