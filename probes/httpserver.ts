// httpserver: one line per HTTP request a Go net/http server handles.
import { goString, printf, program, v, when } from '../src/index.ts'
import { httpServerRequests } from '../stdlib/http.ts'

export default program(import.meta, {
  name: 'httpserver',
  description: 'HTTP requests served by net/http: method, path, client address, status, handler latency',
  params: v.object({
    path: v.optional(v.pipe(v.string(), v.description('only requests for exactly this URL path'))),
  }),
  examples: ['./server', './server path=/healthz --run -c ./server'],
}, ({ path }) => {
  httpServerRequests((r) => {
    const line = () => printf('%s %s %s %d %d us\n', goString(r.method), goString(r.path), goString(r.remoteAddr), r.status, r.latencyNs.div(1000))
    if (path === undefined) line()
    else when(r.path.eq(path), line)
  })
})
