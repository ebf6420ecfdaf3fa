// Print debugging without a rebuild: each time the code of a source line runs, print the
// line, the goroutine and the function its code is in (optionally the stack), and count
// the hits per line, printed at exit. `goprobe lines <binary> <file.go>` lists the lines
// that have code and where.
import { goroutineId, line, map, printf, probedFunction, program, UsageError, ustack, v, type LineOptions } from '../src/index.ts'
import { flag, oneOrMore } from '../stdlib/params.ts'

/** `line=main.go:42`, or `line=42` with `file=main.go`. */
function positions(file: string | undefined, lines: readonly string[]): string[] {
  return lines.map((l) => {
    if (/^\d+$/.test(l)) {
      if (file === undefined) throw new UsageError(`line=${l} needs file=... (or write line=FILE.go:${l})`)
      return `${file}:${l}`
    }
    return l
  })
}

export default program(import.meta, {
  name: 'trace-lines',
  description: 'print each run of the given source lines with its goroutine, and count them',
  params: v.object({
    line: v.pipe(oneOrMore, v.description('a source line, FILE.go:LINE, or a bare LINE with file=; repeat for several')),
    file: v.optional(v.pipe(v.string(), v.minLength(1), v.description('the source file (a path or its tail) of the line= values given as bare numbers'))),
    function: v.optional(v.pipe(v.string(), v.minLength(1), v.description('only the line\'s code in this function (an inlined line has code in several)'))),
    stack: v.pipe(flag(false), v.description('true: also print the user stack at each hit')),
    quiet: v.pipe(flag(false), v.description('true: print nothing per hit, only the counts per line at exit')),
  }),
  examples: ['line=handler.go:42', 'file=main.go line=31 line=36 stack=true', 'line=server.go:120 function=main.(*server).handle quiet=true'],
}, (params) => {
  const hits = map('hits')
  const options: LineOptions = params.function === undefined ? {} : { function: params.function }
  for (const at of positions(params.file, params.line)) {
    line(at, options).onHit(() => {
      hits.at(at).count()
      if (params.quiet) return
      printf('%s goroutine %d in %s\n', at, goroutineId(), probedFunction())
      if (params.stack) printf('%s\n', ustack())
    })
  }
})
