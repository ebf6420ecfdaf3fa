import { UsageError } from '../errors.ts'
import { markOrigin } from '../origin.ts'
import type { StmtNode } from './ir.ts'

/**
 * Statements are recorded into the innermost open block while a handler callback runs,
 * which lets probe code read like straight-line code (`printf(...)` inside `onReturn`).
 * Calling a statement builder outside a handler is a usage error, not a silent no-op.
 */
const blocks: StmtNode[][] = []

export function record(stmt: StmtNode): void {
  const top = blocks[blocks.length - 1]
  if (!top) throw new UsageError(`${stmt.kind} can only be used inside a probe handler (onEntry, onReturn, begin, end, interval)`)
  markOrigin(stmt)
  top.push(stmt)
}

/** Run `fn` with a fresh block open and return the statements it recorded. */
export function collect(fn: () => void): StmtNode[] {
  const block: StmtNode[] = []
  blocks.push(block)
  try {
    fn()
  } finally {
    blocks.pop()
  }
  return block
}

export const insideHandler = (): boolean => blocks.length > 0
