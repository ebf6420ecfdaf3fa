import type { Instruction } from './capstone.ts'
import { directTarget } from './function-code.ts'

/**
 * Where control goes after each instruction of one function, as far as the code says:
 * fall-through, direct jump targets, both for conditional branches. Calls are assumed
 * to return. Indirect jumps (Go's jump tables) have unknown targets; an instruction no
 * known edge reaches (other than the entry) is taken to be one of them.
 */
export class ControlFlow {
  private readonly index = new Map<number, number>()
  private readonly preds: number[][]

  constructor(readonly instructions: readonly Instruction[]) {
    instructions.forEach((insn, i) => this.index.set(insn.address, i))
    this.preds = instructions.map(() => [])
    instructions.forEach((insn, i) => {
      for (const s of this.successors(i)) this.preds[s]!.push(i)
    })
  }

  /** Indices of the instructions control may reach next from instruction `i`. */
  successors(i: number): number[] {
    const insn = this.instructions[i]!
    const next = i + 1 < this.instructions.length ? [i + 1] : []
    const m = insn.mnemonic
    if (m === 'ret' || m === 'ud2' || m === 'int3' || m === 'hlt') return []
    if (m === 'jmp') {
      const t = this.targetIndex(insn)
      return t === undefined ? [] : [t]
    }
    if (m.startsWith('j') || m === 'loop' || m === 'loope' || m === 'loopne') {
      const t = this.targetIndex(insn)
      return t === undefined ? next : [...next, t]
    }
    return next
  }

  predecessors(i: number): readonly number[] {
    return this.preds[i]!
  }

  private targetIndex(insn: Instruction): number | undefined {
    const t = directTarget(insn)
    return t === undefined ? undefined : this.index.get(t)
  }
}
