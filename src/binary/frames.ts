import type { GoFunction } from './functions.ts'
import type { GoBinary } from './go-binary.ts'
import { inlinedCallReader, type InlinedCallReader } from './moduledata.ts'
import type { PcValueRun } from './pclntab.ts'

/**
 * What code is at a pc, as Go's own tracebacks name it: the function whose code holds it,
 * and the functions inlined there (from the pclntab's inline tree), innermost first. Works
 * on stripped binaries: it reads only the pclntab and go:func.*.
 */
export interface CodeLocation {
  /** The function whose machine code holds the pc. */
  readonly function: GoFunction
  /** pc - entry of that function. */
  readonly offset: number
  /** Functions inlined at the pc, innermost first; empty when none (or the tree cannot be read). */
  readonly inlined: readonly string[]
}

export class CodeLocator {
  private readonly inlineRuns = new Map<number, readonly PcValueRun[]>()
  private readonly readCall: InlinedCallReader | undefined

  constructor(private readonly binary: GoBinary) {
    this.readCall = inlinedCallReader(binary.elf, binary.pclntab)
  }

  /**
   * The code at link-time address `pc`. A return address (every stack frame but the
   * innermost) is looked up one byte earlier, at the call, as Go's traceback does, since the
   * instruction after a call may belong to another line or inlined call.
   */
  at(pc: number, returnAddress: boolean): CodeLocation | undefined {
    const fn = this.binary.functions.containing(pc)
    if (!fn) return undefined
    const offset = pc - fn.entry
    return { function: fn, offset, inlined: this.inlinedAt(fn, returnAddress && offset > 0 ? pc - 1 : pc) }
  }

  private inlinedAt(fn: GoFunction, pc: number): string[] {
    if (fn.pclntabIndex === undefined || !this.readCall) return []
    const tables = this.binary.pclntab.positionTables(fn.pclntabIndex)
    if (!tables.inlineIndex || tables.inlineTree === undefined) return []
    let runs = this.inlineRuns.get(fn.pclntabIndex)
    if (!runs) {
      runs = this.binary.pclntab.pcValues(tables.inlineIndex, tables.entry)
      this.inlineRuns.set(fn.pclntabIndex, runs)
    }
    const names: string[] = []
    // Each inlined call names its caller's pc; the depth bound guards against a corrupted tree.
    for (let index = valueAt(runs, pc); index >= 0 && names.length < 64; index = valueAt(runs, pc)) {
      const call = this.readCall(tables.inlineTree, index)
      if (!call) break
      names.push(call.name)
      pc = tables.entry + call.parentPc
    }
    return names
  }
}

function valueAt(runs: readonly PcValueRun[], pc: number): number {
  let lo = 0
  let hi = runs.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const r = runs[mid]!
    if (pc < r.start) hi = mid - 1
    else if (pc >= r.end) lo = mid + 1
    else return r.value
  }
  return -1
}
