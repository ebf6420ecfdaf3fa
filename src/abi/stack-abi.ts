/**
 * ABI0, the stack ABI: every Go function before Go 1.17 and assembly functions in every
 * version. Receiver and parameters are laid out like struct fields from 8(SP), each at
 * its own alignment; results follow at the next 8-byte boundary. Nothing is in registers.
 */
import type { Param, Signature } from '../gotypes/types.ts'
import { alignUp } from '../gotypes/layout.ts'
import { CLOSURE_CONTEXT_REG, RETURN_ADDRESS_SIZE, type AssignedValue, type FrameAssignment } from './location.ts'
import { nameOf, requireComplete, zeroSizeWarnings } from './frame-common.ts'

/** Results start, and the argument area ends, at a register-size boundary. */
const WORD = 8

export function assignStackABI(sig: Signature): FrameAssignment {
  requireComplete(sig)
  let offset = 0
  const place = (p: Param): AssignedValue => {
    offset = alignUp(offset, p.type.align)
    const value = { ...nameOf(p), type: p.type, location: { kind: 'stack', offset: RETURN_ADDRESS_SIZE + offset } } as const
    offset += p.type.size
    return value
  }
  const receiver = sig.receiver === undefined ? undefined : place(sig.receiver)
  const params = sig.params.map(place)
  offset = alignUp(offset, WORD)
  const results = sig.results.map(place)
  offset = alignUp(offset, WORD)
  return {
    abi: 'stack',
    ...(receiver === undefined ? {} : { receiver }),
    params,
    results,
    closureContext: CLOSURE_CONTEXT_REG,
    argumentAreaSize: offset,
    warnings: zeroSizeWarnings(receiver, params, results),
  }
}
