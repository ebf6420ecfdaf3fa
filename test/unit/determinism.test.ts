// The same probe, binary and options give byte-identical programs, across processes.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { buildFixture, REPO_ROOT, toolchains } from '../support/fixtures.ts'

const exec = promisify(execFile)
const GOPROBE = join(REPO_ROOT, 'bin', 'goprobe.js')
const PROBE = join(REPO_ROOT, 'test', 'fixtures', 'probes', 'visit.ts')

describe('deterministic output', () => {
  it('two goprobe processes print the same bytes for every build of the fixture', async () => {
    for (const tc of await toolchains()) {
      for (const mode of ['default', 'pie'] as const) {
        const b = await buildFixture('lang', tc, mode)
        // PIE with symbols needs mid-function addresses: a bpftrace from 0.22 on takes them.
        const args = ['compile', PROBE, b.path, ...(mode === 'pie' ? ['--bpftrace-version', '0.22.0'] : [])]
        const [one, two] = await Promise.all([1, 2].map(() => exec('node', [GOPROBE, ...args], { maxBuffer: 16 << 20 })))
        expect(one!.stdout.length).toBeGreaterThan(500)
        expect(two!.stdout, `${tc.id} ${mode}`).toBe(one!.stdout)
      }
    }
  })

  it('snapshot of the program for Debian go1.19 (a second line of evidence after the end-to-end tests)', async () => {
    const tc = (await toolchains()).find((t) => t.id === 'go1.19.8')
    expect(tc, 'Debian golang-1.19-go (installed by scripts/setup-system.sh)').toBeDefined()
    const b = await buildFixture('lang', tc!, 'default')
    // Pinned to the portable range: the default follows the bpftrace installed on this machine.
    const { stdout } = await exec('node', [GOPROBE, 'compile', PROBE, b.path, '--bpftrace-version', '0.17.0..latest'])
    // The binary's path depends on the cache location and the fixture's source hash, and Go's
    // build id hashes the directory the fixture was built in: neither belongs in a snapshot.
    const buildId = /^\/\/ build id: (\S+)$/m.exec(stdout)?.[1]
    expect(buildId, 'the header names the build id').toMatch(/^[\w-]+(\/[\w-]+){3}$/)
    expect(stdout.replaceAll(b.path, '<lang>').replaceAll(buildId!, '<build id>')).toMatchSnapshot()
  })
})
