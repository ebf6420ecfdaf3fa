// Random bytes handed out by crypto/rand, printed as hex (`max` bytes at most per read).
import { program, printf, v } from '../src/index.ts'
import { onRandomRead } from '../stdlib/rand.ts'

export default program(import.meta, {
  name: 'random',
  description: 'bytes read from crypto/rand, as hex',
  params: v.object({
    max: v.pipe(v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1), v.maxValue(64)), '64'), v.description('bytes printed per read at most, 1 to 64 (the size printed is always the whole read)')),
  }),
  examples: ['', 'max=16'],
}, (params) => {
  onRandomRead(params.max, (r) => printf('random %d bytes: %rh\n', r.size, r.bytes))
})
