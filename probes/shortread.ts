// File reads that returned fewer bytes than asked for ((*os.File).Read with n < len(b)),
// with the file name; `all=true` prints every read.
import { program, printf, when, v } from '../src/index.ts'
import { onFileRead } from '../stdlib/os.ts'
import { flag } from '../stdlib/params.ts'

export default program(import.meta, {
  name: 'shortread',
  description: 'short reads of os.File (n < len(b)): file, requested and returned bytes',
  params: v.object({ all: v.pipe(flag(false), v.description('true: print every read, not only the short ones')) }),
  examples: ['', 'all=true'],
}, (params) => {
  onFileRead((r) => {
    const show = () => printf('read %s requested %d got %d err %d\n', r.name, r.requested, r.n, r.failed)
    if (params.all) show()
    else when(r.n.lt(r.requested), show)
  })
})
