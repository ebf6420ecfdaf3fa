/**
 * Where in a probe's source a statement was written, so that an error found long after the
 * probe's body ran (compiling for a binary, lowering for a bpftrace version) is reported at
 * the statement at fault. The DSL captures the call stack when it records a statement (one
 * Error object, its text formatted only if an error needs it); the compiler and the printer
 * pass it on to what they make of the statement. Kept beside the nodes, not in them: the IR
 * and the bpftrace AST stay plain data and print the same.
 */
const origins = new WeakMap<object, Error>()
const errorOrigins = new WeakMap<Error, Error>()

/** Records the current call stack as where `node` was written. */
export function markOrigin(node: object): void {
  origins.set(node, new Error('written here'))
}

/** `to` was made from `from`: it shares its origin. */
export function copyOrigin(from: object, to: object): void {
  const o = origins.get(from)
  if (o) origins.set(to, o)
}

/** Runs `fn` for `node`; an error it throws is tied to the node's origin unless a deeper node already claimed it. */
export function withOrigin<T>(node: object, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    const o = origins.get(node)
    if (o && e instanceof Error && !errorOrigins.has(e)) errorOrigins.set(e, o)
    throw e
  }
}

/** The stack captured where the statement at fault was written, if known. */
export function errorOrigin(e: Error): Error | undefined {
  return errorOrigins.get(e)
}
