import type { TypeDeclaration } from './declaration.ts'

/**
 * net/http Request (request.go) and Response (response.go). 1.22 added the routing
 * fields pat, matches and otherValues to Request, 1.23 the exported Pattern.
 */
const REQUEST_HEAD = 'Method string; URL *net/url.URL; Proto string; ProtoMajor int; ProtoMinor int; Header net/http.Header; Body io.ReadCloser; GetBody func() (io.ReadCloser, error); ContentLength int64; TransferEncoding []string; Close bool; Host string; Form net/url.Values; PostForm net/url.Values; MultipartForm unsafe.Pointer; Trailer net/http.Header; RemoteAddr string; RequestURI string; TLS unsafe.Pointer; Cancel <-chan struct{}; Response *net/http.Response'
const ROUTING = 'pat unsafe.Pointer; matches []string; otherValues map[string]string'

export const netHttpDeclarations: readonly TypeDeclaration[] = [
  { name: 'net/http.Header', go: [19, 27], text: 'map[string][]string' },
  { name: 'net/http.Request', go: [19, 21], text: `struct { ${REQUEST_HEAD}; ctx context.Context }` },
  { name: 'net/http.Request', go: [22, 22], text: `struct { ${REQUEST_HEAD}; ctx context.Context; ${ROUTING} }` },
  { name: 'net/http.Request', go: [23, 27], text: `struct { ${REQUEST_HEAD}; Pattern string; ctx context.Context; ${ROUTING} }` },
  {
    name: 'net/http.Response', go: [19, 27],
    text: 'struct { Status string; StatusCode int; Proto string; ProtoMajor int; ProtoMinor int; Header net/http.Header; Body io.ReadCloser; ContentLength int64; TransferEncoding []string; Close bool; Uncompressed bool; Trailer net/http.Header; Request *net/http.Request; TLS unsafe.Pointer }',
  },
]
