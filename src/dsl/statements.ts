import { UsageError } from '../errors.ts'
import { Expr, toNode, type Value } from './expr.ts'
import type { Aggregation, ExprNode } from './ir.ts'
import { collect, insideHandler, record } from './recorder.ts'

/** Print a line. Conversions: %d %u %x %s (strings from goString, comm, usym, ustack), %r (goBytes). */
export function printf(format: string, ...args: Value[]): void {
  record({ kind: 'printf', format, args: args.map(toNode) })
}

const MAP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A bpftrace map (`@name`), keyed by zero or more values. */
export class MapRef {
  constructor(readonly name: string) {
    if (!MAP_NAME.test(name) || name.startsWith('__')) {
      throw new UsageError(`map name ${JSON.stringify(name)} must be an identifier not starting with "__"`)
    }
  }
  /** The slot for these keys. */
  at(...keys: Value[]): MapSlot {
    return new MapSlot(this.name, keys.map(toNode))
  }
  /** Print the whole map now. */
  print(): void {
    record({ kind: 'mapPrint', map: this.name })
  }
  clear(): void {
    record({ kind: 'mapClear', map: this.name })
  }
}

export class MapSlot {
  constructor(readonly map: string, readonly keys: readonly ExprNode[]) {}
  set(v: Value): void { record({ kind: 'mapSet', map: this.map, keys: this.keys, value: toNode(v) }) }
  /** The value in this slot at this point of the handler: later writes to the slot do not change it. */
  get(): Expr {
    const read = new Expr({ kind: 'mapRead', map: this.map, keys: this.keys })
    if (insideHandler()) record({ kind: 'snapshot', expr: read.node })
    return read
  }
  delete(): void { record({ kind: 'mapDelete', map: this.map, keys: this.keys }) }
  count(): void { this.aggregate('count') }
  sum(v: Value): void { this.aggregate('sum', v) }
  min(v: Value): void { this.aggregate('min', v) }
  max(v: Value): void { this.aggregate('max', v) }
  avg(v: Value): void { this.aggregate('avg', v) }
  stats(v: Value): void { this.aggregate('stats', v) }
  /** Power-of-two histogram. */
  hist(v: Value): void { this.aggregate('hist', v) }
  /** Linear histogram from `min` to `max` in steps of `step`. */
  lhist(v: Value, min: number, max: number, step: number): void {
    if (!(step > 0 && max > min)) throw new UsageError(`lhist needs min < max and step > 0 (got ${min}, ${max}, ${step})`)
    record({ kind: 'mapAggregate', map: this.map, keys: this.keys, fn: 'lhist', value: toNode(v), lhist: [min, max, step] })
  }
  private aggregate(fn: Aggregation, v?: Value): void {
    record(v === undefined ? { kind: 'mapAggregate', map: this.map, keys: this.keys, fn } : { kind: 'mapAggregate', map: this.map, keys: this.keys, fn, value: toNode(v) })
  }
}

export const map = (name: string): MapRef => new MapRef(name)

/** `if (cond) { then } else { otherwise }`: `when(c, () => ...).otherwise(() => ...)`. */
export function when(cond: Value, then: () => void): { otherwise(fn: () => void): void } {
  const thenBody = collect(then)
  const stmt = { kind: 'if' as const, cond: toNode(cond), then: thenBody, else: [] as ReturnType<typeof collect> }
  record(stmt)
  return {
    otherwise(fn) {
      stmt.else = collect(fn)
    },
  }
}

const LOCAL_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

/** Evaluate `v` once into a named local and return it for reuse. */
export function local(name: string, v: Value): Expr {
  if (!LOCAL_NAME.test(name)) throw new UsageError(`local name ${JSON.stringify(name)} must be an identifier`)
  record({ kind: 'local', name, value: toNode(v) })
  return new Expr({ kind: 'local', name })
}

/**
 * Print every argument (and the receiver), one line each as `  <name> <Go type> = <value>`;
 * the compiler expands it from the function's signature. Entry handlers only.
 */
export function printArgs(): void {
  record({ kind: 'printValues', which: 'args' })
}

/** Print every result, like printArgs. Return handlers only. */
export function printResults(): void {
  record({ kind: 'printValues', which: 'results' })
}

/** Stop tracing (bpftrace exits after this event). */
export function exit(): void {
  record({ kind: 'exit' })
}
