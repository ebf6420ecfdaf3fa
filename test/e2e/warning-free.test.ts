// bpftrace has nothing to say about the programs goprobe generates: every bundled probe and the
// demo's probe, compiled for each installed bpftrace (the one goprobe would run them with), pass
// that bpftrace's own compile-only mode with no warning and no error. Versions differ in what
// they warn about (0.17 about mixed signs, 0.26+ about casts and signed division, 0.25+ about a
// discarded delete()), so each gets the program printed for it.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect } from 'vitest'
import { buildProgram, type ProgramDefinition } from '../../src/index.ts'
import { compileOnlyArgs, detectCapabilities } from '../../src/bpftrace/capabilities.ts'
import { formatVersion } from '../../src/bpftrace/version.ts'
import { bpftraceFor } from '../../src/cli/bpftrace-choice.ts'
import { Target } from '../../src/target.ts'
import { demoBinary } from '../../scripts/demo-binary.ts'
import orders from '../../examples/demo/orders.ts'
import { allBuilds } from '../support/fixtures.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E } from '../support/bpftrace.ts'

const exec = promisify(execFile)

/** Each bundled probe with parameters that make it probe something in the binary it is compiled for. */
const PROBES: { name: string; params: Record<string, string>; binary: 'demo' | 'runtimeops' }[] = [
  { name: 'httpsnoop', params: {}, binary: 'demo' },
  { name: 'httpserver', params: {}, binary: 'demo' },
  { name: 'tcpremote', params: {}, binary: 'demo' },
  { name: 'tlssecrets', params: {}, binary: 'demo' },
  { name: 'goroutine', params: { stack: 'true' }, binary: 'demo' },
  { name: 'latency', params: { symbol: 'main.handleOrder', print: 'true' }, binary: 'demo' },
  { name: 'funccount', params: { pattern: '^main\\.' }, binary: 'demo' },
  { name: 'args', params: { symbol: 'main.handleOrder' }, binary: 'demo' },
  { name: 'skeleton', params: { symbol: 'main.handleOrder' }, binary: 'demo' },
  { name: 'panics', params: {}, binary: 'demo' },
  { name: 'recover', params: {}, binary: 'demo' },
  { name: 'shortread', params: { all: 'true' }, binary: 'demo' },
  { name: 'random', params: {}, binary: 'runtimeops' },
  { name: 'sqlsnoop', params: {}, binary: 'runtimeops' },
  { name: 'trace-lines', params: { line: 'main.go:30', stack: 'true' }, binary: 'demo' },
]

const scratch = mkdtempSync(join(tmpdir(), 'goprobe-warnings-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

async function binaryFor(which: 'demo' | 'runtimeops'): Promise<string> {
  if (which === 'demo') return demoBinary()
  const builds = await allBuilds('runtimeops')
  return builds.find((b) => b.mode === 'default')!.path
}

/** What bpftrace printed about the program in its compile-only mode: warnings and errors, one per line. */
async function complaints(bpftrace: string, def: ProgramDefinition, params: Record<string, string>, binary: string): Promise<string[]> {
  const target = Target.open(binary)
  try {
    const choice = await bpftraceFor({ bpftrace, run: false }, target)
    const built = await buildProgram(def, target, { params, ...choice.target })
    const file = join(scratch, `${def.meta.name}.bt`)
    writeFileSync(file, built.text)
    const version = (await detectCapabilities(bpftrace)).version
    const args = [...compileOnlyArgs(version), ...(built.requirements.unsafe ? ['--unsafe'] : []), file]
    const { stdout, stderr } = await exec(bpftrace, args, { env: { ...process.env, ...built.requirements.env }, timeout: 120_000 }).catch(
      (e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}\nexit: ${e.code}` }),
    )
    return `${stdout}\n${stderr}`
      .split('\n')
      .filter((l) => /WARNING|ERROR|error|exit:/.test(l))
      // About the machine, not the program (goprobe run says these in its own words, once):
      // this process's locked-memory limit, and a tracefs without available_filter_functions.
      .filter((l) => !/couldn't set RLIMIT_MEMLOCK|available_filter_functions/.test(l))
  } finally {
    target.close()
  }
}

describeE2E('generated programs are warning-free', () => {
  for (const member of bpftraceMatrix()) {
    itE2E(`every bundled probe and the demo's probe (${member.label})`, async () => {
      const path = bpftraceOf(member).path
      const version = formatVersion((await detectCapabilities(path)).version)
      const failures: string[] = []
      const demoProbe = { name: 'the demo\'s orders probe', params: {}, binary: 'demo' as const }
      for (const p of [...PROBES, demoProbe]) {
        const def = p === demoProbe ? orders : ((await import(`../../probes/${p.name}.ts`)).default as ProgramDefinition)
        try {
          const said = await complaints(path, def, p.params, await binaryFor(p.binary))
          if (said.length) failures.push(`${p.name}: ${said.join(' | ')}`)
        } catch (e) {
          // A bpftrace that cannot attach inside functions cannot run return probes in a binary
          // whose file offsets collide with its symbols: the compiler refuses, which is right.
          if (!/cannot attach there/.test((e as Error).message)) failures.push(`${p.name}: ${(e as Error).message.split('\n')[0]}`)
        }
      }
      expect(failures, `bpftrace ${version} at ${path}`).toEqual([])
    }, member, 900_000)
  }
})
