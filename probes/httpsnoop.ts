// httpsnoop: one line per HTTP request a Go program makes with net/http.
import { goString, printf, program, v, when } from '../src/index.ts'
import { httpClientRequests } from '../stdlib/http.ts'

export default program(import.meta, {
  name: 'httpsnoop',
  description: 'HTTP client requests made with net/http: method, URL, status (or error), latency',
  params: v.object({
    host: v.optional(v.pipe(v.string(), v.description('only requests whose URL host is exactly this, port included when the URL has one (example.com, 127.0.0.1:8080)'))),
  }),
  examples: ['./server', './server host=example.com:443 --run -c ./server'],
}, ({ host }) => {
  httpClientRequests((r) => {
    const url = [goString(r.method), goString(r.scheme), goString(r.host), goString(r.path)] as const
    const line = () => when(r.failed, () => {
      printf('%s %s://%s%s error %d us\n', ...url, r.latencyNs.div(1000))
    }).otherwise(() => {
      printf('%s %s://%s%s %d %d us\n', ...url, r.status, r.latencyNs.div(1000))
    })
    if (host === undefined) line()
    else when(r.host.eq(host), line)
  })
})
