/**
 * HTTP requests made and served by Go's net/http, as Expr fields for user probes.
 *
 * Client side: `net/http.(*Client).do` runs once per `Client.Do`/`Get`/`Post` call
 * (redirects included): the request at entry, the response or error at its returns.
 * Server side: `net/http.serverHandler.ServeHTTP` wraps the user's handler for each
 * request; when it returns the handler is done, and the `*net/http.response` behind
 * the ResponseWriter holds the status it wrote.
 */
import { Expr, nsecs, typedUprobe, type GoInt, type GoPtr, type GoString, type Uprobe } from '../src/index.ts'
import type { Functions, net_http } from './gotypes/std.ts'

// Probes typed with the standard library's declarations (stdlib/gotypes/std.ts): a
// misspelled field or parameter here is a TypeScript error, not a surprise at compile time.
const uprobe = typedUprobe<Functions>()

/** One `Client.Do` as seen when it returns. Strings are Go strings: pass them to `%s`. */
export interface ClientRequest {
  readonly method: Expr<GoString>
  /** `http`, `https`. */
  readonly scheme: Expr<GoString>
  /** host[:port] as in the URL, IPv6 literals in brackets (`[::1]:8080`). */
  readonly host: Expr<GoString>
  readonly path: Expr<GoString>
  /** The response status; 0 when the request failed. */
  readonly status: Expr<GoInt<'int'>>
  /** True when `do` returned an error (connection refused, timeout, bad response...). */
  readonly failed: Expr<boolean>
  readonly latencyNs: Expr<number>
}

const CLIENT_DO = 'net/http.(*Client).do' as const

/** Register a probe of every client request; `onRequest` runs at its return. */
export function httpClientRequests(onRequest: (r: ClientRequest) => void): Uprobe<Functions[typeof CLIENT_DO]> {
  return uprobe(CLIENT_DO, {
    signatures: { [CLIENT_DO]: 'func (c *net/http.Client) do(req *net/http.Request) (retres *net/http.Response, reterr error)' },
  }).onReturn(({ entry, result }) => {
    const url = entry.arg('req').field('URL')
    const failed = result('reterr').isNil().not()
    onRequest({
      method: entry.arg('req').field('Method'),
      scheme: url.field('Scheme'),
      host: url.field('Host'),
      path: url.field('Path'),
      // Through a nil *Response when failed: the read fails and bpf_probe_read_user zero-fills it.
      status: result('retres').field('StatusCode'),
      failed,
      latencyNs: nsecs().sub(entry.value(nsecs())),
    })
  })
}

/** One request served, as seen when the handler has returned. */
export interface ServerRequest {
  readonly method: Expr<GoString>
  /** The request URL's path (`/items/7`). */
  readonly path: Expr<GoString>
  /** The client's address as net/http reports it in Request.RemoteAddr (`127.0.0.1:5123`, `[::1]:5123`). */
  readonly remoteAddr: Expr<GoString>
  /**
   * The status the handler wrote. A handler that wrote nothing has status 0 here and
   * net/http then sends 200 (its finishRequest calls WriteHeader(200)): reported as 200.
   */
  readonly status: Expr
  /** Time spent in the handler. */
  readonly latencyNs: Expr<number>
}

const SERVE_HTTP = 'net/http.serverHandler.ServeHTTP' as const

/** Register a probe of every request served by a net/http Server; `onRequest` runs when its handler returns. */
export function httpServerRequests(onRequest: (r: ServerRequest) => void): Uprobe<Functions[typeof SERVE_HTTP]> {
  return uprobe(SERVE_HTTP, {
    signatures: { [SERVE_HTTP]: 'func (sh net/http.serverHandler) ServeHTTP(rw net/http.ResponseWriter, req *net/http.Request)' },
  }).onReturn(({ entry }) => {
    const req = entry.arg('req')
    // The server always passes its own *response as the ResponseWriter.
    const written = entry.arg('rw').data().as<GoPtr<net_http.response>>('*net/http.response').field('status')
    onRequest({
      method: req.field('Method'),
      path: req.field('URL').field('Path'),
      remoteAddr: req.field('RemoteAddr'),
      status: written.add(written.eq(0).mul(200).as('int')),
      latencyNs: nsecs().sub(entry.value(nsecs())),
    })
  })
}
