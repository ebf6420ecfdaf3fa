/**
 * Goroutines: creation events (parent, child, creation site) and goroutine-local state.
 *
 * Creation is observed at the return of `runtime.newproc1(fn *funcval, callergp *g,
 * callerpc uintptr, ...) *g` (go1.19 through go1.26; go1.23 added `parked` and
 * `waitreason` after callerpc). It runs on the system stack (g0), so the parent is
 * `callergp`, not the current goroutine; the child is the returned g, whose goid,
 * creation PC (`gopc`) and start function (`startpc`) are set by then.
 */
import { Expr, goroutineId, map, uprobe, result, type MapRef, type Value } from '../src/index.ts'

/** What a creation handler can read. */
export interface GoroutineCreation {
  /** Goroutine id of the goroutine that executed the `go` statement. */
  readonly parent: Expr
  /** Goroutine id of the new goroutine. */
  readonly child: Expr
  /** PC of the `go` statement (use `usym()` for the function that contains it). */
  readonly creationPC: Expr
  /** Entry PC of the function the new goroutine runs (use `usym()`). */
  readonly startPC: Expr
}

// Only the leading parameters and the result are read; the register ABI places the
// result in RAX whatever follows callerpc, so one declaration serves every version.
// `fn` is declared untyped: runtime.funcval has no runtime type descriptor.
const NEWPROC1_SIGNATURE = 'func(fn unsafe.Pointer, callergp *runtime.g, callerpc uintptr) *runtime.g'

/** Run `handler` for every goroutine created (at the return of runtime.newproc1). */
export function onGoroutineCreated(handler: (g: GoroutineCreation) => void): void {
  uprobe('runtime.newproc1', { signatures: { 'runtime.newproc1': NEWPROC1_SIGNATURE } }).onReturn(({ entry }) => {
    const child = result(0)
    handler({
      parent: entry.arg('callergp').field('goid'),
      child: child.field('goid'),
      creationPC: child.field('gopc'),
      startPC: child.field('startpc'),
    })
  })
}

/**
 * Run `handler` when a goroutine finishes (entry of `runtime.goexit1`, which runs on
 * the exiting goroutine, so `goroutineId()` is its id).
 */
export function onGoroutineExit(handler: () => void): void {
  uprobe('runtime.goexit1', { signatures: { 'runtime.goexit1': 'func()' } }).onEntry(handler)
}

/**
 * A value per goroutine, kept in the map `@name` keyed by goroutine id, and forgotten
 * when the goroutine exits (goroutine ids are never reused, but maps must not grow
 * without bound). Define it in the program body; use set/get/clear in handlers.
 */
export class GoroutineLocal {
  private readonly slots: MapRef

  constructor(name: string) {
    this.slots = map(name)
    onGoroutineExit(() => this.clear())
  }

  set(v: Value): void {
    this.slots.at(goroutineId()).set(v)
  }
  get(): Expr {
    return this.slots.at(goroutineId()).get()
  }
  clear(): void {
    this.slots.at(goroutineId()).delete()
  }
}

export const goroutineLocal = (name: string): GoroutineLocal => new GoroutineLocal(name)
