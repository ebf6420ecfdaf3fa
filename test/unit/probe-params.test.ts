// Probe parameters: every bundled probe describes each of its parameters in --help and
// `goprobe list`, and a misspelled or wrong parameter is refused with one line that names it.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundledProbeNames, loadProbe } from '../../src/cli/probe-modules.ts'
import { expectOneLineError, goprobe } from '../support/cli.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

const [tc] = await toolchains()
const binary = (await buildFixture('basic', tc!, 'default')).path

/** The keys a probe's valibot object schema declares, read from the schema itself. */
async function schemaKeys(name: string): Promise<string[]> {
  const params = (await loadProbe(name)).meta.params as { entries?: Record<string, unknown> } | undefined
  return Object.keys(params?.entries ?? {})
}

describe('every bundled probe describes its parameters', () => {
  const names = bundledProbeNames()
  it('there are bundled probes to check', () => expect(names.length).toBeGreaterThan(10))

  for (const name of names) {
    it(`${name}: --help has a description for each parameter`, async () => {
      const keys = await schemaKeys(name)
      const r = await goprobe(['compile', name, '--help'])
      expect(r.code, r.stderr).toBe(0)
      for (const key of keys) {
        const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${key}=...`))
        expect(line, `${name} --help has no line for ${key}=`).toBeDefined()
        // After the key column comes the description: words, not just a default.
        expect(line!.slice(`  ${key}=...`.length).trim(), `${name} ${key}=`).toMatch(/^[a-z]\w*[:\s,;]+\S/i)
      }
      if (keys.length === 0) expect(r.stdout).toMatch(/^parameters: none$/m)
    })
  }

  it('goprobe list --json gives each parameter its description', async () => {
    const r = await goprobe(['list', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout) as { name: string; parameters: { name: string; description: string }[] }[]
    expect(rows.map((x) => x.name)).toEqual(names)
    for (const row of rows) {
      expect(row.parameters.map((p) => p.name)).toEqual(await schemaKeys(row.name))
      for (const p of row.parameters) expect(p.description, `${row.name} ${p.name}=`).not.toBe('')
    }
  })
})

describe('wrong parameters are refused in one line', () => {
  const cases: [string[], RegExp][] = [
    [['goroutine', 'stak=true'], /^goprobe: goroutine: unknown parameter stak=; did you mean stack=\?/],
    [['shortread', 'al=true'], /^goprobe: shortread: unknown parameter al=; did you mean all=\?/],
    [['latency', 'symbl=main.main'], /^goprobe: latency: unknown parameter symbl=; did you mean symbol=\?/],
    [['trace-lines', 'line=main.go:20', 'qiuet=true'], /^goprobe: trace-lines: unknown parameter qiuet=; did you mean quiet=\?/],
    [['panics', 'verbose=true'], /^goprobe: panics: unknown parameter verbose=; it takes stack= \(see --help\)$/],
    [['latency'], /^goprobe: latency: missing parameter symbol=\.\.\. \(the function to time; repeat for several\)$/],
    [['goroutine', 'stack=yes'], /^goprobe: goroutine: stack=yes: expected one of "true", "false"$/],
    [['funccount', 'pattern=^main\\.', 'interval=soon'], /^goprobe: funccount: interval=soon: expected a whole number$/],
    [['random', 'max=100'], /^goprobe: random: max=100: must be at most 64$/],
    [['latency', 'symbol='], /^goprobe: latency: symbol=: must not be empty$/],
    [['httpsnoop', 'host=a', 'host=b'], /^goprobe: httpsnoop: host=a host=b: give it once/],
    [['args', 'symbol=main.Add', 'symbol=main.Concat', 'signature=func(a, b int) int'], /^goprobe: args: 2 symbol= but 1 signature=/],
  ]
  for (const [[name, ...params], pattern] of cases) {
    it(`${name} ${params.join(' ')}`, async () => expectOneLineError(await goprobe(['compile', name!, binary, ...params]), pattern))
  }

  it('a user probe with a valibot object schema gets the same', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'goprobe-params-')), 'mine.ts')
    writeFileSync(file, [
      "import { program, printf, uprobe, v } from 'goprobe'",
      "export default program(import.meta, { name: 'mine', description: 'd', params: v.object({ function: v.pipe(v.string(), v.description('what to probe')) }) }, (p) => {",
      "  uprobe(p.function).onEntry(() => printf('hit\\n'))",
      '})',
    ].join('\n'))
    expectOneLineError(await goprobe(['compile', file, binary, 'functoin=main.Add']), /^goprobe: mine: unknown parameter functoin=; did you mean function=\?/)
    expectOneLineError(await goprobe(['compile', file, binary]), /^goprobe: mine: missing parameter function=\.\.\. \(what to probe\)$/)
    expect((await goprobe(['compile', file, binary, 'function=main.Add'])).code).toBe(0)
  })
})
