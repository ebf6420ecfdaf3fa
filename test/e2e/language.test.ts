// End-to-end tests of the probe language: each feature compiled by goprobe for a real
// Go binary, run under real bpftrace, and compared with the fixture's own record of
// what it did (test/fixtures/go/lang and stackgrow). The bpftraces that take probes inside
// functions run the unstripped and PIE builds; stock 0.17 runs default builds (raw file
// offsets) and the PIE's entry fallback; every bpftrace runs the stripped builds.
import { spawn } from 'node:child_process'
import { expect } from 'vitest'
import { buildProgram, type ProgramDefinition } from '../../src/index.ts'
import { allBuilds, buildLabel, type FixtureBuild } from '../support/fixtures.ts'
import { bpftraceOf, buildsByMember, describeE2E, itE2E, runBpftrace, type Bpftrace } from '../support/bpftrace.ts'
import { languageProbe, stackGrowthProbe } from './language-probes.ts'

const langBuilds = await allBuilds('lang')
const growBuilds = await allBuilds('stackgrow')

async function run(def: ProgramDefinition, build: FixtureBuild, bpftrace: Bpftrace, args: string[], params: Record<string, string> = {}) {
  // The exact version: a range holding 0.20/0.21 (512-byte stack) and 0.25+ (64-byte string floor)
  // has no string length for this program (see dialect.ts minStrlen). The fixture's strings are
  // at most 8 bytes; 16 keeps Visit's printf of three strings (each with its `...` marker, 64
  // bytes of stack apiece on 0.17) within 0.17's 512-byte stack.
  const built = await buildProgram(def, build.path, {
    params, pid: 'child', strlen: 16, bpftraceVersion: bpftrace.version.replace(/^v/, ''), capabilities: { midFunctionAddress: bpftrace.offsetCapable },
  })
  // Decoys run the same binary all along: uprobes are per binary, so only the pid filter keeps their calls out.
  const decoy = spawn('/bin/sh', ['-c', 'while :; do "$0" 5; done', build.path], { stdio: 'ignore', detached: true, env: { ...process.env, GOPROBE_FIXTURE_LOG: '' } })
  const r = await runBpftrace({ bpftrace, program: built.text, command: [build.path, ...args], unsafe: built.requirements.unsafe, env: { ...built.requirements.env } })
    .finally(() => process.kill(-decoy.pid!, 'SIGKILL'))
  // bpftrace 0.17 reports a harmless RLIMIT_MEMLOCK failure on this kernel; every other ERROR counts.
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('ERROR') && !l.includes('RLIMIT_MEMLOCK'))
  expect(errors, r.stderr).toEqual([])
  expect(r.code, `bpftrace exit code; stderr: ${r.stderr}`).toBe(0)
  const probeLines = r.stdout.split('\n').filter((l) => /^(Visit|Small|Depth|Work|Grow|@)/.test(l))
  return { probeLines, record: (r.commandStdout ?? '').split('\n').filter(Boolean), built }
}

const sorted = (lines: string[]) => [...lines].sort()

function checkLanguage(probe: string[], record: string[], count: number, structs: boolean) {
  // The record also lists calls this probe does not trace (Scale, Unnamed: see compile-errors.test.ts).
  const traced = structs ? /^(Visit|Small|Depth|Work) / : /^(Small|Depth|Work) /
  const wanted = record.filter((l) => traced.test(l))
  // Every line the fixture wrote appears in the probe's output (Depth prints each level).
  const depthLevels = probe.filter((l) => l.startsWith('Depth'))
  expect(sorted(probe.filter((l) => !l.startsWith('Depth') && !l.startsWith('@')))).toEqual(sorted(wanted.filter((l) => !l.startsWith('Depth'))))
  // Recursion: each level's entry argument paired with its own return, at every level.
  const expectDepth = Array.from({ length: count }, () => [0, 1, 2, 3, 4].map((n) => `Depth ${n} -> ${n}`)).flat()
  expect(sorted(depthLevels)).toEqual(sorted(expectDepth))
  // Map aggregation printed at exit: calls per function name.
  expect(probe).toContain(`@calls[Work]: ${4 * count}`)
}

describeE2E('probe language under the bpftraces that take probes inside functions', () => {
  for (const { build, member } of buildsByMember(langBuilds.filter((b) => b.mode !== 'stripped'), 'offset-capable')) {
    itE2E(`${buildLabel(build)}, ${member.label}: arguments, results, fields, entry values, goroutines, recursion, maps`, async () => {
      const { probeLines, record } = await run(languageProbe, build, bpftraceOf(member), ['3'])
      checkLanguage(probeLines, record, 3, true)
    }, member)
  }
  for (const { build, member } of buildsByMember(growBuilds.filter((b) => b.mode !== 'stripped'), 'offset-capable')) {
    itE2E(`${buildLabel(build)}, ${member.label}: one entry event per call although the stack grows in the prologue`, async () => {
      const { probeLines, record } = await run(stackGrowthProbe, build, bpftraceOf(member), ['6'])
      expect(record).toContain('Grow calls: 6')
      expect(probeLines).toContain('@entries: 6')
    }, member)
  }
})

describeE2E('probe language on stripped builds (no DWARF)', () => {
  for (const { build, member } of buildsByMember(langBuilds.filter((b) => b.mode === 'stripped'))) {
    itE2E(`${buildLabel(build)}, ${member.label}: declared signatures of builtin types`, async () => {
      const { probeLines, record } = await run(languageProbe, build, bpftraceOf(member), ['2'], { structs: 'no' })
      checkLanguage(probeLines, record, 2, false)
    }, member)
  }
})

describeE2E('probe language under the bpftrace that takes no probes inside functions (raw file offsets)', () => {
  for (const { build, member } of buildsByMember(langBuilds.filter((b) => b.mode === 'default'), 'stock')) {
    itE2E(`${buildLabel(build)}, ${member.label}: the same program through file offsets`, async () => {
      const { probeLines, record } = await run(languageProbe, build, bpftraceOf(member), ['2'])
      checkLanguage(probeLines, record, 2, true)
    }, member)
  }
  for (const { build, member } of buildsByMember(growBuilds.filter((b) => b.mode === 'pie'), 'stock')) {
    itE2E(`${buildLabel(build)}, ${member.label}: PIE with symbols: entry at the first byte, skipping the hit that grows the stack`, async () => {
      const { probeLines, record, built } = await run(stackGrowthProbe, build, bpftraceOf(member), ['6'])
      expect(built.notes.join('\n')).toMatch(/entry probed at the first instruction, skipping the hit that grows the stack/)
      expect(record).toContain('Grow calls: 6')
      expect(probeLines).toContain('@entries: 6')
    }, member)
  }
})
