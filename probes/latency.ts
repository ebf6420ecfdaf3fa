// Latency histogram per function: from the entry (after the stack-check prologue) to
// every RET, matched per goroutine and stack depth so that recursion and concurrent
// calls pair up correctly. `print=true` also prints each call.
import { program, uprobe, nsecs, goroutineId, map, printf, v } from '../src/index.ts'
import { flag, oneOrMore } from '../stdlib/params.ts'

export default program(import.meta, {
  name: 'latency',
  description: 'latency histogram (ns) of the given functions, optionally every call',
  params: v.object({
    symbol: v.pipe(oneOrMore, v.description('the function to time; repeat for several')),
    print: v.pipe(flag(false), v.description('true: also print each call with its goroutine and duration')),
  }),
  examples: ['symbol=main.handle', 'symbol=net/http.(*conn).serve symbol=main.query print=true'],
}, (params) => {
  const latency = map('latency_ns')
  for (const fn of params.symbol) {
    uprobe(fn).onReturn(({ entry }) => {
      const took = nsecs().sub(entry.value(nsecs()))
      latency.at(fn).hist(took)
      if (params.print) printf('%s goroutine %d took %d ns\n', fn, goroutineId(), took)
    })
  }
})
