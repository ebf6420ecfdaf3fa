// `goprobe info` says PIE by the ELF type, which decides where the binary loads, and explains
// a build that asked for -buildmode=pie but was linked -static into a fixed-address EXEC (as
// docker's release binaries are): readelf and go version -m are the oracles.
import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { goprobe } from '../support/cli.ts'
import { buildFixture, REPO_ROOT, toolchains } from '../support/fixtures.ts'
import { goVersionM } from '../support/oracles.ts'

const exec = promisify(execFile)
const [tc] = await toolchains()

async function elfType(path: string): Promise<string> {
  const { stdout } = await exec('readelf', ['-h', path])
  return /^\s*Type:\s+(\w+)/m.exec(stdout)![1]!
}

describe('goprobe info: pie', () => {
  it('-buildmode=pie linked -static is an EXEC: pie no, with the reason', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'goprobe-static-pie-')), 'static-pie')
    await exec(tc!.goBin, ['build', '-buildmode=pie', '-ldflags=-linkmode=external -extldflags=-static', '-o', out, '.'], {
      cwd: join(REPO_ROOT, 'test', 'fixtures', 'dial-only'), env: { ...process.env, ...tc!.env, CGO_ENABLED: '1' },
    })
    expect(await elfType(out)).toBe('EXEC')
    expect((await goVersionM(out)).settings).toMatchObject({ '-buildmode': 'pie' })
    const json = await goprobe(['info', out, '--json'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ pie: false, elfType: 'EXEC', settings: { '-buildmode': 'pie' } })
    const text = await goprobe(['info', out], { COLUMNS: '200' })
    expect(text.stdout).toMatch(/^pie +no \(ELF type EXEC, loaded at its link addresses: -buildmode=pie was asked for, but the external linker made a fixed-address executable, as -extldflags -static does\)$/m)
  }, 120_000)

  it('an ordinary -buildmode=pie build is a DYN: pie yes', async () => {
    const build = await buildFixture('basic', tc!, 'pie')
    expect(await elfType(build.path)).toBe('DYN')
    const text = await goprobe(['info', build.path])
    expect(text.stdout).toMatch(/^pie +yes \(ELF type DYN\)$/m)
  })
})
