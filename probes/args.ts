// Every argument at entry and every result at return of the given functions, with their
// names and Go types, for quick debugging: strings as text, integers in decimal, pointers
// in hex, slices as len/cap, interfaces as their dynamic type, structs field by field one
// level deep (floats passed in XMM registers cannot be read and say so).
import { goroutineId, printArgs, printf, printResults, program, uprobe, v } from '../src/index.ts'
import { oneOrMore } from '../stdlib/params.ts'

export default program(import.meta, {
  name: 'args',
  description: 'arguments at entry and results at return of the given functions, with names and types',
  params: v.object({ symbol: oneOrMore }),
  examples: ['symbol=main.handle', 'symbol=main.parse symbol=main.(*Server).serve'],
}, (params) => {
  for (const fn of params.symbol) {
    uprobe(fn)
      .onEntry(() => {
        printf(`${fn} called on goroutine %d\n`, goroutineId())
        printArgs()
      })
      .onReturn(() => {
        printf(`${fn} returned on goroutine %d\n`, goroutineId())
        printResults()
      })
  }
})
