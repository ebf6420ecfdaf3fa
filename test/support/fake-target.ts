// A TargetFacts with no binary behind it, for compiler tests that need no Go toolchain. Each
// test gives the facts its program uses; any other question fails the test with its name, so
// a test cannot pass on facts it never stated.
import type { TargetFacts } from '../../src/compiler/target-facts.ts'

type Questions = Omit<TargetFacts, 'path' | 'goVersion' | 'buildId' | 'abi' | 'isPIE' | 'isStripped'>

export function fakeTarget(given: Partial<TargetFacts> = {}): TargetFacts {
  const base = {
    path: '/nonexistent/fake-binary',
    goVersion: 'go1.26.0',
    buildId: 'fake-build-id',
    abi: { value: 'register' as const, source: 'declared' as const, detail: 'stated by the test' },
    isPIE: false,
    isStripped: false,
  }
  const unasked = (name: keyof Questions) => () => {
    throw new Error(`fake target: the test did not state ${name}()`)
  }
  const questions: Questions = {
    findFunction: unasked('findFunction'),
    matchFunctions: unasked('matchFunctions'),
    suggestFunctions: unasked('suggestFunctions'),
    functionFacts: unasked('functionFacts'),
    lookupType: unasked('lookupType'),
    parseType: unasked('parseType'),
    goidOffset: unasked('goidOffset'),
    typeNameFacts: unasked('typeNameFacts'),
    globalVariable: unasked('globalVariable'),
    lineSites: unasked('lineSites'),
    inputLocationAt: unasked('inputLocationAt'),
    fileOffsetHitsSymbol: unasked('fileOffsetHitsSymbol'),
  }
  return { ...base, ...questions, ...given }
}
