// tcpremote: TCP connections a Go program dials and accepts, with the remote address. A
// program that only dials (or only listens) has no code for the other side: that part is left
// out with a note.
import { program, v, when } from '../src/index.ts'
import { printfWithAddress, tcpAccepts, tcpDials, type TcpAddress } from '../stdlib/net.ts'

export default program(import.meta, {
  name: 'tcpremote',
  description: 'TCP connections dialed (with result and latency) and accepted by a Go program, with remote addresses as Go prints them',
  params: v.object({
    port: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'must be a port number'), v.transform(Number), v.description('only connections whose remote port is this'))),
  }),
  examples: ['./server', './client port=443 --run -c ./client'],
}, ({ port }) => {
  const ifPortMatches = (remote: TcpAddress, fn: () => void) => (port === undefined ? fn() : when(remote.port.eq(port), fn))
  tcpDials((d) => ifPortMatches(d.remote, () => {
    when(d.failed, () => printfWithAddress('connect %A error %d us\n', d.remote, d.latencyNs.div(1000)))
      .otherwise(() => printfWithAddress('connect %A ok %d us\n', d.remote, d.latencyNs.div(1000)))
  }), { optional: true })
  tcpAccepts((a) => ifPortMatches(a.remote, () => printfWithAddress('accept %A\n', a.remote)), { optional: true })
})
