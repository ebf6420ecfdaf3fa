// A mistake in the user's probe module is reported at its place in the user's file, exit 2,
// as one line; "internal error" is kept for exceptions raised inside goprobe's own code.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { userCodeError } from '../../src/cli/user-code.ts'
import { SourceError } from '../../src/errors.ts'
import { goprobe, type CommandResult } from '../support/cli.ts'
import { buildFixture, REPO_ROOT, toolchains } from '../support/fixtures.ts'

const [tc] = await toolchains()
const binary = (await buildFixture('basic', tc!, 'default')).path
const dir = mkdtempSync(join(tmpdir(), 'goprobe-user-errors-'))

function probeFile(name: string, lines: string[]): string {
  const file = join(dir, name)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

const HEADER = "import { program, printf, uprobe } from 'goprobe'"

/** Exactly one line on stderr, exit 2, no stack trace and no "internal error". */
function expectUserError(r: CommandResult, line: string): void {
  expect(r.code, r.stderr).toBe(2)
  expect(r.stderr).toBe(`${line}\n`)
}

describe('errors in a probe module', () => {
  it('a syntax error: file:line:col and esbuild\'s message, columns from 1', async () => {
    const file = probeFile('syntax.ts', [
      HEADER,
      "export default program(import.meta, { name: 'x', description: 'd' }, () => {",
      "  uprobe('main.main').onEntry(() => {",
      "    printf('hi'",
      '  })',
      '})',
    ])
    // Line 5 is "  })": the "}" where ")" was expected is its third character.
    expectUserError(await goprobe(['compile', file, binary]), `${file}:5:3: Expected ")" but found "}"`)
  })

  it('an undefined name in a handler: the place of the name', async () => {
    const file = probeFile('undefined-name.ts', [
      HEADER,
      "export default program(import.meta, { name: 'x', description: 'd' }, () => {",
      "  uprobe('main.main').onEntry(() => {",
      "    printff('hi')",
      '  })',
      '})',
    ])
    expectUserError(await goprobe(['compile', file, binary]), `${file}:4:5: ReferenceError: printff is not defined`)
  })

  it('an undefined name while the module is evaluated', async () => {
    const file = probeFile('evaluation.ts', [
      HEADER,
      'const limit = undefinedLimit + 1',
      "export default program(import.meta, { name: 'x', description: 'd' }, () => { printf('%d', limit) })",
    ])
    expectUserError(await goprobe(['compile', file, binary]), `${file}:2:15: ReferenceError: undefinedLimit is not defined`)
  })

  it('an exception the program body throws, TypeErrors included', async () => {
    const thrower = probeFile('throw.ts', [
      HEADER,
      "export default program(import.meta, { name: 'x', description: 'd' }, () => {",
      "  throw new Error('no functions configured')",
      '})',
    ])
    expectUserError(await goprobe(['run', thrower, binary]), `${thrower}:3:9: no functions configured`)
    const typeError = probeFile('type-error.ts', [
      HEADER,
      'const config: { names?: string[] } = {}',
      "export default program(import.meta, { name: 'x', description: 'd' }, () => {",
      "  for (const n of config.names!.slice(0)) uprobe(n).onEntry(() => printf('x'))",
      '})',
    ])
    expectUserError(await goprobe(['compile', typeError, binary]), `${typeError}:4:33: TypeError: Cannot read properties of undefined (reading 'slice')`)
  })

  it('a path under the working directory is shown relative to it', async () => {
    probeFile('relative.ts', [HEADER, 'nope()', "export default program(import.meta, { name: 'x', description: 'd' }, () => {})"])
    const { execFile } = await import('node:child_process')
    const r = await new Promise<CommandResult>((done) => execFile('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'compile', './relative.ts', binary], { cwd: dir }, (err, stdout, stderr) => done({ stdout, stderr, code: err ? Number(err.code) : 0 })))
    expectUserError(r, 'relative.ts:2:1: ReferenceError: nope is not defined')
  })
})

describe('whose code threw', () => {
  const errorWithStack = (frames: string[]): Error => {
    const e = new TypeError('x is undefined')
    e.stack = ['TypeError: x is undefined', ...frames.map((f) => `    at ${f}`)].join('\n')
    return e
  }

  it('goprobe\'s own src/ and stdlib/: not the user\'s (stays an internal error)', () => {
    expect(userCodeError(errorWithStack([`compileProgram (${join(REPO_ROOT, 'src/compiler/compile.ts')}:10:3)`, '<anonymous> (/home/u/probe.ts:3:1)']))).toBeUndefined()
    expect(userCodeError(errorWithStack([`onPanic (${join(REPO_ROOT, 'stdlib/runtime.ts')}:4:2)`, '<anonymous> (/home/u/probe.ts:3:1)']))).toBeUndefined()
  })

  it('libraries and node internals are skipped to the user\'s frame', () => {
    const e = userCodeError(errorWithStack(['parse (node:internal/x:1:1)', `run (${join(REPO_ROOT, 'node_modules/valibot/dist/index.js')}:1:1)`, 'async file:///home/u/probe.ts:7:9']))
    expect(e).toBeInstanceOf(SourceError)
    expect(e?.message).toBe('/home/u/probe.ts:7:9: TypeError: x is undefined')
  })
})
