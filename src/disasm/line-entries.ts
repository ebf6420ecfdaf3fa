import type { LineRange } from '../binary/line-table.ts'
import type { ControlFlow } from './control-flow.ts'

/** Where a run of a source line begins: one instruction, and the range of the line it is in. */
export interface LineEntry {
  readonly address: number
  readonly range: LineRange
}

/**
 * The places where runs of a line begin, so that one probe hit is one run of the line.
 * A line's code is rarely one block. The compiler interleaves other lines' instructions
 * with it (a call site's inline mark inside an inlined body, a statement's register moves
 * attributed to the `if` before it), and branches jump into the middle of its ranges, so
 * neither the first instruction of each range nor of the first range is right.
 *
 * A run begins where control reaches the line (one inlined call of it: each is its own
 * code) on a path that has not been through the line yet. Paths start at the function's
 * entry, at each loop head (the target of a backward jump: every iteration starts anew,
 * so a line in a loop body counts once per iteration) and at instructions no known edge
 * reaches (jump-table targets), and follow forward edges only. The instructions of the
 * line first met on those paths are the entries; an instruction of the line reached only
 * through the line itself continues a run already counted. A path that leaves the line
 * through a branch and reaches an entry again counts twice.
 */
export function lineEntries(flow: ControlFlow, ranges: readonly LineRange[], wanted: (r: LineRange) => boolean): LineEntry[] {
  const rangeOf = rangesByInstruction(flow, ranges)
  const instance = (i: number): string | undefined => {
    const range = rangeOf[i]
    return range && wanted(range) ? `${range.file}\0${range.line}\0${range.inlineIndex}` : undefined
  }
  const roots = pathStarts(flow)
  const entries = new Set<number>()
  for (const key of new Set(rangeOf.map((_, i) => instance(i)).filter((k) => k !== undefined))) {
    const visited = new Set<number>()
    const stack = [...roots]
    while (stack.length) {
      const i = stack.pop()!
      if (visited.has(i)) continue
      visited.add(i)
      if (instance(i) === key) {
        entries.add(i)
        continue
      }
      for (const s of flow.successors(i)) if (s > i) stack.push(s)
    }
  }
  // An entry from which every path goes on to a later entry of the same call of the line
  // is counted there instead: the compiler hoisted some of the line's instructions above
  // a branch whose other side jumps into the line further down, or scheduled another
  // line's instructions in the middle of it.
  const counted = [...entries].filter((e) => !alwaysReaches(flow, e, (i) => i !== e && entries.has(i) && instance(i) === instance(e)))
  return counted.sort((a, b) => a - b).map((i) => ({ address: flow.instructions[i]!.address, range: rangeOf[i]! }))
}

/**
 * Does every path from `start` along forward edges reach an instruction `isTarget`
 * accepts? A path that ends without one (a return, a jump out or backwards) does not.
 * Forward edges only go to later instructions, so deciding them from the last one
 * backwards sees every successor decided first.
 */
function alwaysReaches(flow: ControlFlow, start: number, isTarget: (i: number) => boolean): boolean {
  const reaches: boolean[] = []
  for (let i = flow.instructions.length - 1; i >= start; i--) {
    const forward = flow.successors(i).filter((s) => s > i)
    reaches[i] = forward.length > 0 && forward.every((s) => isTarget(s) || reaches[s]!)
  }
  return reaches[start]!
}

/** The function's entry, loop heads (targets of backward edges) and instructions no known edge reaches. */
function pathStarts(flow: ControlFlow): number[] {
  const starts = new Set<number>([0])
  flow.instructions.forEach((_, i) => {
    if (flow.predecessors(i).length === 0) starts.add(i)
    for (const s of flow.successors(i)) if (s <= i) starts.add(s)
  })
  return [...starts]
}

/** The line range of each instruction, walking both in address order. */
function rangesByInstruction(flow: ControlFlow, ranges: readonly LineRange[]): (LineRange | undefined)[] {
  const out: (LineRange | undefined)[] = []
  let r = 0
  for (const insn of flow.instructions) {
    while (r < ranges.length && ranges[r]!.end <= insn.address) r++
    const range = ranges[r]
    out.push(range && range.start <= insn.address ? range : undefined)
  }
  return out
}
