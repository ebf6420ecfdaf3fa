// As a new user would: a probe written in a fresh directory outside the repository,
// importing 'goprobe', compiled and run by the goprobe command against a real-world Go
// binary nobody here wrote (the go command of the toolchain on PATH, which has no DWARF).
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { REPO_ROOT } from '../support/fixtures.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E } from '../support/bpftrace.ts'

const exec = promisify(execFile)

const PROBE = `import { program, uprobe, goString, printf, result } from 'goprobe'

export default program(import.meta, {
  name: 'getenv',
  description: 'environment lookups of a Go program: key and value',
}, () => {
  // The released go command has no DWARF: say what the function looks like.
  uprobe('os.Getenv', { signatures: { 'os.Getenv': 'func(key string) string' } }).onReturn(({ entry }) => {
    printf('getenv %s=%s\\n', goString(entry.arg('key')), goString(result(0)))
  })
})
`

describeE2E('a new user\'s own probe', () => {
  for (const member of bpftraceMatrix()) {
    itE2E(`${member.label}: compiles against the go command and prints the values it looked up`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'my-probes-'))
      writeFileSync(join(dir, 'getenv.ts'), PROBE)
      const go = join(execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim(), 'bin', 'go')
      const { stdout, stderr } = await exec('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'run', join(dir, 'getenv.ts'), go, '--strlen', '64', '-c', `${go} env GOROOT`], {
        cwd: dir,
        env: { ...process.env, GOPROBE_BPFTRACE: bpftraceOf(member).path, HOME: '/goprobe-test-home', GOFLAGS: '' },
        timeout: 120_000,
      })
      // The go command reads $HOME, and prints GOROOT (its own output goes to our stdout too).
      expect(stdout, stderr).toContain('getenv HOME=/goprobe-test-home')
      expect(stdout).toMatch(/^getenv GOROOT=/m)
    }, member, 180_000)
  }
})
