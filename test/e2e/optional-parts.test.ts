// Bundled probes degrade gracefully: tcpremote on a program that dials but never listens
// runs its dial probe, says once that it left the accept probe out, and prints the dial the
// program recorded; a binary with neither is refused in one line.
import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/build.ts'
import tcpremote from '../../probes/tcpremote.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace } from '../support/bpftrace.ts'
import { goToolNm } from '../support/oracles.ts'
import { buildFixture, REPO_ROOT, toolchains } from '../support/fixtures.ts'

const exec = promisify(execFile)

async function buildDialOnly(): Promise<string> {
  const [tc] = await toolchains()
  const out = join(await mkdtemp(join(tmpdir(), 'goprobe-dial-only-')), 'dial-only')
  await exec(tc!.goBin, ['build', '-o', out, '.'], { cwd: join(REPO_ROOT, 'test', 'fixtures', 'dial-only'), env: { ...process.env, ...tc!.env } })
  return out
}

describeE2E('optional parts of bundled probes', () => {
  for (const member of bpftraceMatrix()) {
    itE2E(`${member.label}: tcpremote on a program that only dials: the dial is traced, the missing accept is one note`, async () => {
      const binary = await buildDialOnly()
      const names = (await goToolNm(binary)).map((s) => s.name)
      expect(names).toContain('net.(*sysDialer).dialTCP')
      expect(names).not.toContain('net.(*TCPListener).accept')

      const bpftrace = bpftraceOf(member)
      const built = await buildProgram(tcpremote, binary, { pid: 'child', capabilities: { midFunctionAddress: member.takesOffsets } })
      expect(built.notes).toEqual(['net.(*TCPListener).accept: optional probe left out: not in this binary'])

      const server = createServer((socket) => socket.end())
      await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
      const address = `127.0.0.1:${(server.address() as AddressInfo).port}`
      try {
        const r = await runBpftrace({ bpftrace, program: built.text, command: [binary, address], unsafe: built.requirements.unsafe, env: built.requirements.env })
        expect(r.code, r.stderr).toBe(0)
        expect(r.commandStdout?.trim()).toBe(`dial ${address} ok`)
        const lines = r.stdout.split('\n').filter((l) => l.startsWith('connect '))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(new RegExp(`^connect ${address.replace(/\./g, '\\.')} ok \\d+ us$`))
      } finally {
        server.close()
      }
    }, member, 120_000)
  }
})

describe('a bundled probe with nothing left to trace', () => {
  it('tcpremote on a program with neither dials nor listeners is refused, naming both', async () => {
    const [tc] = await toolchains()
    const lines = await buildFixture('lines', tc!, 'default')
    const names = (await goToolNm(lines)).map((s) => s.name)
    expect(names).not.toContain('net.(*sysDialer).dialTCP')
    expect(names).not.toContain('net.(*TCPListener).accept')
    await expect(buildProgram(tcpremote, lines.path)).rejects.toThrow(/^tcpremote: this binary has none of what the probe traces \(net\.\(\*sysDialer\)\.dialTCP, net\.\(\*TCPListener\)\.accept\)$/)
  })
})
