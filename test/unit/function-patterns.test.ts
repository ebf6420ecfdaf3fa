// expandPatterns: uprobe(functions(/re/)) becomes one probe per matching function, in name
// order, with the handlers shared; a pattern matching nothing (unless optional) or too much
// is a usage error naming the pattern.
import { describe, expect, it } from 'vitest'
import { expandPatterns, MAX_PATTERN_FUNCTIONS } from '../../src/compiler/patterns.ts'
import type { TargetFacts } from '../../src/compiler/target-facts.ts'
import type { ProbeNode } from '../../src/dsl/ir.ts'
import { functions, map, probedFunction, program, uprobe } from '../../src/index.ts'

/** Only matchFunctions and path are used by the expansion. */
function targetWith(names: string[]): TargetFacts {
  const matchFunctions = (re: RegExp) => names.filter((n) => re.test(n)).sort()
  return { path: '/bin/x', matchFunctions } as unknown as TargetFacts
}

function ir(pattern: RegExp, optional = false): readonly ProbeNode[] {
  const def = program({ filename: undefined } as unknown as ImportMeta, { name: 't', description: 't' }, () => {
    uprobe(functions(pattern), { optional }).onEntry(() => map('calls').at(probedFunction()).count())
  })
  return def.build({}).probes
}

describe('expandPatterns', () => {
  it('gives one uprobe per matching function, sorted, sharing the handlers', () => {
    const probes = expandPatterns(ir(/^main\.(b|a)/g), targetWith(['main.b', 'main.a1', 'runtime.a', 'main.a0']))
    expect(probes.map((p) => (p.kind === 'uprobe' ? p.functions : []))).toEqual([['main.a0'], ['main.a1'], ['main.b']])
    const handlers = probes.map((p) => (p.kind === 'uprobe' ? p.handlers : undefined))
    expect(new Set(handlers).size).toBe(1)
    expect(probes.every((p) => p.kind === 'uprobe' && p.pattern === undefined)).toBe(true)
  })
  it('refuses a pattern that matches nothing, unless the probe is optional', () => {
    expect(() => expandPatterns(ir(/^nope\./), targetWith(['main.a']))).toThrow('no function of /bin/x matches /^nope\\./')
    expect(expandPatterns(ir(/^nope\./, true), targetWith(['main.a']))).toEqual([])
  })
  it('refuses a pattern that matches too many functions', () => {
    const many = Array.from({ length: MAX_PATTERN_FUNCTIONS + 1 }, (_, i) => `main.f${i}`)
    expect(() => expandPatterns(ir(/^main\./), targetWith(many))).toThrow(`matches ${MAX_PATTERN_FUNCTIONS + 1} functions`)
  })
})
