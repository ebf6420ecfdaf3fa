// tlssecrets: the TLS session secrets of a Go program, as an SSLKEYLOGFILE for Wireshark.
import { program, v, when } from '../src/index.ts'
import { printKeyLogLine, tlsSecrets } from '../stdlib/tls.ts'

export default program(import.meta, {
  name: 'tlssecrets',
  description: 'TLS secrets of crypto/tls handshakes (client and server side) in SSLKEYLOGFILE format, KeyLogWriter or not',
  params: v.object({
    label: v.optional(v.pipe(v.string(), v.description('only secrets with this NSS label, e.g. CLIENT_RANDOM or CLIENT_TRAFFIC_SECRET_0'))),
  }),
  examples: ['./server --run -c ./server > keys.log', './client label=CLIENT_RANDOM'],
}, ({ label }) => {
  tlsSecrets((s) => {
    if (label === undefined) printKeyLogLine(s)
    else when(s.label.eq(label), () => printKeyLogLine(s))
  })
})
