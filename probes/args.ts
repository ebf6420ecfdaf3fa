// Every argument at entry and every result at return of the given functions, with their
// names and Go types, for quick debugging: strings as text, integers in decimal, pointers
// in hex, slices as len/cap, interfaces as their dynamic type, structs field by field one
// level deep (floats passed in XMM registers cannot be read and say so). A binary without
// DWARF (stripped) needs each function's signature, given as Go source with signature=.
import { goroutineId, printArgs, printf, printResults, program, uprobe, UsageError, v } from '../src/index.ts'
import { oneOrMore } from '../stdlib/params.ts'

/** The i-th signature= belongs to the i-th symbol=. */
function signaturesFor(symbols: readonly string[], signatures: readonly string[] | undefined): (string | undefined)[] {
  if (signatures === undefined) return symbols.map(() => undefined)
  if (signatures.length !== symbols.length) {
    throw new UsageError(`args: ${symbols.length} symbol= but ${signatures.length} signature=; give one signature= per symbol=, in the same order`)
  }
  return [...signatures]
}

export default program(import.meta, {
  name: 'args',
  description: 'arguments at entry and results at return of the given functions, with names and types',
  params: v.object({
    symbol: v.pipe(oneOrMore, v.description('a function whose arguments and results to print; repeat for several')),
    signature: v.optional(v.pipe(oneOrMore, v.description("the function's Go signature, for binaries without DWARF: 'func(a, b string) string' (one per symbol=, in order)"))),
  }),
  examples: ['symbol=main.handle', 'symbol=main.parse symbol=main.(*Server).serve', "symbol=main.Concat 'signature=func(a, b string) string'"],
}, (params) => {
  const signatures = signaturesFor(params.symbol, params.signature)
  params.symbol.forEach((fn, i) => {
    const signature = signatures[i]
    uprobe(fn, signature === undefined ? {} : { signatures: { [fn]: signature } })
      .onEntry(() => {
        printf(`${fn} called on goroutine %d\n`, goroutineId())
        printArgs()
      })
      .onReturn(() => {
        printf(`${fn} returned on goroutine %d\n`, goroutineId())
        printResults()
      })
  })
})
