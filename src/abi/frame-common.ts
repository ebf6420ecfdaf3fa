/** Preconditions and bookkeeping shared by both ABI calculators. */
import { UnsupportedError } from '../errors.ts'
import type { Param, Signature } from '../gotypes/types.ts'
import type { AssignedValue } from './location.ts'

/**
 * Refuses a signature that may be missing entries: assigning registers by position
 * from a partial list (DWARF omits unnamed parameters) silently gives wrong values.
 */
export function requireComplete(sig: Signature): void {
  if (!sig.complete) {
    throw new UnsupportedError(
      `the ${sig.source} signature may be missing parameters, so argument locations cannot be computed from it; declare the full signature`,
    )
  }
}

/** The name property of an assigned value: present only when the source named it. */
export const nameOf = (p: Param): { name?: string } => (p.name === undefined ? {} : { name: p.name })

/** Zero-size values have a location but no bytes: reading them is meaningless, and the user should know. */
export function zeroSizeWarnings(receiver: AssignedValue | undefined, params: readonly AssignedValue[], results: readonly AssignedValue[]): string[] {
  const warnings: string[] = []
  const check = (v: AssignedValue, role: string, index: number) => {
    if (v.type.size !== 0) return
    const label = v.name === undefined ? `${role} ${index}` : `${role} ${JSON.stringify(v.name)}`
    warnings.push(`${label} has zero size and occupies no storage`)
  }
  if (receiver !== undefined) check(receiver, 'receiver', 0)
  params.forEach((v, i) => check(v, 'parameter', i))
  results.forEach((v, i) => check(v, 'result', i))
  return warnings
}
