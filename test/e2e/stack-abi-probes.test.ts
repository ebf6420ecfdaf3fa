// A bundled probe on the stack-ABI binary: esbuild 0.8.57 (go1.16, stripped) reading its
// input from a pipe. Arguments come from the stack, the goroutine from TLS (fs:-8), the
// os.File layout from go1.16 runtime type metadata. The oracle is the input the test wrote.
import { expect } from 'vitest'
import { buildProgram } from '../../src/index.ts'
import { loadProbe } from '../../src/cli/probe-modules.ts'
import { esbuildBinary } from '../support/fixtures.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace, type MatrixMember } from '../support/bpftrace.ts'

const INPUT = 'let answer = 42\n'

async function shortreadOnEsbuild(member: MatrixMember): Promise<void> {
  const bpftrace = bpftraceOf(member)
  const esbuild = await esbuildBinary()
  expect(esbuild, 'esbuild 0.8.57 from npm').toBeDefined()
  // esbuild is bpftrace's own child, reading the input from the pipe it inherits: bpftrace
  // 0.23 and later attach uprobes for -c's process only, so a shell in between would hide it.
  const built = await buildProgram(await loadProbe('shortread'), esbuild!, { params: { all: 'true' }, pid: 'child', capabilities: { midFunctionAddress: member.takesOffsets } })
  expect(built.text).toContain('stack ABI')
  expect(built.text).toContain('g from TLS fs:-8')
  const r = await runBpftrace({ bpftrace, program: built.text, command: [esbuild!], stdin: INPUT, unsafe: built.requirements.unsafe, env: { ...built.requirements.env } })
  expect(r.code, r.stderr).toBe(0)
  const reads = r.stdout.split('\n').filter((l) => l.startsWith('read '))
  expect(reads[0]).toBe(`read /dev/stdin requested 512 got ${INPUT.length} err 0`)
  expect(reads[1]).toBe(`read /dev/stdin requested ${512 - INPUT.length} got 0 err 1`)
}

describeE2E('bundled probes on the stack-ABI esbuild binary', () => {
  for (const member of bpftraceMatrix()) {
    itE2E(`shortread while esbuild reads its input from a pipe (${member.label})`, () => shortreadOnEsbuild(member), member)
  }
})
