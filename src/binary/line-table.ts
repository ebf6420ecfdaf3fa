import { UnknownNameError, UsageError } from '../errors.ts'
import { suggest } from '../util/suggest.ts'
import type { Pclntab, PclntabFunction, PcValueRun } from './pclntab.ts'

/**
 * Source positions from the pclntab, which stripped binaries keep: for every pc, the file
 * and line it was compiled from. Code inlined into a function carries the inlined
 * function's own positions (the compiler records the innermost position), so a line of
 * an inlined function is found inside each caller it was inlined into.
 */

/** A source line without code in this binary (blank, a comment, a declaration, or removed by the compiler). */
export class NoCodeError extends UsageError {
  override name = 'NoCodeError'
}

/** A run of instructions [start, end) compiled from one source line. */
export interface LineRange {
  readonly start: number
  readonly end: number
  readonly file: string
  readonly line: number
  /** The function whose code this is (for inlined code: the caller it was inlined into). */
  readonly function: PclntabFunction
  /** Inlined code: `function` is the caller, the line belongs to a function inlined into it. */
  readonly inlined: boolean
  /** Which inlined call of `function` this is (PCDATA_InlTreeIndex), -1 for its own code: one run of the line is within one. */
  readonly inlineIndex: number
  /** The inlined function, when the binary's inline tree can be read (Go 1.18+). */
  readonly inlinedFunction?: string
}

/** Reads the name of entry `index` of the inline tree at `tree` (an offset from moduledata.gofunc). */
export type InlineNameReader = (tree: number, index: number) => string | undefined

/** The code of one source line: its ranges in pc order. */
export interface LineCode {
  readonly file: string
  readonly line: number
  readonly ranges: readonly LineRange[]
}

export class LineTable {
  /** Per function index: its ranges, decoded on first use. */
  private readonly decoded = new Map<number, readonly LineRange[]>()
  private byFile?: Map<string, PclntabFunction[]>

  constructor(
    private readonly pclntab: Pclntab,
    private readonly functions: readonly PclntabFunction[],
    private readonly inlineName?: InlineNameReader,
  ) {}

  /** The function's code as line ranges in pc order; adjacent pcs of one line (and one inlined call) are one range. */
  rangesOf(fn: PclntabFunction): readonly LineRange[] {
    const cached = this.decoded.get(fn.index)
    if (cached) return cached
    const t = this.pclntab.positionTables(fn.index)
    const files = this.pclntab.pcValues(t.pcfile, t.entry)
    const lines = this.pclntab.pcValues(t.pcln, t.entry)
    const inline = t.inlineIndex ? this.pclntab.pcValues(t.inlineIndex, t.entry) : [{ start: t.entry, end: fn.end, value: -1 }]
    const out: LineRange[] = []
    let last: LineRange | undefined
    for (const seg of intersect([files, lines, inline], t.entry, fn.end)) {
      const [fileno, line, inlineIndex] = seg.values as [number, number, number]
      const file = this.pclntab.fileName(t.cuOffset, fileno)
      if (file === undefined || line <= 0) {
        last = undefined
        continue
      }
      if (last && last.end === seg.start && last.file === file && last.line === line && last.inlineIndex === inlineIndex) {
        last = { ...last, end: seg.end }
        out[out.length - 1] = last
        continue
      }
      const inlinedFunction = inlineIndex >= 0 && t.inlineTree !== undefined ? this.inlineName?.(t.inlineTree, inlineIndex) : undefined
      const range: LineRange = { start: seg.start, end: seg.end, file, line, function: fn, inlined: inlineIndex >= 0, inlineIndex, ...(inlinedFunction ? { inlinedFunction } : {}) }
      out.push(range)
      last = range
    }
    this.decoded.set(fn.index, out)
    return out
  }

  /** The source file names the functions' code comes from, sorted. */
  files(): string[] {
    return [...this.functionsByFile().keys()].sort()
  }

  /**
   * The one file a user's spelling names: the full path, or a tail of it on a `/` boundary
   * (`branches.go`, `cmd/app/branches.go`). Several matches or none raise a UsageError
   * that lists them or the nearest names.
   */
  resolveFile(spelling: string): string {
    const byFile = this.functionsByFile()
    if (byFile.has(spelling)) return spelling
    const tail = spelling.replace(/^\/+/, '')
    const hits = [...byFile.keys()].filter((f) => f.endsWith(`/${tail}`) || f === tail)
    if (hits.length === 1) return hits[0]!
    if (hits.length > 1) {
      throw new UsageError(`${JSON.stringify(spelling)} matches ${hits.length} source files; give more of the path:\n${hits.sort().map((h) => `  ${h}`).join('\n')}`)
    }
    // Compare names without `.go`: suggest() weighs the part after the last dot most.
    const stem = (f: string) => f.slice(f.lastIndexOf('/') + 1).replace(/\.go$/, '')
    const files = [...byFile.keys()].sort()
    const sameBase = files.filter((f) => stem(f) === stem(tail))
    const close = suggest(stem(tail), new Set(files.map(stem)))
    const candidates = sameBase.length ? sameBase : files.filter((f) => close.includes(stem(f)))
    throw new UnknownNameError('source file', spelling, candidates.slice(0, 8))
  }

  /** Every range compiled from `file` (a resolved name), in pc order. */
  rangesInFile(file: string): LineRange[] {
    const fns = this.functionsByFile().get(file) ?? []
    return fns.flatMap((fn) => this.rangesOf(fn).filter((r) => r.file === file)).sort((a, b) => a.start - b.start)
  }

  /**
   * The code of `file:line`. A line without code (blank, a comment, a declaration, or
   * optimized away) raises a UsageError naming the nearest lines above and below that have code.
   */
  lineCode(file: string, line: number): LineCode {
    const inFile = this.rangesInFile(file)
    const ranges = inFile.filter((r) => r.line === line)
    if (ranges.length) return { file, line, ranges }
    const lines = [...new Set(inFile.map((r) => r.line))].sort((a, b) => a - b)
    const below = lines.filter((l) => l < line).at(-1)
    const above = lines.find((l) => l > line)
    const near = [below, above].filter((l): l is number => l !== undefined).map((l) => `${l} (${describeFunctions(inFile.filter((r) => r.line === l))})`)
    throw new NoCodeError(
      `${file}:${line} has no code in this binary (a blank line, a comment, a declaration, or code the compiler removed)` +
      (near.length ? `; the nearest lines with code: ${near.join(', ')}` : ''),
    )
  }

  /** Functions with any code from each file: found from the pcfile tables alone, which are cheap to walk. */
  private functionsByFile(): Map<string, PclntabFunction[]> {
    if (this.byFile) return this.byFile
    const byFile = new Map<string, PclntabFunction[]>()
    for (const fn of this.functions) {
      const t = this.pclntab.positionTables(fn.index)
      const seen = new Set<number>()
      for (const run of this.pclntab.pcValues(t.pcfile, t.entry)) {
        if (seen.has(run.value)) continue
        seen.add(run.value)
        const file = this.pclntab.fileName(t.cuOffset, run.value)
        if (file === undefined) continue
        const list = byFile.get(file)
        if (list) list.push(fn)
        else byFile.set(file, [fn])
      }
    }
    return (this.byFile = byFile)
  }
}

function describeFunctions(ranges: readonly LineRange[]): string {
  return [...new Set(ranges.map((r) => r.function.name))].join(', ')
}

/**
 * Walk several pc-value tables of one function together: the segments of [start, end)
 * over which every table keeps one value. A table that ends early ends the walk.
 */
function* intersect(tables: readonly (readonly PcValueRun[])[], start: number, end: number): Generator<{ start: number; end: number; values: number[] }> {
  const at = tables.map(() => 0)
  let pc = start
  while (pc < end) {
    const values: number[] = []
    let next = end
    for (let i = 0; i < tables.length; i++) {
      const runs = tables[i]!
      while (at[i]! < runs.length && runs[at[i]!]!.end <= pc) at[i]!++
      const run = runs[at[i]!]
      if (!run || run.start > pc) return
      values.push(run.value)
      next = Math.min(next, run.end)
    }
    yield { start: pc, end: next, values }
    pc = next
  }
}
