import type { TypeDeclaration } from './declaration.ts'

/**
 * database/sql DB and Conn (sql.go), the receivers sqlsnoop's probes name. 1.20 made
 * DB's counters atomics, 1.21 gave Conn a once-released connection, 1.23 replaced the
 * connRequests map with a connRequestSet, 1.27 Conn's sync.RWMutex with a closingMutex
 * (closemu.go). Pointers to driver connections and sync.Conds are opaque.
 */
const DB_HEAD = 'connector database/sql/driver.Connector'
const DB_TAIL = 'numOpen int; openerCh chan struct{}; closed bool; dep map[unsafe.Pointer]unsafe.Pointer; lastPut map[unsafe.Pointer]string; maxIdleCount int; maxOpen int; maxLifetime time.Duration; maxIdleTime time.Duration; cleanerCh chan struct{}; waitCount int64; maxIdleClosed int64; maxIdleTimeClosed int64; maxLifetimeClosed int64; stop func()'
const CONN_REQUESTS_MAP = 'connRequests map[uint64]chan database/sql.connRequest; nextRequest uint64'

export const databaseSqlDeclarations: readonly TypeDeclaration[] = [
  { name: 'database/sql/driver.Connector', go: [19, 27], text: 'interface { Driver() unsafe.Pointer }' },
  { name: 'database/sql.connRequest', go: [19, 27], text: 'struct { conn unsafe.Pointer; err error }' },
  { name: 'database/sql.connRequestAndIndex', go: [23, 27], text: 'struct { req chan database/sql.connRequest; curIdx *int }' },
  { name: 'database/sql.connRequestSet', go: [23, 27], text: 'struct { s []database/sql.connRequestAndIndex }' },
  { name: 'database/sql.releaseConn', go: [21, 27], text: 'func(error)' },
  {
    name: 'database/sql.DB', go: [19, 19],
    text: `struct { waitDuration int64; ${DB_HEAD}; numClosed uint64; mu sync.Mutex; freeConn []unsafe.Pointer; ${CONN_REQUESTS_MAP}; ${DB_TAIL} }`,
  },
  {
    name: 'database/sql.DB', go: [20, 22],
    text: `struct { waitDuration sync/atomic.Int64; ${DB_HEAD}; numClosed sync/atomic.Uint64; mu sync.Mutex; freeConn []unsafe.Pointer; ${CONN_REQUESTS_MAP}; ${DB_TAIL} }`,
  },
  {
    name: 'database/sql.DB', go: [23, 27],
    text: `struct { waitDuration sync/atomic.Int64; ${DB_HEAD}; numClosed sync/atomic.Uint64; mu sync.Mutex; freeConn []unsafe.Pointer; connRequests database/sql.connRequestSet; ${DB_TAIL} }`,
  },
  { name: 'database/sql.Conn', go: [19, 20], text: 'struct { db *database/sql.DB; closemu sync.RWMutex; dc unsafe.Pointer; done int32 }' },
  {
    name: 'database/sql.Conn', go: [21, 26],
    text: 'struct { db *database/sql.DB; closemu sync.RWMutex; dc unsafe.Pointer; done sync/atomic.Bool; releaseConnOnce sync.Once; releaseConnCache database/sql.releaseConn }',
  },
  { name: 'database/sql.closingMutex', go: [27, 27], text: 'struct { state sync/atomic.Int64; mu sync.Mutex; read unsafe.Pointer; write unsafe.Pointer }' },
  {
    name: 'database/sql.Conn', go: [27, 27],
    text: 'struct { db *database/sql.DB; closemu database/sql.closingMutex; dc unsafe.Pointer; done sync/atomic.Bool; releaseConnOnce sync.Once; releaseConnCache database/sql.releaseConn }',
  },
]
