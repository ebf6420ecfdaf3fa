// Tables stay within the terminal's width: running text wraps, long names lose their middle.
import { describe, expect, it } from 'vitest'
import { table } from '../../src/cli/output.ts'
import { goprobe } from '../support/cli.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

describe('table', () => {
  it('is unchanged when it fits', () => {
    expect(table([['A', 'B'], ['x', 'y y']], { width: 80, wrap: [1] })).toBe('A  B\nx  y y')
  })

  it('wraps running text at spaces and keeps the columns aligned', () => {
    const text = table([['NAME', 'LINES', 'NOTE'], ['main.f', '1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12', 'inlined']], { width: 40, wrap: [1] })
    const lines = text.split('\n')
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40)
    expect(lines.length).toBeGreaterThan(2)
    // Continuation lines start at the text column; together they hold the whole text.
    const column = lines[0]!.indexOf('LINES')
    const pieces = lines.slice(1).map((l) => l.slice(column, column + 24).trim())
    expect(pieces.join(' ')).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12')
  })

  it('shortens names in the middle when text alone cannot make room', () => {
    const name = 'github.com/someone/project/internal/server.(*Handler).ServeHTTP'
    const text = table([['FUNCTION', 'ENTRY'], [name, '0x401000']], { width: 40 })
    const row = text.split('\n')[1]!
    expect(row.length).toBeLessThanOrEqual(40)
    const shown = row.split('  ')[0]!
    expect(shown).toContain('…')
    const [head, tail] = shown.split('…') as [string, string]
    expect(name.startsWith(head) && name.endsWith(tail)).toBe(true)
  })
})

describe('commands that print tables', () => {
  it('goprobe lines for a large file fits 80 columns and still lists every function and line', async () => {
    const [tc] = await toolchains()
    const binary = (await buildFixture('lines', tc!, 'default')).path
    const json = JSON.parse((await goprobe(['lines', binary, 'runtime/proc.go', '--json'])).stdout) as { functions: { name: string; lines: number[] }[] }
    const r = await goprobe(['lines', binary, 'runtime/proc.go'], { COLUMNS: '80' })
    expect(r.code, r.stderr).toBe(0)
    const out = r.stdout.trimEnd().split('\n')
    for (const l of out) expect(l.length, l).toBeLessThanOrEqual(80)
    // One row starts per function (continuation lines start with spaces), after the summary and the header.
    const rows = out.slice(2).filter((l) => !l.startsWith(' '))
    expect(rows).toHaveLength(json.functions.length)
    const linesColumn = out[1]!.indexOf('LINES WITH CODE')
    const noteColumn = out[1]!.indexOf('LINES WITH CODE') + out.slice(1).reduce((w, l) => Math.max(w, (l.slice(linesColumn).split(/ {2,}/)[0] ?? '').length), 0)
    let at = 2
    for (const fn of json.functions) {
      // Every line number of the function appears in its row's text column, runs written a-b.
      const text: string[] = []
      do text.push(out[at]!.slice(linesColumn, noteColumn)); while (out[++at]?.startsWith(' '))
      const numbers = text.join(' ').split(/[ ,]+/).filter(Boolean).flatMap((run) => {
        const [a, b] = run.split('-').map(Number) as [number, number | undefined]
        return Array.from({ length: (b ?? a) - a + 1 }, (_, k) => a + k)
      })
      expect(numbers, fn.name).toEqual([...new Set(fn.lines)].sort((x, y) => x - y))
    }
  })

  it('goprobe list fits the width and gives each parameter a line', async () => {
    const r = await goprobe(['list'], { COLUMNS: '72' })
    expect(r.code, r.stderr).toBe(0)
    for (const l of r.stdout.trimEnd().split('\n')) expect(l.length, l).toBeLessThanOrEqual(72)
    expect(r.stdout).toMatch(/^ {2}symbol=/m)
  })
})
