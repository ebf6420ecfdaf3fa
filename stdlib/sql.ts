/**
 * database/sql statements with their text, outcome and latency. Every Exec and Query of
 * a DB, Conn or Tx (with or without Context) reaches one of two unexported methods,
 * unchanged from go1.19 through go1.26:
 *   func (db *DB) execDC(ctx context.Context, dc *driverConn, release func(error), query string, args []any) (res Result, err error)
 *   func (db *DB) queryDC(ctx, txctx context.Context, dc *driverConn, releaseConn func(error), query string, args []any) (*Rows, error)
 * Prepared statements (Stmt.Exec/Query) take another path and are not seen here.
 */
import { goString, nsecs, typedUprobe, type Expr } from '../src/index.ts'
import type { Functions } from './gotypes/std.ts'

// Typed with the standard library's declarations (stdlib/gotypes/std.ts).
const uprobe = typedUprobe<Functions>()

export interface SqlStatement {
  readonly kind: 'exec' | 'query'
  readonly query: Expr<string>
  /** Number of arguments bound to the statement. */
  readonly args: Expr<number>
  /** True when the driver or database/sql returned an error. */
  readonly failed: Expr<boolean>
  /** Nanoseconds from the call to its return (for queries: until the rows are ready, not read). */
  readonly latencyNs: Expr<number>
}

const EXEC = 'database/sql.(*DB).execDC' as const
const QUERY = 'database/sql.(*DB).queryDC' as const
const SIGNATURES = {
  [EXEC]: 'func (db *database/sql.DB) execDC(ctx context.Context, dc *database/sql.driverConn, release func(error), query string, args []interface {}) (res database/sql.Result, err error)',
  [QUERY]: 'func (db *database/sql.DB) queryDC(ctx context.Context, txctx context.Context, dc *database/sql.driverConn, releaseConn func(error), query string, args []interface {}) (*database/sql.Rows, error)',
}

/** Run `handler` when a database/sql Exec or Query returns. */
export function onSqlStatement(handler: (s: SqlStatement) => void): void {
  uprobe(EXEC, { signatures: SIGNATURES }).onReturn(({ entry, result }) => {
    handler({
      kind: 'exec',
      query: goString(entry.arg('query')),
      args: entry.arg('args').len(),
      failed: result('err').isNil().not(),
      latencyNs: nsecs().sub(entry.value(nsecs())),
    })
  })
  uprobe(QUERY, { signatures: SIGNATURES }).onReturn(({ entry, result }) => {
    handler({
      kind: 'query',
      query: goString(entry.arg('query')),
      args: entry.arg('args').len(),
      // The error result is unnamed: by position.
      failed: result(1).isNil().not(),
      latencyNs: nsecs().sub(entry.value(nsecs())),
    })
  })
}
