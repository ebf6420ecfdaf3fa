/**
 * Bytes produced by crypto/rand. Where every read ends up depends on the Go version:
 * - go1.19 to go1.23: `crypto/rand.(*reader).Read(b []byte) (n int, err error)`, the
 *   default Reader that both rand.Read and rand.Reader.Read reach (rand.Read itself is
 *   small enough to be inlined into its callers, so it is not probed);
 * - go1.24 on: `crypto/internal/sysrand.Read(b []byte)`, called by the DRBG for
 *   rand.Read and rand.Reader outside FIPS mode.
 * Either way `b` is full when the function returns.
 */
import { goBytes, uprobe, type Expr } from '../src/index.ts'

const READERS = ['crypto/rand.(*reader).Read', 'crypto/internal/sysrand.Read'] as const
const SIGNATURES: Record<(typeof READERS)[number], string> = {
  'crypto/rand.(*reader).Read': 'func (r *crypto/rand.reader) Read(b []byte) (n int, err error)',
  'crypto/internal/sysrand.Read': 'func(b []byte)',
}

export interface RandomRead {
  /** Number of random bytes produced (len(b)). */
  readonly size: Expr<number>
  /** The bytes (at most `max`), for %rh (hex) or %r. */
  readonly bytes: Expr<Uint8Array>
}

/** Run `handler` each time crypto/rand fills a buffer; at most `max` bytes are read. */
export function onRandomRead(max: number, handler: (read: RandomRead) => void): void {
  uprobe([...READERS], { signatures: SIGNATURES }).onReturn(({ entry }) => {
    const b = entry.arg('b')
    handler({ size: b.len(), bytes: goBytes(b, max) })
  })
}
