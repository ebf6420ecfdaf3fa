/**
 * `goprobe check` on probes written outside the repository, importing 'goprobe' as users
 * do, through the real CLI: one diagnostic per mistake at the mistake's line, the same
 * lines the editor's compiler (tsc with the tsconfig `goprobe types --tsconfig` writes)
 * reports, and a corrected probe that checks clean and compiles for the binary.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, buildFixture, toolchains, type FixtureBuild } from '../support/fixtures.ts'

const execFileAsync = promisify(execFile)

async function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}
const goprobe = (args: string[], cwd: string) => run('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), ...args], cwd)
const tsc = (cwd: string) => run('node', [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], cwd)

/** The one line on stderr naming the bpftrace a program is compiled for. */
const CHOICE_LINE = /^goprobe: bpftrace \d+\.\d+\.\d+ at \S+ \([^\n]*\)\n$/

/** The 1-based line of the only line containing `marker`. */
function lineOf(text: string, marker: string): number {
  const lines = text.split('\n')
  const at = lines.findIndex((l) => l.includes(marker))
  if (at < 0 || lines.findIndex((l, i) => i > at && l.includes(marker)) >= 0) throw new Error(`marker ${marker} must occur once`)
  return at + 1
}

/** `file:line:col message` lines (continuation lines of a long message are indented). */
const diagnosticLines = (stdout: string): number[] =>
  stdout.split('\n').filter((l) => /^\S+:\d+:\d+ /.test(l)).map((l) => Number(/^\S+?:(\d+):/.exec(l)![1]))

const HEADER = `import { program, typedUprobe, arg, goString, printf } from 'goprobe'
import type { Functions } from './types.ts'

const uprobe = typedUprobe<Functions>()
`

const BROKEN = `${HEADER}
export default program(import.meta, { name: 'typed', description: 'client requests' }, () => {
  uprobe('net/http.(*Client).do').onReturn(({ entry, result }) => {
    const url = entry.arg('req').field('URL')
    printf('%s\\n', goString(url.field('Hots'))) // MISSPELLED
    printf('%s\\n', goString(result('retres').field('StatusCode'))) // NOT-A-STRING
  })
  uprobe('net/http.(*Client).doo').onEntry(() => {}) // UNKNOWN-FUNCTION
})
`

const CORRECTED = `${HEADER}
export default program(import.meta, { name: 'typed', description: 'client requests' }, () => {
  uprobe('net/http.(*Client).do').onReturn(({ entry, result }) => {
    const url = entry.arg('req').field('URL')
    printf('%s\\n', goString(url.field('Host')))
    printf('%d\\n', result('retres').field('StatusCode'))
  })
  uprobe('net/http.serverHandler.ServeHTTP').onEntry(() => {
    printf('%s\\n', goString(arg('req').field('Method')))
  })
})
`

const UNTYPED = `import { program, uprobe, arg, goString, printf } from 'goprobe'

export default program(import.meta, { name: 'untyped', description: 'client requests' }, () => {
  uprobe('net/http.(*Client).do').onEntry(() => {
    printf('%s\\n', goString(arg('req').field('URL').field('Hots'))) // MISSPELLED
  })
})
`

let binary: FixtureBuild
let dir: string
beforeAll(async () => {
  const tc = (await toolchains())[0]!
  binary = await buildFixture('stdtypes', tc, 'default')
  dir = mkdtempSync(join(tmpdir(), 'goprobe-check-'))
  const gen = await goprobe(['types', binary.path, '--function', 'net/http.(*Client).do', '--function', 'net/http.serverHandler.ServeHTTP',
    '-o', 'types.ts', '--tsconfig'], dir)
  expect(gen.stderr).toBe('')
  expect(gen.code).toBe(0)
}, 600_000)

describe('goprobe check', () => {
  it('reports a misspelled field, goString of an int and an unknown function, each at its line, as tsc does', async () => {
    writeFileSync(join(dir, 'probe.ts'), BROKEN)
    const expected = ['MISSPELLED', 'NOT-A-STRING', 'UNKNOWN-FUNCTION'].map((m) => lineOf(BROKEN, m))
    const out = await goprobe(['check', 'probe.ts'], dir)
    expect(out.code).toBe(1)
    expect(diagnosticLines(out.stdout)).toEqual(expected)
    expect(out.stdout).toMatch(/^probe\.ts:\d+:\d+ error TS2345: Argument of type '"Hots"'/m)
    expect(out.stdout).toMatch(/expected a Go string, \*string or \[\]byte/)
    expect(out.stdout).toMatch(/Argument of type '"net\/http\.\(\*Client\)\.doo"'/)
    // The editor's compiler, with the tsconfig goprobe wrote, sees the same lines.
    const fromTsc = await tsc(dir)
    expect(fromTsc.code).not.toBe(0)
    const tscLines = fromTsc.stdout.split('\n').filter((l) => /^probe\.ts\(\d+,\d+\)/.test(l)).map((l) => Number(/\((\d+),/.exec(l)![1]))
    expect(tscLines).toEqual(expected)
  }, 180_000)

  it('passes the corrected probe, which also compiles for the binary', async () => {
    writeFileSync(join(dir, 'probe.ts'), CORRECTED)
    expect(await goprobe(['check', 'probe.ts'], dir)).toEqual({ code: 0, stdout: '', stderr: '' })
    // With a binary, goprobe says which bpftrace it compiled for, in one line (see bpftrace-choice.test.ts).
    const checked = await goprobe(['check', 'probe.ts', '--binary', binary.path], dir)
    expect(checked).toEqual({ code: 0, stdout: '', stderr: expect.stringMatching(CHOICE_LINE) })
    expect((await tsc(dir)).code).toBe(0)
    const compiled = await goprobe(['compile', './probe.ts', binary.path], dir)
    expect(compiled.stderr).toMatch(CHOICE_LINE)
    expect(compiled.code).toBe(0)
    expect(compiled.stdout.match(/^uprobe:/gm)?.length).toBeGreaterThanOrEqual(2)
  }, 180_000)

  it('maps goprobe compile errors of an untyped probe to the offending line', async () => {
    writeFileSync(join(dir, 'untyped.ts'), UNTYPED)
    expect(await goprobe(['check', 'untyped.ts'], dir)).toEqual({ code: 0, stdout: '', stderr: '' })
    const out = await goprobe(['check', 'untyped.ts', '--binary', binary.path], dir)
    expect(out.code).toBe(1)
    expect(diagnosticLines(out.stdout)).toEqual([lineOf(UNTYPED, 'MISSPELLED')])
    expect(out.stdout).toMatch(/error goprobe: unknown field .* "Hots"; did you mean "Host"/)
  }, 180_000)

  it('maps an error found while printing for a version range to the statement at fault, and takes --bpftrace-version', async () => {
    const text = `import { program, uprobe, arg, goString, map, printf } from 'goprobe'

export default program(import.meta, { name: 'hosts', description: 'requests by host' }, () => {
  uprobe('net/http.(*Client).do').onEntry(() => {
    printf('%s\\n', goString(arg('req').field('Host')))
    map('byHost').at(goString(arg('req').field('Host'))).count() // STRING-KEY
  })
})
`
    writeFileSync(join(dir, 'hosts.ts'), text)
    const range = await goprobe(['check', 'hosts.ts', '--binary', binary.path, '--bpftrace-version', '0.17.0..latest'], dir)
    expect(range.code, range.stderr).toBe(1)
    expect(diagnosticLines(range.stdout)).toEqual([lineOf(text, 'STRING-KEY')])
    expect(range.stdout).toMatch(/error goprobe: a Go string outside printf\("%s"\) has no form that reads the same bytes on every version of bpftrace 0\.17\.0\.\.latest/)
    // One release has one form: the same probe checks clean.
    expect(await goprobe(['check', 'hosts.ts', '--binary', binary.path, '--bpftrace-version', '0.17.0'], dir)).toEqual({ code: 0, stdout: '', stderr: '' })
  }, 180_000)

  it('maps an error the DSL throws while the probe body runs to its line', async () => {
    const text = UNTYPED.replace("  uprobe('net/http.(*Client).do')", "  printf('outside\\n') // OUTSIDE-HANDLER\n  uprobe('net/http.(*Client).do')")
    writeFileSync(join(dir, 'outside.ts'), text)
    const out = await goprobe(['check', 'outside.ts', '--binary', binary.path], dir)
    expect(out.code).toBe(1)
    expect(diagnosticLines(out.stdout)).toEqual([lineOf(text, 'OUTSIDE-HANDLER')])
    expect(out.stdout).toMatch(/printf can only be used inside a probe handler/)
  }, 180_000)
})
