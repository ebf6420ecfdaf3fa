/**
 * ABIInternal, the register ABI of Go 1.17+ on amd64 (cmd/compile/abi-internal.md):
 * receiver, then parameters, each assigned wholly to registers (integer sequence RAX,
 * RBX, RCX, RDI, RSI, R8-R11; floats X0-X14) or, if it does not fit, wholly to the stack,
 * while later values may still take registers. Results restart at RAX/X0. The caller
 * also reserves a spill slot for every register-assigned input, above the stack results.
 */
import type { GoType, Param, Signature } from '../gotypes/types.ts'
import { basicType } from '../gotypes/types.ts'
import { alignUp } from '../gotypes/layout.ts'
import {
  CLOSURE_CONTEXT_REG, FLOAT_ARG_REGS, INT_ARG_REGS, RETURN_ADDRESS_SIZE, type AssignedValue, type FrameAssignment, type RegisterPiece,
  type ValueLocation,
} from './location.ts'
import { nameOf, requireComplete, zeroSizeWarnings } from './frame-common.ts'
import { registerEligible, scalarLeaves } from './scalar-leaves.ts'

const WORD = 8

/**
 * Where a generic shape instantiation (`main.Sum[go.shape.int]`) takes its hidden
 * dictionary pointer: the first argument of a function either way; for a method,
 * go1.18-1.19 put it before the receiver and go1.20+ (the unified IR frontend) right
 * after it. Observed in DWARF location lists from go1.19.8, go1.20.14 and go1.21+.
 */
export type DictionaryPlacement = 'before-receiver' | 'after-receiver'

export function dictionaryPlacement(goMajor: number, goMinor: number): DictionaryPlacement {
  return goMajor === 1 && goMinor < 20 ? 'before-receiver' : 'after-receiver'
}

export interface RegisterABIOptions {
  /** Set for shape instantiations of generic functions: where the dictionary goes. */
  readonly dictionary?: DictionaryPlacement
}

/** A value placed by the assignment pass, before the spill area's position is known. */
type Placed =
  | { readonly kind: 'registers'; readonly pieces: readonly RegisterPiece[]; readonly spill?: number }
  | { readonly kind: 'stack'; readonly offset: number }

class AssignmentState {
  ints = 0
  floats = 0
  /** Next free byte of the stack argument area, relative to 8(SP). */
  stack = 0
  /** Next free byte of the spill area, relative to its start. */
  spill = 0

  place(type: GoType, spillable: boolean): Placed {
    const pieces = type.size === 0 ? undefined : this.tryRegisters(type)
    if (pieces === undefined) {
      const offset = alignUp(this.stack, type.align)
      this.stack = offset + type.size
      return { kind: 'stack', offset }
    }
    if (!spillable) return { kind: 'registers', pieces }
    const spill = alignUp(this.spill, type.align)
    this.spill = spill + type.size
    return { kind: 'registers', pieces, spill }
  }

  /** All of the value's words in registers, or undefined (and nothing consumed) if they do not all fit. */
  private tryRegisters(type: GoType): RegisterPiece[] | undefined {
    if (!registerEligible(type)) return undefined
    const leaves = scalarLeaves(type)
    const ints = leaves.filter((l) => !l.float).length
    const floats = leaves.length - ints
    if (this.ints + ints > INT_ARG_REGS.length || this.floats + floats > FLOAT_ARG_REGS.length) return undefined
    return leaves.map((l) => ({
      reg: l.float ? FLOAT_ARG_REGS[this.floats++]! : INT_ARG_REGS[this.ints++]!,
      size: l.size,
      offset: l.offset,
      scalar: l.kind,
    }))
  }

  restartRegisters(): void {
    this.ints = 0
    this.floats = 0
  }
}

/** The dictionary is a plain pointer-sized argument as far as the ABI is concerned; `.dict` is the compiler's name for it. */
const DICTIONARY: Param = { name: '.dict', type: basicType('uintptr') }

export function assignRegisterABI(sig: Signature, opts: RegisterABIOptions = {}): FrameAssignment {
  requireComplete(sig)
  const state = new AssignmentState()
  const placeInput = (p: Param) => ({ param: p, placed: state.place(p.type, true) })
  const dictionaryFirst = opts.dictionary === 'before-receiver' ? placeInput(DICTIONARY) : undefined
  const placedReceiver = sig.receiver === undefined ? undefined : placeInput(sig.receiver)
  const placedDictionary = opts.dictionary === 'after-receiver' ? placeInput(DICTIONARY) : dictionaryFirst
  const placedParams = sig.params.map(placeInput)
  state.stack = alignUp(state.stack, WORD)
  state.restartRegisters()
  const placedResults = sig.results.map((p) => ({ param: p, placed: state.place(p.type, false) }))
  const spillArea = RETURN_ADDRESS_SIZE + alignUp(state.stack, WORD)

  const finish = ({ param, placed }: { param: Param; placed: Placed }): AssignedValue => ({
    ...nameOf(param),
    type: param.type,
    location: toLocation(placed),
    ...(placed.kind === 'registers' && placed.spill !== undefined ? { spillOffset: spillArea + placed.spill } : {}),
  })
  const receiver = placedReceiver === undefined ? undefined : finish(placedReceiver)
  const params = placedParams.map(finish)
  const results = placedResults.map(finish)
  return {
    abi: 'register',
    ...(receiver === undefined ? {} : { receiver }),
    params,
    results,
    ...(placedDictionary === undefined ? {} : { dictionary: finish(placedDictionary) }),
    closureContext: CLOSURE_CONTEXT_REG,
    argumentAreaSize: spillArea - RETURN_ADDRESS_SIZE + alignUp(state.spill, WORD),
    warnings: zeroSizeWarnings(receiver, params, results),
  }
}

function toLocation(placed: Placed): ValueLocation {
  return placed.kind === 'registers'
    ? { kind: 'registers', pieces: placed.pieces }
    : { kind: 'stack', offset: RETURN_ADDRESS_SIZE + placed.offset }
}
