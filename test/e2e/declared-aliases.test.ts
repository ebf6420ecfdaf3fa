// Type names in a declared signature accept Go's aliases and package names: `args` with
// signature= on a stripped binary (no DWARF), declaring os.OpenFile's perm as os.FileMode or
// fs.FileMode, reads the mode os.Create passes, as Go's source writes it (0666).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { buildProgram } from '../../src/build.ts'
import args from '../../probes/args.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace } from '../support/bpftrace.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

describeE2E('declared signatures with Go type aliases', () => {
  for (const spelling of ['os.FileMode', 'fs.FileMode']) for (const member of bpftraceMatrix()) {
    itE2E(`${member.label}: os.OpenFile declared with perm ${spelling} on a stripped binary`, async () => {
      const [tc] = await toolchains()
      // The oracle: os.Create's call in the toolchain's own source.
      const goroot = execFileSync(tc!.goBin, ['env', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, ...tc!.env } }).trim()
      const create = /func Create\(name string\) \(\*File, error\) \{\s*return OpenFile\(name, O_RDWR\|O_CREATE\|O_TRUNC, 0o?666\)/.exec(readFileSync(join(goroot, 'src', 'os', 'file.go'), 'utf8'))
      expect(create, 'os.Create in the Go source').not.toBeNull()
      const build = await buildFixture('basic', tc!, 'stripped')
      const bpftrace = bpftraceOf(member)
      const signature = `func(name string, flag int, perm ${spelling}) (*os.File, error)`
      const built = await buildProgram(args, build.path, { params: { symbol: 'os.OpenFile', signature }, pid: 'child', capabilities: { midFunctionAddress: member.takesOffsets } })
      expect(built.text).toContain('perm io/fs.FileMode')
      const r = await runBpftrace({ bpftrace, program: built.text, command: [build.path, 'run'], unsafe: built.requirements.unsafe, env: built.requirements.env })
      expect(r.code, r.stderr).toBe(0)
      // os.Create(GOPROBE_FIXTURE_LOG) opens the record file: O_RDWR|O_CREATE|O_TRUNC is 0x2|0x40|0x200 on Linux.
      expect(r.stdout).toMatch(/^ {2}name string = \/\S*goprobe-bpftrace-\S+$/m)
      expect(r.stdout).toMatch(/^ {2}flag int = 578$/m)
      expect(r.stdout).toMatch(new RegExp(`^ {2}perm io/fs\\.FileMode = ${0o666}$`, 'm'))
    }, member)
  }
})

