/**
 * Panics and recovers, from the runtime's own entry points (go1.19 through go1.26):
 * - `runtime.gopanic(e any)` starts every panic (explicit panic() and runtime errors);
 * - `runtime.gorecover` implements recover(): `gorecover(argp uintptr) any` until go1.25,
 *   `gorecover() any` from go1.26; a non-nil result means a panic was stopped.
 */
import { arg, goString, result, uprobe, when, type Expr } from '../src/index.ts'

/**
 * Dynamic types whose value (a string, or a pointer to a struct whose first field is a
 * string) holds the message: panic("..."), runtime errors without details, errors.New,
 * and fmt.Errorf with %w.
 */
const MESSAGE_TYPES = ['string', 'runtime.plainError', 'runtime.errorString', '*errors.errorString', '*fmt.wrapError', '*fmt.wrapErrors']

/** Bytes of a type name printed: with a message in the same probe, this fits bpftrace 0.17's stack. */
const TYPE_NAME_MAX = 64

export interface PanicValue {
  /** The value passed to panic() or returned by recover(), an `any`. */
  readonly value: Expr
  /**
   * Its dynamic type's name, read from the binary's type data; empty when that page is not
   * resident yet (a uprobe cannot fault it in), i.e. the program never used the name.
   */
  readonly typeName: Expr<string>
}

/** Run `handler` at the start of every panic. */
export function onPanic(handler: (p: PanicValue) => void): void {
  uprobe('runtime.gopanic', { signatures: { 'runtime.gopanic': 'func(e interface {})' } }).onEntry(() => {
    const e = arg('e')
    handler({ value: e, typeName: e.typeName(TYPE_NAME_MAX) })
  })
}

/**
 * Run `then` with the value's message when its dynamic type carries one (MESSAGE_TYPES);
 * other errors need a method call, which a probe cannot make.
 */
export function withMessage(p: PanicValue, then: (message: Expr<string>) => void): void {
  const hasMessage = MESSAGE_TYPES.map((t) => p.value.hasType(t)).reduce((a, b) => a.or(b))
  when(hasMessage, () => then(goString(p.value.data().as('*string'))))
}

/**
 * Run `handler` when recover() stops a panic (gorecover returns non-nil). The declared
 * signature (used without DWARF) has go1.19-1.25's argp; go1.26 dropped it, which moves
 * nothing: register-ABI results start at RAX whatever the parameters.
 */
export function onRecover(handler: (p: PanicValue) => void): void {
  uprobe('runtime.gorecover', { signatures: { 'runtime.gorecover': 'func(argp uintptr) interface {}' } }).onReturn(() => {
    const v = result(0)
    when(v.isNil().not(), () => handler({ value: v, typeName: v.typeName(TYPE_NAME_MAX) }))
  })
}
