// Every panic: the goroutine and the panic value's dynamic type, then its message when
// the type carries one (strings, errors.New, fmt.Errorf with %w), then (stack=true, the
// default) the stack.
import { goroutineId, printf, program, ustack, v } from '../src/index.ts'
import { onPanic, withMessage } from '../stdlib/runtime.ts'
import { flag } from '../stdlib/params.ts'

export default program(import.meta, {
  name: 'panics',
  description: 'panics: goroutine, dynamic type and message of the value, and the stack',
  params: v.object({ stack: v.pipe(flag(true), v.description('false: leave out the stack (12 frames) printed after each panic')) }),
  examples: ['', 'stack=false'],
}, (params) => {
  onPanic((p) => {
    printf('panic goroutine %d: %s\n', goroutineId(), p.typeName)
    withMessage(p, (m) => printf('  message: %s\n', m))
    if (params.stack) printf('%s\n', ustack(12))
  })
})
