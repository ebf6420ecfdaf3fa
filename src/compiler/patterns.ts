import type { ProbeNode, UprobeNode } from '../dsl/ir.ts'
import { UsageError } from '../errors.ts'
import type { TargetFacts } from './target-facts.ts'

/** More probes than this take bpftrace minutes to attach and are almost surely a too-wide pattern. */
export const MAX_PATTERN_FUNCTIONS = 1000

/**
 * Replace each uprobe over a name pattern with one uprobe per matching function of the
 * binary (sorted by name, so the output is deterministic). The DSL cannot do this: it
 * never opens the binary.
 */
export function expandPatterns(probes: readonly ProbeNode[], target: TargetFacts): ProbeNode[] {
  return probes.flatMap((p): ProbeNode[] => {
    if (p.kind !== 'uprobe' || !p.pattern) return [p]
    const regex = new RegExp(p.pattern.source, p.pattern.flags)
    const names = target.matchFunctions(regex)
    if (names.length === 0 && !p.optional) throw new UsageError(`no function of ${target.path} matches ${String(regex)}`)
    if (names.length > MAX_PATTERN_FUNCTIONS) {
      throw new UsageError(`${String(regex)} matches ${names.length} functions; at most ${MAX_PATTERN_FUNCTIONS} can be probed at once: narrow the pattern`)
    }
    return names.map((name): UprobeNode => ({ kind: 'uprobe', functions: [name], declared: p.declared, optional: p.optional, handlers: p.handlers }))
  })
}
