// Go value semantics in the generated text (a second line of evidence: test/e2e/expr-fuzz.test.ts
// runs the arithmetic under real bpftrace). One value per expression per hit: an expression
// object used twice is evaluated once into a scratch variable; a map value taken with get()
// keeps the value it had there; conversions with .as() make mixed types agree.
import { beforeAll, describe, expect, it } from 'vitest'
import { arg, buildProgram, map, nsecs, printf, program, uprobe, when, type ProgramDefinition } from '../../src/index.ts'
import { buildFixture, toolchains, type FixtureBuild } from '../support/fixtures.ts'

const probe = (body: () => void): ProgramDefinition => program(import.meta, { name: 'values', description: 'value semantics' }, body)

let build: FixtureBuild
beforeAll(async () => {
  build = await buildFixture('lang', (await toolchains())[0]!, 'default')
})

/** The statements of the probe attached at `fn`'s entry, trimmed. */
async function entryBody(def: ProgramDefinition): Promise<string[]> {
  const { text } = await buildProgram(def, build.path)
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.startsWith('uprobe:'))
  const end = lines.indexOf('}', start)
  return lines.slice(start + 1, end).map((l) => l.trim())
}

describe('one value per expression per hit', () => {
  it('a latency printed and put in a histogram is read from the clock once', async () => {
    const body = await entryBody(probe(() => uprobe('main.Depth').onEntry(() => {
      const took = nsecs().sub(arg('n').as('uint64'))
      printf('%d\n', took)
      map('lat').at().hist(took)
    })))
    const assigned = body.filter((l) => /^\$__v\d+ = .*nsecs/.test(l))
    expect(assigned).toHaveLength(1)
    const v = /^\$(__v\d+) =/.exec(assigned[0]!)![1]!
    expect(body.join('\n').match(/nsecs/g)).toHaveLength(1)
    expect(body).toContain(`printf("%lu\\n", $${v});`)
    expect(body).toContain(`@lat = hist($${v});`)
  })

  it('a value used in two branches and after them is evaluated before the branches', async () => {
    const body = await entryBody(probe(() => uprobe('main.Depth').onEntry(() => {
      const t = nsecs()
      when(arg('n').gt(1), () => printf('a %d\n', t)).otherwise(() => printf('b %d\n', t))
      printf('c %d\n', t)
    })))
    const assign = body.findIndex((l) => /^\$__v1 = nsecs;$/.test(l))
    const branch = body.findIndex((l) => l.startsWith('if ('))
    expect(assign).toBeGreaterThanOrEqual(0)
    expect(assign).toBeLessThan(branch)
    expect(body.join('\n').match(/nsecs/g)).toHaveLength(1)
  })

  it('a map value taken before a write to its slot keeps the value it had', async () => {
    const body = await entryBody(probe(() => uprobe('main.Depth').onEntry(() => {
      const slot = map('last').at(arg('n'))
      const old = slot.get()
      slot.set(nsecs())
      printf('%d\n', nsecs().sub(old))
    })))
    const read = body.findIndex((l) => /^\$__v1 = .*@last\[/.test(l))
    const write = body.findIndex((l) => l.startsWith('@last[') && l.includes('= nsecs'))
    expect(read).toBeGreaterThanOrEqual(0)
    expect(read).toBeLessThan(write)
    expect(body.slice(write).join('\n')).toContain('$__v1')
  })

  it('two calls of nsecs() are two values', async () => {
    const body = await entryBody(probe(() => uprobe('main.Depth').onEntry(() => printf('%d %d\n', nsecs(), nsecs()))))
    expect(body.join('\n').match(/nsecs/g)).toHaveLength(2)
    expect(body.some((l) => l.startsWith('$__v'))).toBe(false)
  })
})

describe('Go arithmetic', () => {
  it('signed values compare as int64 on both sides, unsigned %d prints in full', async () => {
    const body = (await entryBody(probe(() => uprobe('main.Small').onEntry(() => {
      printf('%d %d\n', arg('a').lt(0), arg('d'))
    })))).join('\n')
    expect(body).toContain('< (int64)0')
    expect(body).toMatch(/printf\("%ld %lu\\n"/)
  })

  it('.as() converts one operand to the other type', async () => {
    await expect(buildProgram(probe(() => uprobe('main.Small').onEntry(() => printf('%d\n', arg('a').as('uint8').add(arg('d'))))), build.path)).resolves.toBeDefined()
  })
})
