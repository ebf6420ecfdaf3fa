// Goroutine creation events: parent -> child, the `go` statement's function and the
// function the child runs. `stack=true` adds the creating thread's user stack.
import { program, printf, usym, ustack, v } from '../src/index.ts'
import { onGoroutineCreated } from '../stdlib/goroutine.ts'

export default program(import.meta, {
  name: 'goroutine',
  description: 'goroutine creation: parent and child goroutine ids, creation site and start function',
  params: v.object({
    stack: v.pipe(v.optional(v.picklist(['true', 'false']), 'false'), v.description('true: also print the creating thread\'s user stack (16 frames)')),
  }),
  examples: ['stack=true'],
}, (params) => {
  onGoroutineCreated((g) => {
    printf('goroutine %d -> %d created at %s runs %s\n', g.parent, g.child, usym(g.creationPC), usym(g.startPC))
    if (params.stack === 'true') printf('%s\n', ustack(16))
  })
})
