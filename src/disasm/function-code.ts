import type { Instruction } from './capstone.ts'

/** What disassembly tells the compiler about one function. Offsets are from the function's entry. */
export interface CodeFacts {
  readonly instructionOffsets: ReadonlySet<number>
  /** Offsets of every RET instruction. */
  readonly retOffsets: readonly number[]
  /** Offsets of JMPs that leave the function (tail calls, direct or through a register): the function returns through the callee. */
  readonly tailJumpOffsets: readonly number[]
  /** First instruction after the stack-check branch; undefined for functions without a stack check. */
  readonly postPrologueOffset: number | undefined
  /** Which stack-check shape was recognised, for the record. */
  readonly prologue: 'register-abi' | 'tls' | 'none'
  /**
   * The check itself, when its shape is one whose condition is known: morestack is called
   * when `SP - spAdjust <= *(g + guardOffset)` (unsigned). Lets a probe at the first byte
   * tell the hit that is about to grow the stack (and run again) from the one that proceeds.
   */
  readonly stackCheck: StackCheck | undefined
  /** False when decoding stopped before the end of the function (data or unknown bytes). */
  readonly complete: boolean
}

export interface StackCheck {
  /** 0x10 (g.stackguard0) or 0x18 (g.stackguard1). */
  readonly guardOffset: number
  /** Bytes subtracted from SP before the comparison (frames over 128 bytes). */
  readonly spAdjust: number
}

/** g.stackguard0 (g+0x10), or g.stackguard1 (g+0x18), which functions callable from C compare against. */
const GUARD_R14 = /\[r14 \+ 0x1[08]\]/

/** How many instructions from the entry the stack check may take (the >4096-byte ABI0 form is the longest, 8). */
const PROLOGUE_WINDOW = 12

export function analyzeFunction(entry: number, end: number, instructions: readonly Instruction[], complete: boolean): CodeFacts {
  const instructionOffsets = new Set(instructions.map((i) => i.address - entry))
  const retOffsets: number[] = []
  const tailJumpOffsets: number[] = []
  for (const insn of instructions) {
    if (insn.mnemonic === 'ret') retOffsets.push(insn.address - entry)
    else if (insn.mnemonic === 'jmp') {
      const target = directTarget(insn)
      if (target !== undefined ? target < entry || target >= end : REGISTER.test(insn.operands)) tailJumpOffsets.push(insn.address - entry)
    }
  }
  const { offset, prologue, stackCheck } = findPostPrologue(entry, end, instructions)
  return { instructionOffsets, retOffsets, tailJumpOffsets, postPrologueOffset: offset, prologue, stackCheck, complete }
}

/**
 * Go's stack check compares SP (or SP minus the frame size) against g.stackguard0 at
 * g+0x10 (g.stackguard1 at g+0x18 in functions callable from C) and branches with JBE to the morestack block at the end of the function, which
 * jumps back to the entry. g is R14 under the register ABI and is loaded from TLS
 * (fs:-8, or through the GOT in PIE) under the stack ABI. The post-prologue point is the
 * instruction after that JBE. We require both the guard comparison and a forward JBE
 * target inside the function, so an unrelated early branch is never mistaken for it.
 */
function findPostPrologue(entry: number, end: number, instructions: readonly Instruction[]): { offset: number | undefined; prologue: CodeFacts['prologue']; stackCheck: StackCheck | undefined } {
  const tlsRegisters = new Set<string>()
  // Registers holding SP minus a known amount (`lea r12, [rsp - 0x68]`, `mov r12, rsp; sub r12, N`).
  const spMinus = new Map<string, number>([['rsp', 0]])
  let guard: 'register-abi' | 'tls' | undefined
  let stackCheck: StackCheck | undefined
  const window = instructions.slice(0, PROLOGUE_WINDOW)
  for (let i = 0; i < window.length; i++) {
    const insn = window[i]!
    const [dest = '', src = ''] = insn.operands.split(',').map((x) => x.trim())
    if (insn.mnemonic === 'mov' && insn.operands.includes('fs:')) tlsRegisters.add(dest)
    trackSpArithmetic(insn.mnemonic, dest, src, spMinus)
    const compared = insn.mnemonic === 'cmp' || insn.mnemonic === 'mov'
    const g = GUARD_R14.test(insn.operands) ? 'r14' : [...tlsRegisters].find((r) => insn.operands.includes(`[${r} + 0x10]`) || insn.operands.includes(`[${r} + 0x18]`))
    if (compared && g !== undefined) {
      guard = g === 'r14' ? 'register-abi' : 'tls'
      const adjust = insn.mnemonic === 'cmp' ? spMinus.get(dest) : undefined
      stackCheck = adjust === undefined ? undefined : { guardOffset: insn.operands.includes(' + 0x18]') ? 0x18 : 0x10, spAdjust: adjust }
    }
    if (insn.mnemonic === 'jbe' && guard) {
      const target = directTarget(insn)
      const next = window[i + 1] ?? instructions[i + 1]
      if (target !== undefined && next && target > insn.address && target < end) {
        return { offset: next.address - entry, prologue: guard, stackCheck }
      }
    }
  }
  return { offset: undefined, prologue: 'none', stackCheck: undefined }
}

function trackSpArithmetic(mnemonic: string, dest: string, src: string, spMinus: Map<string, number>): void {
  if (dest === 'rsp') return
  const lea = /^(?:qword ptr )?\[rsp ([+-]) (0x[0-9a-f]+|\d+)\]$/.exec(src)
  if (mnemonic === 'lea' && lea) spMinus.set(dest, (lea[1] === '-' ? 1 : -1) * Number(lea[2]))
  else if (mnemonic === 'mov' && src === 'rsp') spMinus.set(dest, 0)
  else if (mnemonic === 'sub' && spMinus.has(dest) && /^(0x[0-9a-f]+|\d+)$/.test(src)) spMinus.set(dest, spMinus.get(dest)! + Number(src))
  else if (dest !== '' && mnemonic !== 'cmp' && mnemonic !== 'test' && !mnemonic.startsWith('j')) spMinus.delete(dest)
}

/**
 * A jump through a register leaves the function: Go compiles switch jump tables to jumps
 * through memory (`jmp qword ptr [...]`), and a jump through a register only to a call
 * in tail position, which Go 1.27 emits for wrappers of methods promoted from an embedded
 * interface (`jmp rdx`, the wrapper has no RET).
 */
const REGISTER = /^r[0-9a-z]+$/

/** The target of a direct jump or call (`jmp 0x4a1710`); undefined for indirect ones (`jmp rax`). */
export function directTarget(insn: Instruction): number | undefined {
  return /^0x[0-9a-f]+$/.test(insn.operands) ? Number.parseInt(insn.operands.slice(2), 16) : undefined
}
