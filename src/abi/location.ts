/**
 * Where a Go value lives at function entry or at a return site: a list of registers,
 * each holding a piece of the value, or one contiguous block of stack memory. The model
 * is about the machine only; turning it into probe code is the compiler's business.
 */
import type { GoKind, GoType } from '../gotypes/types.ts'

/** The amd64 integer argument registers of ABIInternal, in assignment order. */
export const INT_ARG_REGS = ['rax', 'rbx', 'rcx', 'rdi', 'rsi', 'r8', 'r9', 'r10', 'r11'] as const
/** The floating-point argument registers of ABIInternal, in assignment order (X15 is the fixed zero register). */
export const FLOAT_ARG_REGS = [
  'xmm0', 'xmm1', 'xmm2', 'xmm3', 'xmm4', 'xmm5', 'xmm6', 'xmm7',
  'xmm8', 'xmm9', 'xmm10', 'xmm11', 'xmm12', 'xmm13', 'xmm14',
] as const

export type IntReg = (typeof INT_ARG_REGS)[number]
export type FloatReg = (typeof FLOAT_ARG_REGS)[number]
export type ArgReg = IntReg | FloatReg

/** The return address occupies 0(SP) at entry, so the argument area starts at 8(SP). */
export const RETURN_ADDRESS_SIZE = 8

/** The closure context register: a func value's closure record pointer at call time (not an argument). */
export const CLOSURE_CONTEXT_REG = 'rdx'

/**
 * One register holding part of a value. Only the low `size` bytes are defined (the ABI
 * leaves the upper bits of sub-word values unspecified), so readers mask or sign-extend
 * according to `scalar`.
 */
export interface RegisterPiece {
  readonly reg: ArgReg
  /** Bytes of the value this register holds. */
  readonly size: number
  /** Byte offset of this piece within the value's memory layout. */
  readonly offset: number
  /** The scalar kind stored in the piece: `pointer` for data words, `int` for lengths, ... */
  readonly scalar: GoKind
}

export type ValueLocation =
  | { readonly kind: 'registers'; readonly pieces: readonly RegisterPiece[] }
  /** `offset` is from SP at function entry, where 0(SP) is the return address. */
  | { readonly kind: 'stack'; readonly offset: number }

export interface AssignedValue {
  /** Source name; undefined for unnamed parameters and results. */
  readonly name?: string
  readonly type: GoType
  readonly location: ValueLocation
  /**
   * Entry-SP offset of the slot where the callee may spill a register-assigned input
   * (morestack does, and unoptimised code always does); absent for stack values and results.
   */
  readonly spillOffset?: number
}

export interface FrameAssignment {
  readonly abi: 'register' | 'stack'
  readonly receiver?: AssignedValue
  readonly params: readonly AssignedValue[]
  readonly results: readonly AssignedValue[]
  /** Hidden generic dictionary argument of a shape instantiation (named `.dict`), when requested. */
  readonly dictionary?: AssignedValue
  /** Holds the closure record pointer when a func value is called (Go's REGCTXT); never an argument. */
  readonly closureContext: typeof CLOSURE_CONTEXT_REG
  /** Bytes the caller reserves above the return address: stack arguments, stack results and spill area. */
  readonly argumentAreaSize: number
  /** Facts a user should know about this frame (zero-size values that occupy nothing, ...). */
  readonly warnings: readonly string[]
}
