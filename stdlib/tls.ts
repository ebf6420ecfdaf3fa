/**
 * TLS session secrets and plaintext of Go's crypto/tls.
 *
 * Secrets: every handshake calls `crypto/tls.(*Config).writeKeyLog(label, clientRandom,
 * secret)` once per secret (one CLIENT_RANDOM line for TLS 1.2, four traffic secrets
 * for TLS 1.3), on both the client and the server side, whether or not
 * `Config.KeyLogWriter` is set: the function itself returns early when it is nil, after
 * the entry probe has read its arguments. Go 1.19 to 1.26 all have this function.
 *
 * Plaintext: `crypto/tls.(*Conn).Write(b)` and `.Read(b)` return how many bytes of `b`
 * they wrote or filled; the buffer is read when they return.
 */
import { Expr, goBytes, nsecs, printf, receiver, result, typedUprobe, uprobe, when, type GoInt, type GoSlice, type GoString, type Uprobe } from '../src/index.ts'
import type { Functions } from './gotypes/std.ts'

// Typed with the standard library's declarations (stdlib/gotypes/std.ts) where they list
// the function; Read and Write below are probed untyped.
const typedProbe = typedUprobe<Functions>()

/** One secret as writeKeyLog receives it. */
export interface KeyLogSecret {
  /** NSS key log label (`CLIENT_RANDOM`, `CLIENT_TRAFFIC_SECRET_0`...). */
  readonly label: Expr<GoString>
  /** The handshake's 32-byte client random. */
  readonly clientRandom: Expr<GoSlice<GoInt<'uint8'>>>
  /** The secret: 48 bytes for TLS 1.2, the hash size (32 or 48) for TLS 1.3. */
  readonly secret: Expr<GoSlice<GoInt<'uint8'>>>
}

const WRITE_KEY_LOG = 'crypto/tls.(*Config).writeKeyLog' as const

/** Register a probe of every TLS secret a handshake derives, client and server side. */
export function tlsSecrets(onSecret: (s: KeyLogSecret) => void): Uprobe<Functions[typeof WRITE_KEY_LOG]> {
  return typedProbe(WRITE_KEY_LOG, {
    signatures: { [WRITE_KEY_LOG]: 'func (c *crypto/tls.Config) writeKeyLog(label string, clientRandom, secret []byte) error' },
  }).onEntry(({ arg }) => {
    onSecret({ label: arg('label'), clientRandom: arg('clientRandom'), secret: arg('secret') })
  })
}

/** Client randoms are always 32 bytes; secrets are SHA-384 (TLS 1.2, and some TLS 1.3 suites) or SHA-256 sized. */
const CLIENT_RANDOM_BYTES = 32
const SECRET_BYTES = [48, 32] as const

/**
 * Print a secret as one SSLKEYLOGFILE line, `LABEL <client random hex> <secret hex>`, the
 * format Go's KeyLogWriter writes and Wireshark reads. bpftrace's %rx prints `\x..`
 * escapes, so the bytes go out as big-endian 64-bit words with %016x. Other sizes give
 * a `#` comment line (the format allows comments).
 */
export function printKeyLogLine(s: KeyLogSecret): void {
  const line = (secretBytes: number) => {
    const words = [...bigEndianWords(s.clientRandom, CLIENT_RANDOM_BYTES), ...bigEndianWords(s.secret, secretBytes)]
    printf(`%s ${'%016x'.repeat(CLIENT_RANDOM_BYTES / 8)} ${'%016x'.repeat(secretBytes / 8)}\n`, s.label, ...words)
  }
  const bySecretSize = (sizes: readonly number[]): void => {
    const [size, ...rest] = sizes
    if (size === undefined) printf('# %s: a secret of %d bytes is not printed\n', s.label, s.secret.len())
    else when(s.secret.len().eq(size), () => line(size)).otherwise(() => bySecretSize(rest))
  }
  when(s.clientRandom.len().eq(CLIENT_RANDOM_BYTES), () => bySecretSize(SECRET_BYTES)).otherwise(() => {
    printf('# %s: a client random of %d bytes is not printed\n', s.label, s.clientRandom.len())
  })
}

/**
 * The first `size` bytes of a []byte as `size / 8` unsigned 64-bit numbers whose hex
 * digits, zero-padded to 16, spell the bytes in order. Built from single-byte reads.
 */
export function bigEndianWords(bytes: Expr, size: number): Expr<number>[] {
  const words: Expr<number>[] = []
  for (let w = 0; w < size / 8; w++) {
    // Widened first: as in Go, a byte shifted left keeps its 8-bit type (and would become 0).
    const byte = (i: number) => bytes.index(i).as('uint64')
    let word: Expr<number> = byte(w * 8).shl(56)
    for (let b = 1; b < 8; b++) word = word.bor(byte(w * 8 + b).shl(56 - 8 * b))
    words.push(word)
  }
  return words
}

/** Application data passing through a `*tls.Conn`, seen when Read or Write returns. */
export interface TlsData {
  /** True on the client side of the connection (Conn.isClient). */
  readonly isClient: Expr
  /** Bytes transferred by this call (0 for a Read that only hit EOF or an error). */
  readonly length: Expr
  /** The first `maxBytes` of them, for %r. */
  readonly bytes: Expr<Uint8Array>
  readonly latencyNs: Expr<number>
}

const CONN_READ = 'crypto/tls.(*Conn).Read'
const CONN_WRITE = 'crypto/tls.(*Conn).Write'

function tlsData(fn: string, maxBytes: number, onData: (d: TlsData) => void): Uprobe {
  return uprobe(fn, {
    signatures: { [fn]: `func (c *crypto/tls.Conn) ${fn.slice(fn.lastIndexOf('.') + 1)}(b []byte) (int, error)` },
  }).onReturn(({ entry }) => {
    onData({
      isClient: entry.value(receiver().field('isClient')),
      length: result(0),
      bytes: goBytes(entry.arg('b'), maxBytes, result(0)),
      latencyNs: nsecs().sub(entry.value(nsecs())),
    })
  })
}

/** Register a probe of plaintext read from TLS connections (decrypted records), at most `maxBytes` shown per call. */
export const tlsReads = (maxBytes: number, onData: (d: TlsData) => void): Uprobe => tlsData(CONN_READ, maxBytes, onData)

/** Register a probe of plaintext written to TLS connections (before encryption), at most `maxBytes` shown per call. */
export const tlsWrites = (maxBytes: number, onData: (d: TlsData) => void): Uprobe => tlsData(CONN_WRITE, maxBytes, onData)
