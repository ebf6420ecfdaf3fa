import { hex } from '../../binary/bytes.ts'
import type { LineRange } from '../../binary/line-table.ts'
import { UsageError } from '../../errors.ts'
import { Target } from '../../target.ts'
import { table, terminalWidth, writeJson } from '../output.ts'

/** `file.go:42` → file and line; `file.go` → the whole file. */
export function parseLineSpec(spec: string): { file: string; line?: number } {
  const m = /^(.+?):(\d+)$/.exec(spec)
  if (!m) {
    if (/:\S*$/.test(spec) && !spec.endsWith('.go')) throw new UsageError(`${JSON.stringify(spec)}: expected FILE or FILE:LINE with a positive line number`)
    return { file: spec }
  }
  const line = Number(m[2])
  if (!Number.isSafeInteger(line) || line <= 0) throw new UsageError(`${JSON.stringify(spec)}: line numbers start at 1`)
  return { file: m[1]!, line }
}

interface RangeRow {
  function: string
  start: string
  end: string
  /** Offset of the range's first instruction from the function's entry. */
  offset: number
  line: number
  inlined: boolean
  /** The function inlined there, when the inline tree names it (Go 1.18+). */
  inlinedFunction: string | null
}

const row = (r: LineRange): RangeRow => ({
  function: r.function.name, start: hex(r.start), end: hex(r.end), offset: r.start - r.function.entry, line: r.line, inlined: r.inlined,
  inlinedFunction: r.inlinedFunction ?? null,
})

/** Lines with code, compressed into runs: `12-14, 16, 20-22`. */
function lineRuns(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b)
  const out: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return out.join(', ')
}

/**
 * `goprobe lines <binary> <file>[:line]`: which functions and pcs a source file or line
 * compiles to, from the pclntab's line tables (stripped binaries have them too), and
 * where a line probe attaches: the places runs of the line begin (see lineEntries).
 */
export async function linesCommand(path: string, spec: string, json: boolean): Promise<number> {
  const { file: spelling, line } = parseLineSpec(spec)
  const target = Target.open(path)
  try {
    const lines = target.binary.lines
    const file = lines.resolveFile(spelling)
    if (line !== undefined) {
      const code = lines.lineCode(file, line)
      const rows = code.ranges.map(row)
      const sites = await target.lineSites(file, line)
      const probes = sites.map((s) => ({ function: s.function, address: hex(s.site.vaddr), offset: s.site.offset, inlinedFunction: s.inlinedFunction ?? null }))
      if (json) {
        writeJson({ file, line, ranges: rows, probes })
        return 0
      }
      const fns = new Set(rows.map((r) => r.function)).size
      const inlined = rows.filter((r) => r.inlined).length
      process.stdout.write(
        `${file}:${line}: ${rows.length} range(s) in ${fns} function(s)${inlined ? `, ${inlined} of them inlined code` : ''}; ` +
        `runs of the line begin at ${probes.length} place(s), where a line probe attaches: ${probes.map((p) => `${p.function}+${hex(p.offset)}`).join(', ')}\n`,
      )
      const probeIn = (r: RangeRow) => sites.find((s) => s.function === r.function && hex(s.rangeStart) === r.start)
      process.stdout.write(`${table([['FUNCTION', 'START', 'END', 'OFFSET', 'BYTES', 'PROBE', ''], ...rows.map((r) => [
        r.function, r.start, r.end, `+${hex(r.offset)}`, String(Number(r.end) - Number(r.start)),
        probeIn(r) ? hex(probeIn(r)!.site.vaddr) : '-',
        r.inlined ? `inlined${r.inlinedFunction ? ` ${r.inlinedFunction}` : ''}` : '',
      ])], { width: terminalWidth(), wrap: [6] })}\n`)
      return 0
    }
    const ranges = lines.rangesInFile(file)
    const byFunction = new Map<string, LineRange[]>()
    for (const r of ranges) byFunction.set(r.function.name, [...(byFunction.get(r.function.name) ?? []), r])
    if (json) {
      writeJson({ file, functions: [...byFunction].map(([name, rs]) => ({ name, lines: [...new Set(rs.map((r) => r.line))].sort((a, b) => a - b), ranges: rs.map(row) })) })
      return 0
    }
    process.stdout.write(`${file}: ${byFunction.size} function(s) with code from this file\n`)
    process.stdout.write(`${table([['FUNCTION', 'ENTRY', 'LINES WITH CODE', ''], ...[...byFunction].map(([name, rs]) => [
      name, hex(rs[0]!.function.entry), lineRuns(rs.map((r) => r.line)), rs.some((r) => r.inlined) ? 'has inlined code from this file' : '',
    ])], { width: terminalWidth(), wrap: [2, 3] })}\n`)
    return 0
  } finally {
    target.close()
  }
}
