// Map kinds are a property of the whole program: a read written before the write that fixes
// a map's kind sees that kind, and a conflict is one error naming both uses, whatever the
// order of the probes. Compiled against a fake target: no Go toolchain needed. What bpftrace
// itself does with each form is in test/e2e/bpftrace-versions.test.ts (readsAggregations).
import { describe, expect, it } from 'vitest'
import { printProgram } from '../../src/bpftrace/printer.ts'
import { dialectFromText } from '../../src/bpftrace/dialect.ts'
import { compileProgram } from '../../src/compiler/compile.ts'
import { begin, end, interval, map, printf, program } from '../../src/index.ts'
import { fakeTarget } from '../support/fake-target.ts'

const meta = { url: 'file:///nonexistent/map-uses.ts' } as ImportMeta

async function compile(body: () => void, bpftrace = '0.17.0'): Promise<string> {
  const ir = program(meta, { name: 'maps', description: 'map uses' }, body).build({})
  const dialect = dialectFromText(bpftrace)
  const compiled = await compileProgram(ir, fakeTarget(), {
    capabilities: { midFunctionAddress: false },
    strlen: 64,
    aggregationsReadable: dialect.readsAggregations,
  })
  return printProgram(compiled.program, dialect).text
}

describe('map kinds over the whole program', () => {
  it('a BEGIN printing a string map that END sets reads it as a string', async () => {
    const m = map('m')
    const text = await compile(() => {
      begin(() => printf('%s\n', m.at().get()))
      end(() => m.at().set('x'))
    })
    expect(text).toMatch(/BEGIN \{\n\s*printf\("%s\\n", @m\);/)
  })

  it('%d of a map that is set to strings later is refused as a string, not compiled as a number', async () => {
    const m = map('m')
    await expect(compile(() => {
      begin(() => printf('%d\n', m.at().get()))
      end(() => m.at().set('x'))
    })).rejects.toThrow(/printf %d needs a number, but @m.* is a string/)
  })

  it('a map whose kind comes from another map, through a chain written backwards', async () => {
    const [a, b, c] = [map('a'), map('b'), map('c')]
    const text = await compile(() => {
      begin(() => printf('%s\n', c.at().get()))
      interval(1, () => c.at().set(b.at().get()))
      interval(2, () => b.at().set(a.at().get()))
      end(() => a.at().set('leaf'))
    })
    expect(text).toContain('printf("%s\\n", @c);')
  })

  it('numbers and strings in one map: one error naming both writes, in either order', async () => {
    const m = map('m')
    for (const [first, second] of [[1, 'x'], ['x', 1]] as const) {
      await expect(compile(() => {
        begin(() => m.at().set(first))
        end(() => m.at().set(second))
      })).rejects.toThrow(/map @m holds (numbers|strings) \(@m = .* in (BEGIN|END)\) and (strings|numbers) \(@m = .* in (END|BEGIN)\)/)
    }
  })

  it('a plain value and an aggregation in one map are refused', async () => {
    const m = map('m')
    await expect(compile(() => {
      begin(() => m.at().count())
      end(() => m.at().set(1))
    })).rejects.toThrow(/map @m holds .*count\(\).*; a map holds one kind of value/)
  })

  it('keys of two kinds in one map: one error naming both', async () => {
    const k = map('k')
    await expect(compile(() => begin(() => {
      k.at(1).set(1)
      k.at('x').set(2)
    }))).rejects.toThrow('map @k is keyed by a number (@k[1] = 1 in BEGIN) and by a string (@k["x"] = 2 in BEGIN)')
  })

  it('a count() read: refused for 0.17, read as a number for 0.23', async () => {
    const c = map('c')
    const body = () => begin(() => {
      c.at().count()
      printf('%d\n', c.at().get())
    })
    await expect(compile(body, '0.17.0')).rejects.toThrow(/reading @c, a count\(\) map, needs bpftrace 0.21 or newer/)
    expect(await compile(body, '0.23.2')).toMatch(/= \(uint64\)@c;/)
  })

  it('a hist() map has no value to read', async () => {
    const h = map('h')
    await expect(compile(() => begin(() => {
      h.at().hist(1)
      printf('%d\n', h.at().get())
    }), '0.23.2')).rejects.toThrow(/@h holds hist\(\), which has no single value to read/)
  })

  it('map reads in BEGIN, END and interval handlers declare their scratch variables', async () => {
    const n = map('n')
    const text = await compile(() => {
      begin(() => n.at().set(-3))
      interval(1, () => printf('%d %d\n', n.at().get(), n.at().get().add(1)))
      end(() => printf('%d\n', n.at().get()))
      end(() => printf('%d\n', n.at().get().mul(2)))
    })
    for (const probe of ['interval:s:1', 'END']) {
      const body = text.slice(text.indexOf(`${probe} {`))
      const block = body.slice(0, body.indexOf('\n}'))
      const used = new Set(block.match(/\$__v\d+/g))
      expect(used.size, block).toBeGreaterThan(0)
      for (const v of used) expect(block, `${v} declared first in ${probe}`).toMatch(new RegExp(`\\{\\n\\s*(\\$__v\\d+ = [^\\n]*\\n\\s*)*\\${v} = `))
    }
  })
})
