/**
 * Shared steps of the runtime probes' end-to-end tests (goroutine, latency, panics,
 * recover, shortread, skeleton, random, sqlsnoop, funccount, args) on the runtimeops
 * fixture: which bpftrace of the matrix runs which build and what it must do, compiling a bundled
 * probe (with repeated parameters such as `symbol=a symbol=b`), running it on
 * `runtimeops <mode>` under real bpftrace, and returning its output next to the
 * fixture's own record.
 */
import { expect } from 'vitest'
import { buildProgram, type BuiltProgram, type ProgramDefinition } from '../../src/index.ts'
import { announcedProbes, bpftraceOf, buildsByMember, runBpftrace, type MatrixMember } from '../support/bpftrace.ts'
import { allBuilds, buildLabel, type FixtureBuild } from '../support/fixtures.ts'

export type Params = Record<string, string | string[]>

/** What a stripped build (no DWARF) must do with a probe. */
export type Stripped = 'run' | 'unknown-type' | 'no-signature'

/**
 * - 'run': the output must equal the fixture's record;
 * - 'no-mid-function': stock bpftrace on a PIE build cannot attach return probes (a file
 *   offset names a symbol there): the compiler must say so;
 * - 'unknown-type': a stripped build lacks a struct layout the probe needs (runtime-type
 *   layouts are being added elsewhere): the compiler must name the type;
 * - 'no-signature': a stripped build has no signature for a function the probe reads the
 *   values of, and none was declared: the compiler must say so.
 */
export type Expectation = 'run' | 'no-mid-function' | 'unknown-type' | 'no-signature'

export interface Case {
  build: FixtureBuild
  member: MatrixMember
  expect: Expectation
}

export interface ProbeShape {
  /** The probe has return handlers (they need mid-function probes). */
  returns: boolean
  stripped: Stripped
}

/** Every runtimeops build with each bpftrace of the matrix that runs its toolchain, and what each must do. */
export async function runtimeCases(shape: ProbeShape): Promise<Case[]> {
  return buildsByMember(await allBuilds('runtimeops')).map(({ build, member }) => {
    const base: Expectation = build.mode === 'stripped' ? shape.stripped : 'run'
    // Stock bpftrace: entries fall back to the first byte with a guard; returns need mid-function addresses.
    const noOffsetsPie: Expectation = shape.returns ? 'no-mid-function' : 'run'
    return { build, member, expect: !member.takesOffsets && build.mode === 'pie' ? noOffsetsPie : base }
  })
}

export function caseLabel(c: Case): string {
  const what = {
    run: 'output equals the fixture record',
    'no-mid-function': 'refused: cannot attach mid-function',
    'unknown-type': 'refused: names the unknown type',
    'no-signature': 'refused: no DWARF and no declared signature',
  }[c.expect]
  return `${buildLabel(c.build)}, ${c.member.label}: ${what}`
}

export interface RuntimeRun {
  /** bpftrace's stdout lines (the probe's output, then the maps printed at exit). */
  lines: string[]
  /** The fixture's GOPROBE_FIXTURE_LOG lines. */
  record: string[]
  built: BuiltProgram
  /** How many probes bpftrace said it attached (0.27 says so on stderr, earlier versions on stdout). */
  announcedProbes: number | undefined
}

const NO_MID_FUNCTION = /this bpftrace cannot attach there/
const UNKNOWN_TYPE = /unknown type "[^"]+"/
const NO_SIGNATURE = /the binary has no DWARF and no signature was declared/

function compile(def: ProgramDefinition, c: Case, params: Params): Promise<BuiltProgram> {
  return buildProgram(def, c.build.path, { params, pid: 'child', capabilities: { midFunctionAddress: c.member.takesOffsets } })
}

/** Compile and run `def` on `runtimeops <mode>` and hand the run to `check`, or assert the refusal the case expects. */
export async function checkCase(c: Case, def: ProgramDefinition, mode: string, params: Params, check: (run: RuntimeRun) => void): Promise<void> {
  if (c.expect === 'no-mid-function') {
    await expect(compile(def, c, params)).rejects.toThrow(NO_MID_FUNCTION)
    return
  }
  if (c.expect === 'unknown-type' || c.expect === 'no-signature') {
    await expect(compile(def, c, params)).rejects.toThrow(c.expect === 'unknown-type' ? UNKNOWN_TYPE : NO_SIGNATURE)
    return
  }
  const built = await compile(def, c, params)
  const r = await runBpftrace({
    bpftrace: bpftraceOf(c.member), program: built.text, command: [c.build.path, mode],
    unsafe: built.requirements.unsafe, env: built.requirements.env,
  })
  // bpftrace 0.17 reports a harmless RLIMIT_MEMLOCK failure on this kernel; every other error counts.
  const errors = r.stderr.split('\n').filter((l) => /^(ERROR|error)/.test(l) && !l.includes('RLIMIT_MEMLOCK'))
  expect(errors, r.stderr).toEqual([])
  expect(r.code, `bpftrace exit code; stderr: ${r.stderr}`).toBe(0)
  expect(r.commandStdout, `the fixture wrote no record; bpftrace stderr: ${r.stderr}`).toBeDefined()
  check({ lines: r.stdout.split('\n'), record: (r.commandStdout ?? '').split('\n').filter(Boolean), built, announcedProbes: announcedProbes(`${r.stdout}\n${r.stderr}`) })
}

/** Lines as a sorted multiset: goroutines make the order of events undefined. */
export const sorted = (lines: readonly string[]): string[] => [...lines].sort()
