// The probe `npm start` runs on the demo: every handleOrder call with its arguments,
// results, goroutine and latency, and a latency histogram at the end.
import { program, uprobe, arg, result, goString, printf, goroutineId, nsecs, map } from '../../src/index.ts'

export default program(import.meta, {
  name: 'orders',
  description: 'calls of main.handleOrder in the demo: arguments, results, latency',
}, () => {
  const latency = map('latency_ns')
  uprobe('main.handleOrder')
    .onEntry(() => {
      printf('goroutine %d: handleOrder(customer=%s, qty=%d)\n', goroutineId(), goString(arg('customer')), arg('qty'))
    })
    .onReturn(({ entry }) => {
      const took = nsecs().sub(entry.value(nsecs()))
      printf('goroutine %d: handleOrder(%s) -> total=%d failed=%d in %d ns\n',
        goroutineId(), goString(entry.arg('customer')), result('total'), result('err').isNil().not(), took)
      latency.at().hist(took)
    })
})
