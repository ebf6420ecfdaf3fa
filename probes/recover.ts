// Every recover() that stopped a panic: the goroutine and the recovered value's dynamic
// type, then its message when the type carries one.
import { goroutineId, printf, program } from '../src/index.ts'
import { onRecover, withMessage } from '../stdlib/runtime.ts'

export default program(import.meta, {
  name: 'recover',
  description: 'recovered panics: goroutine, dynamic type and message of the recovered value',
}, () => {
  onRecover((p) => {
    printf('recover goroutine %d: %s\n', goroutineId(), p.typeName)
    withMessage(p, (m) => printf('  message: %s\n', m))
  })
})
