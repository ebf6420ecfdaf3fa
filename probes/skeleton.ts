// A starting point for a custom probe: empty entry and return probes for each function,
// with the comments goprobe resolved (where each probe attaches, and why). Print it,
// then fill in the bodies by hand or copy the comments into a probe module.
import { program, uprobe, v } from '../src/index.ts'
import { oneOrMore } from '../stdlib/params.ts'

export default program(import.meta, {
  name: 'skeleton',
  description: 'empty entry and return probes for the given functions, with their resolved comments',
  params: v.object({ symbol: v.pipe(oneOrMore, v.description('a function to give empty entry and return probes; repeat for several')) }),
  examples: ['symbol=main.handle symbol=net/http.(*Client).do'],
}, (params) => {
  for (const fn of params.symbol) {
    uprobe(fn)
      .onEntry(() => {})
      .onReturn(() => {})
  }
})
