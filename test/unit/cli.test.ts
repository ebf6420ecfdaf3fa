// The goprobe command as a user runs it: a real process, its output and exit code,
// compared with external oracles (go version -m, the fixture's own reflect layouts).
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { allBuilds, buildFixture, esbuildBinary, REPO_ROOT, toolchains } from '../support/fixtures.ts'
import { goVersionM } from '../support/oracles.ts'

const exec = promisify(execFile)
const GOPROBE = join(REPO_ROOT, 'bin', 'goprobe.js')

async function goprobe(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec('node', [GOPROBE, ...args], { maxBuffer: 64 << 20 })
    return { stdout, stderr, code: 0 }
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number }
    return { stdout: err.stdout, stderr: err.stderr, code: err.code }
  }
}

/** One line naming the problem, exit code 2, no stack trace. */
function expectOneLineError(r: { stderr: string; code: number }, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2)
  const lines = r.stderr.trim().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(r.stderr).not.toMatch(/^\s+at /m)
}

const builds = await allBuilds('basic')

describe('the goprobe command as npm links it', () => {
  it('runs as an executable, also through a symlink in another directory, with the node flags of its first lines', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'goprobe-bin-')), 'goprobe')
    symlinkSync(GOPROBE, link)
    const flags = 'console.log(JSON.stringify(process.execArgv))'
    for (const command of [GOPROBE, link]) {
      const { stdout } = await exec(command, ['--version'])
      expect(stdout.trim()).toMatch(/^goprobe \d+\.\d+\.\d+/)
    }
    // The flags the #! lines pass reach node: a stand-in script with the same first two lines reports them.
    const firstLines = readFileSync(GOPROBE, 'utf8').split('\n').slice(0, 2)
    const declared = /exec node (.+) "\$0" "\$@"$/.exec(firstLines[1]!)?.[1]?.split(' ')
    expect(declared?.length, firstLines[1]).toBeGreaterThan(0)
    const probeScript = join(mkdtempSync(join(tmpdir(), 'goprobe-flags-')), 'flags.js')
    writeFileSync(probeScript, `${firstLines.join('\n')}\n${flags}\n`, { mode: 0o755 })
    const { stdout } = await exec(probeScript, [])
    expect(JSON.parse(stdout)).toEqual(declared)
  })
})

describe('goprobe info', () => {
  for (const b of builds) {
    it(`${b.toolchain.id} ${b.mode}: --json agrees with go version -m and the build mode`, async () => {
      const r = await goprobe('info', b.path, '--json')
      expect(r.code, r.stderr).toBe(0)
      const info = JSON.parse(r.stdout) as { goVersion: string; abi: string; pie: boolean; stripped: boolean; dwarf: boolean; module?: { path: string }; functions: number }
      const oracle = await goVersionM(b)
      expect(info.goVersion).toBe(oracle.goVersion)
      expect(info.module?.path).toBe(oracle.mod?.path)
      expect(info.abi).toBe('register')
      expect(info.pie).toBe(b.mode === 'pie')
      expect(info.stripped).toBe(b.mode === 'stripped')
      expect(info.dwarf).toBe(b.mode !== 'stripped')
      expect(info.functions).toBeGreaterThan(1000)
    })
  }

  it('esbuild 0.8.57 (stripped go1.16): the Go version and the stack ABI; main.main with its RET sites', async () => {
    const path = await esbuildBinary()
    expect(path).toBeDefined()
    const info = JSON.parse((await goprobe('info', path!, '--json')).stdout) as { goVersion: string; abi: string; stripped: boolean }
    expect(info).toMatchObject({ goVersion: 'go1.16', abi: 'stack', stripped: true })
    const r = await goprobe('symbols', path!, '^main\\.main$', '--json')
    const [main] = JSON.parse(r.stdout) as { name: string; returns: number; postPrologue: number | null }[]
    expect(main?.name).toBe('main.main')
    expect(main?.returns).toBeGreaterThan(0)
    expect(main?.postPrologue).not.toBeNull()
  })
})

describe('goprobe layout', () => {
  it('equals the layouts the fixture prints about itself with reflect, for every toolchain', async () => {
    for (const tc of await toolchains()) {
      const b = await buildFixture('basic', tc, 'default')
      const { stdout } = await exec(b.path, ['layouts'], { maxBuffer: 16 << 20 })
      const truth = stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; kind: string; size: number; align: number; fields?: { name: string; offset: number; size: number }[] })
      let compared = 0
      for (const t of truth.filter((x) => x.kind === 'struct' && !x.name.startsWith('main.'))) {
        const r = await goprobe('layout', b.path, t.name, '--json')
        expect(r.code, `${tc.id} ${t.name}: ${r.stderr}`).toBe(0)
        const l = JSON.parse(r.stdout) as { size: number; align: number; fields: { name: string; offset: number; size: number }[] }
        expect({ size: l.size, align: l.align, fields: l.fields.map(({ name, offset, size }) => ({ name, offset, size })) }, `${tc.id} ${t.name}`)
          .toEqual({ size: t.size, align: t.align, fields: t.fields!.map(({ name, offset, size }) => ({ name, offset, size })) })
        compared++
      }
      expect(compared, tc.id).toBeGreaterThanOrEqual(3)
    }
  })

  it('suggests names for a misspelled type', async () => {
    const r = await goprobe('layout', builds[0]!.path, 'net/url.URl')
    expectOneLineError(r, /unknown type .*"net\/url\.URl"; did you mean "net\/url\.URL"/)
  })
})

describe('bad input: one line naming the problem, exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'goprobe-cli-'))
  const good = builds.find((b) => b.mode === 'default')!.path

  it('a file that is not ELF', async () => {
    expectOneLineError(await goprobe('info', '/etc/passwd'), /\/etc\/passwd: not an ELF file/)
  })
  it('a file that does not exist', async () => {
    expectOneLineError(await goprobe('info', join(dir, 'missing')), /cannot open .*missing: no such file/)
  })
  it('an ELF that is not Go', async () => {
    expectOneLineError(await goprobe('info', '/usr/bin/true'), /is not a Go program/)
  })
  it('an ELF for another architecture', async () => {
    const arm = join(dir, 'arm')
    copyFileSync(good, arm)
    const bytes = readFileSync(arm)
    bytes.writeUInt16LE(183, 18) // e_machine = EM_AARCH64
    writeFileSync(arm, bytes)
    expectOneLineError(await goprobe('info', arm), /ELF for AArch64, goprobe supports x86-64 only/)
  })
  it('a truncated binary', async () => {
    const cut = join(dir, 'cut')
    writeFileSync(cut, readFileSync(good).subarray(0, 100_000))
    expectOneLineError(await goprobe('symbols', cut), /truncated/)
  })
  it('an unknown function gets suggestions', async () => {
    expectOneLineError(await goprobe('func', good, 'main.Concatt'), /unknown function "main\.Concatt"; did you mean "main\.Concat"/)
  })
  it('an unknown command', async () => {
    const r = await goprobe('infoo')
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe('goprobe: unknown command "infoo"')
  })
})
