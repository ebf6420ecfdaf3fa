// A function name from the binary is text goprobe did not write: it must never reach
// bpftrace as code. Here a stripped fixture's pclntab is patched so that main.Depth is
// named with a quote, a brace and a newline; the generated program must still run
// exactly the probes it means to, and read the right values.
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { buildProgram, goroutineId, printf, program, result, uprobe } from '../../src/index.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace } from '../support/bpftrace.ts'

const ORIGINAL = 'main.Depth'
const HOSTILE = 'main.D"}\n{' // same length: the name table keeps its layout

function patchNames(bytes: Buffer): number {
  const needle = Buffer.from(`${ORIGINAL}\0`)
  let count = 0
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    bytes.write(HOSTILE, at, 'latin1')
    count++
  }
  return count
}

describeE2E('hostile names from the binary', () => {
  for (const member of bpftraceMatrix()) {
    itE2E(`${member.label}: a function named with a quote, a brace and a newline is probed safely`, async () => {
      const tc = (await toolchains())[0]!
      const build = await buildFixture('lang', tc, 'stripped')
      const dir = mkdtempSync(join(tmpdir(), 'goprobe-hostile-'))
      const patched = join(dir, 'lang')
      const bytes = readFileSync(build.path)
      expect(patchNames(bytes)).toBeGreaterThan(0)
      writeFileSync(patched, bytes)
      chmodSync(patched, 0o755)

      const def = program(import.meta, { name: 'hostile', description: 'probe a function with a hostile name' }, () => {
        uprobe(HOSTILE, { signatures: { [HOSTILE]: 'func(n int) int' } }).onReturn(({ entry }) => {
          printf('Depth %d -> %d g=%d\n', entry.arg('n'), result(0), goroutineId())
        })
      })
      const built = await buildProgram(def, patched, { pid: 'child', capabilities: { midFunctionAddress: member.takesOffsets } })
      // The name only ever appears inside comments, with the newline neutralised.
      for (const line of built.text.split('\n')) if (line.includes('main.D"}')) expect(line.trimStart().startsWith('//'), line).toBe(true)
      expect(built.text).not.toContain('main.D"}\n{')

      const r = await runBpftrace({ bpftrace: bpftraceOf(member), program: built.text, command: [patched, '1'], unsafe: built.requirements.unsafe, env: { ...built.requirements.env } })
      expect(r.code, r.stderr).toBe(0)
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('Depth'))
      expect(lines.map((l) => l.replace(/ g=\d+$/, '')).sort()).toEqual([0, 1, 2, 3, 4].map((n) => `Depth ${n} -> ${n}`))
    }, member)
  }
})
