/**
 * Dialect facts per release, as the compatibility reference (docs read from bpftrace's source
 * at each tag, and 0.17 runs) states them; ranges offer only what all their versions accept.
 */
import { describe, expect, it } from 'vitest'
import { describeDialect, dialectFor, dialectRange } from '../../src/bpftrace/dialect.ts'
import { compareVersions, parseVersion } from '../../src/bpftrace/version.ts'
import { UsageError } from '../../src/errors.ts'

describe('versions', () => {
  it('parses and orders release numbers', () => {
    expect(parseVersion('0.17.0')).toEqual({ major: 0, minor: 17, patch: 0 })
    expect(parseVersion('v0.21.3')).toEqual({ major: 0, minor: 21, patch: 3 })
    expect(compareVersions(parseVersion('0.9.4'), parseVersion('0.17.0'))).toBeLessThan(0)
    expect(compareVersions(parseVersion('0.23.1'), parseVersion('0.23.0'))).toBeGreaterThan(0)
    expect(() => parseVersion('latest')).toThrow(UsageError)
  })
})

describe('dialects', () => {
  it('adds language features at the releases that introduced them', () => {
    const at = (v: string) => dialectFor(v)
    expect([at('0.19.1').configBlock, at('0.20.0').configBlock]).toEqual([false, true])
    expect([at('0.20.4').forLoops, at('0.21.0').forLoops]).toEqual([false, true])
    expect([at('0.21.3').letDeclarations, at('0.22.0').letDeclarations]).toEqual([false, true])
    expect([at('0.21.3').twoArgDelete, at('0.22.0').twoArgDelete]).toEqual([false, true])
    expect([at('0.21.3').exitCode, at('0.22.0').exitCode]).toEqual([false, true])
    expect([at('0.23.5').percentEscape, at('0.24.0').percentEscape]).toEqual([false, true])
  })

  it('keeps printf records on the 512-byte stack before 0.22 only', () => {
    expect(dialectFor('0.21.3').printfStackLimit).toBe(512)
    expect(dialectFor('0.22.0').printfStackLimit).toBeUndefined()
  })

  it('follows str()’s length change in 0.23', () => {
    expect(dialectFor('0.22.1').strLength).toBe('n-bytes')
    expect(dialectFor('0.23.0').strLength).toBe('n-minus-one-bytes')
    expect(dialectRange('0.17.0', '0.22.1').strLength).toBe('n-bytes')
    expect(dialectRange('0.23.0').strLength).toBe('n-minus-one-bytes')
    expect(dialectRange().strLength).toBe('mixed')
  })

  it('knows the ?: of 0.22 and 0.23 that is wrong when an arm branches (fixed in 0.24)', () => {
    expect(dialectFor('0.21.3').branchingTernaryArms).toBe(true)
    expect(dialectFor('0.22.0').branchingTernaryArms).toBe(false)
    expect(dialectFor('0.23.5').branchingTernaryArms).toBe(false)
    expect(dialectFor('0.24.0').branchingTernaryArms).toBe(true)
    expect(dialectRange().branchingTernaryArms).toBe(false)
    expect(dialectRange('0.17.0', '0.21.3').branchingTernaryArms).toBe(true)
  })

  it('keeps 4 bytes of the string length for buf()’s header from 0.22, and 64 bytes at least from 0.25', () => {
    expect(dialectFor('0.21.3')).toMatchObject({ bufHeaderBytes: 0, minStrlen: 1 })
    expect(dialectFor('0.22.0')).toMatchObject({ bufHeaderBytes: 4, minStrlen: 1 })
    expect(dialectFor('0.24.2')).toMatchObject({ bufHeaderBytes: 4, minStrlen: 1 })
    expect(dialectFor('0.25.0')).toMatchObject({ bufHeaderBytes: 4, minStrlen: 64 })
    expect(dialectRange()).toMatchObject({ bufHeaderBytes: 4, minStrlen: 64 })
  })

  it('names the string-length variables each version reads, with the 200-byte cap up to 0.20', () => {
    expect(dialectFor('0.19.1')).toMatchObject({ strlenEnvVars: ['BPFTRACE_STRLEN'], maxStrlen: 200, defaultStrlen: 64 })
    expect(dialectFor('0.20.0')).toMatchObject({ strlenEnvVars: ['BPFTRACE_MAX_STRLEN'], maxStrlen: 200, defaultStrlen: 64 })
    expect(dialectFor('0.21.0')).toMatchObject({ strlenEnvVars: ['BPFTRACE_MAX_STRLEN'], maxStrlen: undefined, defaultStrlen: 64 })
    expect(dialectFor('0.23.0')).toMatchObject({ strlenEnvVars: ['BPFTRACE_MAX_STRLEN'], maxStrlen: undefined, defaultStrlen: 1024 })
    expect(dialectFor('0.26.1').strlenEnvVars).toEqual(['BPFTRACE_MAX_STRLEN'])
    expect(dialectRange().strlenEnvVars).toEqual(['BPFTRACE_STRLEN', 'BPFTRACE_MAX_STRLEN'])
  })

  it('makes the default range the conservative subset of 0.17 to the latest', () => {
    const d = dialectRange()
    expect(describeDialect(d)).toBe('bpftrace 0.17.0..latest')
    expect(d).toMatchObject({ letDeclarations: false, configBlock: false, forLoops: false, twoArgDelete: false, percentEscape: false, printfStackLimit: 512, maxStrlen: 200, defaultStrlen: 64 })
    expect(describeDialect(dialectFor('0.24.0'))).toBe('bpftrace 0.24.0')
  })

  it('refuses versions older than 0.17 and empty ranges', () => {
    expect(() => dialectFor('0.16.0')).toThrow(/older than the oldest supported/)
    expect(() => dialectRange('0.22.0', '0.21.0')).toThrow(/empty bpftrace version range/)
  })
})
