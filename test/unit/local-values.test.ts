// `local()` values: bpftrace wants every variable declared at the top of its probe (the
// printer refuses others), and 0.17 stores a narrower integer into a wider variable's low
// bytes only, so each local is declared first with one 64-bit type and assigned with a
// cast to it. A local assigned inside a branch (as stdlib/net.ts does) must compile; a
// string local is refused clearly. test/e2e/tcpremote.test.ts runs such locals for real.
import { beforeAll, describe, expect, it } from 'vitest'
import { arg, buildProgram, comm, local, printf, program, uprobe, when } from '../../src/index.ts'
import { buildFixture, toolchains, type FixtureBuild } from '../support/fixtures.ts'

describe('local()', () => {
  let build: FixtureBuild
  beforeAll(async () => {
    build = await buildFixture('basic', (await toolchains())[0]!, 'default')
  })

  it('declares a local assigned in a branch at the top of the probe, with its type', async () => {
    const def = program(import.meta, { name: 'locals', description: 'locals in a branch' }, () => {
      uprobe('main.Add').onEntry(() => {
        when(arg('a').gt(0), () => {
          const sum = local('sum', arg('a').add(arg('b')))
          printf('%d\n', sum)
        })
      })
    })
    const { text } = await buildProgram(def, build.path, { bpftraceVersion: '0.17.0' })
    const lines = text.split('\n').map((l) => l.trim())
    // declared as a user address (see declaredZero in site.ts) so later reads through it do not warn
    const declared = lines.indexOf('$l_sum = uptr((int64)0);')
    const assigned = lines.findIndex((l) => l.startsWith('$l_sum = (int64)(') && l.endsWith(');'))
    const branch = lines.findIndex((l) => l.startsWith('if ('))
    expect(declared).toBeGreaterThan(-1)
    expect(branch).toBeGreaterThan(declared)
    expect(assigned).toBeGreaterThan(branch)
  })

  it('refuses a string local with a clear message', async () => {
    const def = program(import.meta, { name: 'locals', description: 'a string local' }, () => {
      uprobe('main.Add').onEntry(() => printf('%s\n', local('name', comm())))
    })
    await expect(buildProgram(def, build.path)).rejects.toThrow(/local "name": only numbers and Go values can be kept in locals, not a string/)
  })
})
