/**
 * Shared steps of the network probes' end-to-end tests (httpsnoop, httpserver, tlssecrets,
 * tcpremote): compile a bundled probe for one fixture build, run it under real bpftrace
 * with the fixture as the traced command, and return the probe's lines next to the
 * fixture's own record. Also which bpftrace of the matrix runs which build and what it must do.
 */
import { expect } from 'vitest'
import { buildProgram, type BuiltProgram, type ProgramDefinition } from '../../src/index.ts'
import { bpftraceOf, buildsByMember, itE2E, runBpftrace, type Bpftrace, type MatrixMember } from '../support/bpftrace.ts'
import type { FixtureBuild } from '../support/fixtures.ts'

export interface ProbeRun {
  /** stdout lines of bpftrace that match the probe's line pattern. */
  lines: string[]
  /** The fixture's GOPROBE_FIXTURE_LOG lines. */
  record: string[]
  built: BuiltProgram
}

export interface RunOptions {
  params?: Record<string, string>
  /** Arguments of the fixture after its path. */
  args?: string[]
  /** Extra environment for the run (the fixture inherits it). */
  env?: Record<string, string>
  /** Which bpftrace stdout lines are the probe's. */
  lineFilter: RegExp
}

export function compile(def: ProgramDefinition, build: FixtureBuild, bpftrace: Bpftrace, params: Record<string, string> = {}): Promise<BuiltProgram> {
  // The exact version: comparing strings (the probes' filters) has no form every bpftrace version reads alike.
  return buildProgram(def, build.path, {
    params, pid: 'child', bpftraceVersion: bpftrace.version.replace(/^v/, ''), capabilities: { midFunctionAddress: bpftrace.offsetCapable },
  })
}

export async function runProbe(def: ProgramDefinition, build: FixtureBuild, bpftrace: Bpftrace, opts: RunOptions): Promise<ProbeRun> {
  const built = await compile(def, build, bpftrace, opts.params)
  const r = await runBpftrace({
    bpftrace, program: built.text, command: [build.path, ...(opts.args ?? [])],
    unsafe: built.requirements.unsafe, env: { ...built.requirements.env, ...opts.env },
  })
  // bpftrace 0.17 reports a harmless RLIMIT_MEMLOCK failure on this kernel; every other ERROR counts.
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('ERROR') && !l.includes('RLIMIT_MEMLOCK'))
  expect(errors, r.stderr).toEqual([])
  expect(r.code, `bpftrace exit code; stderr: ${r.stderr}`).toBe(0)
  expect(r.commandStdout, `the fixture wrote no record; bpftrace stderr: ${r.stderr}`).toBeDefined()
  return {
    lines: r.stdout.split('\n').filter((l) => opts.lineFilter.test(l)),
    record: (r.commandStdout ?? '').split('\n').filter(Boolean),
    built,
  }
}

/** Lines as a sorted multiset: goroutines make the order of events undefined. */
export const sorted = (lines: readonly string[]): string[] => [...lines].sort()

/**
 * How each build is expected to go with each bpftrace:
 * - 'run': the probe compiles and its output must equal the fixture's record;
 * - 'no-mid-function': stock bpftrace on a PIE build cannot attach return probes (addresses
 *   and file offsets coincide, so a file offset names a symbol): the compiler must say so;
 * - 'entry-guarded': the same, for a probe with entry probes only: they go to the first byte
 *   with a guard against the morestack re-entry, and the output must equal the record;
 * - 'stripped': no DWARF, so struct types come from elsewhere: either the probe runs, or
 *   the compiler names the unknown type (runtime-type layouts are not implemented yet).
 */
export type Expectation = 'run' | 'no-mid-function' | 'entry-guarded' | 'stripped'

export interface Case {
  build: FixtureBuild
  member: MatrixMember
  expect: Expectation
}

/** `returnProbes`: whether the probe has return handlers (they need mid-function probes). */
export function cases(builds: readonly FixtureBuild[], returnProbes: boolean): Case[] {
  return buildsByMember(builds).map(({ build, member }) => {
    const expectation: Expectation = build.mode === 'stripped' ? 'stripped' : 'run'
    const pie: Expectation = returnProbes ? 'no-mid-function' : 'entry-guarded'
    return { build, member, expect: !member.takesOffsets && build.mode === 'pie' ? pie : expectation }
  })
}

/** For each bpftrace of the matrix, its first case whose output must equal the record: the parameter tests run once per bpftrace. */
export function firstRunPerMember(all: readonly Case[]): Case[] {
  return [...new Set(all.map((c) => c.member))].flatMap((m) => all.find((c) => c.member === m && c.expect === 'run') ?? [])
}

/** The compiler's message when stock bpftrace meets a PIE build. */
export const NO_MID_FUNCTION = /this bpftrace cannot attach there/

/** The compiler's message when a stripped build lacks a struct type the probe needs. */
export const UNKNOWN_TYPE = /unknown type "[^"]+"/

export function caseLabel(c: Case): string {
  const what = {
    run: 'output equals the fixture record',
    'no-mid-function': 'refused: cannot attach mid-function',
    'entry-guarded': 'entry at the first byte, skipping the hit that grows the stack, output equals the record',
    stripped: 'output equals the record, or the unknown type is named',
  }[c.expect]
  return `${c.build.fixture} ${c.build.toolchain.id} ${c.build.mode}, ${c.member.label}: ${what}`
}

/** Run one case and hand a successful run to `check`; the refusals are asserted here. */
export async function checkCase(c: Case, def: ProgramDefinition, opts: RunOptions, check: (run: ProbeRun) => void | Promise<void>): Promise<void> {
  if (c.expect === 'no-mid-function') {
    await expect(compile(def, c.build, bpftraceOf(c.member), opts.params)).rejects.toThrow(NO_MID_FUNCTION)
    return
  }
  if (c.expect === 'stripped') {
    const problem = await compile(def, c.build, bpftraceOf(c.member), opts.params).then(() => undefined, (e: unknown) => (e instanceof Error ? e.message : String(e)))
    if (problem !== undefined) {
      expect(problem).toMatch(UNKNOWN_TYPE)
      console.warn(`${caseLabel(c)}: not traceable yet: ${problem}`)
      return
    }
  }
  const run = await runProbe(def, c.build, bpftraceOf(c.member), opts)
  if (c.expect === 'entry-guarded') expect(run.built.notes.join('\n')).toMatch(/entry probed at the first instruction, skipping the hit that grows the stack/)
  await check(run)
}

/** `itE2E` for one case, with the bpftrace it runs under. */
export function itCase(c: Case, name: string, fn: () => Promise<void>): void {
  itE2E(name, fn, c.member)
}

/** Equal as multisets; the message names the lines missing from and extra in `actual`. */
export function expectSameLines(actual: readonly string[], expected: readonly string[]): void {
  const missing = [...expected]
  const extra: string[] = []
  for (const l of actual) {
    const i = missing.indexOf(l)
    if (i >= 0) missing.splice(i, 1)
    else extra.push(l)
  }
  expect({ missing, extra }, `probe output vs record: ${missing.length} missing, ${extra.length} extra`).toEqual({ missing: [], extra: [] })
}
