// database/sql statements: Exec and Query of DB, Conn and Tx, with the query text,
// the argument count, whether it failed, and its latency.
import { program, printf, map } from '../src/index.ts'
import { onSqlStatement } from '../stdlib/sql.ts'

export default program(import.meta, {
  name: 'sqlsnoop',
  description: 'database/sql Exec and Query calls: query text, outcome and latency',
}, () => {
  const latency = map('sql_latency_ns')
  onSqlStatement((s) => {
    printf(`${s.kind} %s args %d failed %d took %d ns\n`, s.query, s.args, s.failed, s.latencyNs)
    latency.at(s.kind).hist(s.latencyNs)
  })
})
