// Function names longer than any bpftrace accepts as a string literal (0.17: 64 bytes whatever
// the string length; 0.23+: the string length): funccount on the `go` command itself, whose
// generic cmd/internal/par.(*Cache[...]) methods have names up to 180 bytes, running
// `go list -m -json all`. Every installed bpftrace must load the program and print the same
// counts, under labels that END names (the names come from `go tool nm`, not from goprobe).
import { execFileSync } from 'node:child_process'
import { expect } from 'vitest'
import funccount from '../../probes/funccount.ts'
import { buildProgram } from '../../src/index.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E } from '../support/bpftrace.ts'
import { FIXTURES_DIR, goTool, toolchains } from '../support/fixtures.ts'

const PATTERN = '^cmd/internal/par\\.\\(\\*Cache\\['
const [toolchain] = await toolchains()
const goBin = toolchain!.goBin

describeE2E('names longer than a bpftrace literal', () => {
  const counts = new Map<string, string>()
  for (const member of bpftraceMatrix()) {
    itE2E(`funccount on the go command under ${member.label}`, async () => {
      const found = bpftraceOf(member)
      const b = { path: found.path, version: found.version.replace(/^v/, '') }
      const nm = await goTool(toolchain!, ['tool', 'nm', goBin])
      const names = new Set(nm.split('\n').map((l) => l.trim().split(/\s+/).slice(2).join(' ')).filter((n) => new RegExp(PATTERN).test(n)))
      expect([...names].some((n) => n.length > 150)).toBe(true)
      const built = await buildProgram(funccount, goBin, {
        params: { pattern: PATTERN }, pid: 'child', bpftraceVersion: b.version, capabilities: { midFunctionAddress: false },
      })
      const env = { ...process.env, ...built.requirements.env, GOFLAGS: '', GOTELEMETRY: 'off' }
      const args = [...(built.requirements.unsafe ? ['--unsafe'] : []), '-c', `${goBin} list -m -json all`, '-e', built.text]
      let out: string
      try {
        out = execFileSync(b.path, args, { encoding: 'utf8', env, cwd: `${FIXTURES_DIR}/httpsnoop`, timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 })
      } catch (err) {
        throw new Error(`bpftrace ${b.version} failed: ${String((err as { stderr?: string }).stderr ?? err)}`)
      }
      const legend = new Map([...out.matchAll(/^(#\d+) = (.*)$/gm)].map((m) => [m[1]!, m[2]!]))
      expect([...legend.values()].every((n) => names.has(n))).toBe(true)
      const called = [...out.matchAll(/^@calls\[(.+)\]: (\d+)$/gm)].map((m) => `${legend.get(m[1]!) ?? m[1]}: ${m[2]}`).sort()
      expect(called.length).toBeGreaterThan(0)
      expect(called.some((c) => c.length > 100), called.join('\n')).toBe(true)
      for (const c of called) expect(names.has(c.replace(/: \d+$/, '')), c).toBe(true)
      counts.set(b.version, called.join('\n'))
      // The same calls are counted on every version.
      expect(new Set(counts.values()).size, [...counts].join('\n---\n')).toBe(1)
    }, member, 600_000)
  }
})
