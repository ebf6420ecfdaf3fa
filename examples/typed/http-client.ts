// A typed probe: `typedUprobe<Functions>()` with the declarations goprobe generated for the
// standard library (stdlib/gotypes/std.ts), so function names, argument names, fields and
// helper arguments are checked by TypeScript as you type. Every Client.Do with its result.
import { nsecs, printf, program, typedUprobe, goString } from '../../src/index.ts'
import type { Functions } from '../../stdlib/gotypes/std.ts'

const uprobe = typedUprobe<Functions>()

export default program(import.meta, {
  name: 'http-client-typed',
  description: 'HTTP client requests (net/http.Client.Do): method, URL, status, latency',
}, () => {
  uprobe('net/http.(*Client).do').onReturn(({ entry, result }) => {
    const url = entry.arg('req').field('URL')
    // A failed request returns a nil *Response: its StatusCode reads as 0.
    printf('%s %s://%s%s -> %d failed=%d %d ns\n',
      goString(entry.arg('req').field('Method')), goString(url.field('Scheme')), goString(url.field('Host')), goString(url.field('Path')),
      result('retres').field('StatusCode'), result('reterr').isNil().not(), nsecs().sub(entry.value(nsecs())))
  })
})
