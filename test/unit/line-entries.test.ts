/**
 * Where runs of a line begin, on small hand-made functions shaped like what the Go
 * compiler emits (each case says which): the expected entries follow from the code's
 * paths, worked out by hand. End-to-end counts on real binaries are in test/e2e/lines.test.ts.
 */
import { describe, expect, it } from 'vitest'
import type { LineRange } from '../../src/binary/line-table.ts'
import type { PclntabFunction } from '../../src/binary/pclntab.ts'
import type { Instruction } from '../../src/disasm/capstone.ts'
import { ControlFlow } from '../../src/disasm/control-flow.ts'
import { lineEntries } from '../../src/disasm/line-entries.ts'

const FN: PclntabFunction = { name: 'main.f', entry: 0x1000, end: 0x2000, endSource: 'pcsp', index: 0, assembly: false }

/** One instruction per row, 4 bytes each from 0x1000: [line, mnemonic, operands, inline index]. */
function code(rows: readonly [number, string, string?, number?][]): { flow: ControlFlow; ranges: LineRange[] } {
  const instructions: Instruction[] = rows.map(([, mnemonic, operands], i) => ({ address: 0x1000 + 4 * i, size: 4, mnemonic, operands: operands ?? '' }))
  const ranges: LineRange[] = rows.map(([line, , , inlineIndex], i) => ({
    start: 0x1000 + 4 * i, end: 0x1004 + 4 * i, file: '/src/f.go', line, function: FN, inlined: (inlineIndex ?? -1) >= 0, inlineIndex: inlineIndex ?? -1,
  }))
  return { flow: new ControlFlow(instructions), ranges }
}
const at = (i: number) => `0x${(0x1000 + 4 * i).toString(16)}`
const entriesOf = (c: ReturnType<typeof code>, line: number) => lineEntries(c.flow, c.ranges, (r) => r.line === line).map((e) => `0x${e.address.toString(16)}`)

describe('line entries', () => {
  it('one block: its first instruction', () => {
    const c = code([[1, 'mov'], [2, 'mov'], [2, 'add'], [3, 'ret']])
    expect(entriesOf(c, 2)).toEqual([at(1)])
  })

  it("an `if` whose register moves were hoisted above the branch: counted at the join, where a path that skips them comes in", () => {
    // 0: line 3 jumps past 1 (line 5's hoisted moves); 2-3: line 4's test and jump over
    // line 6's body at 4; 5: line 5 goes on. Every path through 1 reaches 5 as well.
    const c = code([[3, 'je', at(2)], [5, 'mov'], [4, 'cmp'], [4, 'jle', at(5)], [6, 'call', '0x3000'], [5, 'test'], [5, 'ret']])
    expect(entriesOf(c, 5)).toEqual([at(5)])
    expect(entriesOf(c, 4)).toEqual([at(2)])
  })

  it('a line split by an inline mark of another line: counted once, where it starts', () => {
    // An inlined body (line 20, inline index 0) with the call site's NOP (line 36) in its middle.
    const c = code([[35, 'mov'], [20, 'mov', '', 0], [36, 'nop'], [20, 'call', '0x3000', 0], [39, 'ret']])
    expect(entriesOf(c, 20)).toEqual([at(1)])
    expect(entriesOf(c, 36)).toEqual([at(2)])
  })

  it('two inlined calls of one line are two runs', () => {
    const c = code([[20, 'mov', '', 0], [20, 'call', '0x3000', 0], [20, 'mov', '', 1], [20, 'call', '0x3000', 1], [9, 'ret']])
    expect(entriesOf(c, 20)).toEqual([at(0), at(2)])
  })

  it('a branch into the middle of a line: both ways in count, as neither passes the other', () => {
    // Line 7 is entered by falling through from line 6 or by the jump from line 5's branch.
    const c = code([[5, 'cmp'], [5, 'je', at(3)], [6, 'call', '0x3000'], [7, 'mov'], [7, 'ret']])
    expect(entriesOf(c, 7)).toEqual([at(3)])
    const split = code([[5, 'cmp'], [5, 'je', at(4)], [6, 'call', '0x3000'], [7, 'mov'], [8, 'add'], [7, 'ret']])
    // From 0x100c (line 7) control always reaches 0x1014 through line 8, where the jump lands: one run, counted there.
    expect(entriesOf(split, 7)).toEqual([at(5)])
  })

  it('a loop: the body once per iteration; the header once to start and once per iteration', () => {
    // 0: init (line 10), 1: jmp to the condition, 2: body (line 11), 3: increment (line 10), 4-5: condition and back edge, 6: ret.
    const c = code([[10, 'xor'], [10, 'jmp', at(4)], [11, 'call', '0x3000'], [10, 'inc'], [10, 'cmp'], [10, 'jl', at(2)], [12, 'ret']])
    expect(entriesOf(c, 11)).toEqual([at(2)])
    expect(entriesOf(c, 10)).toEqual([at(0), at(3)])
  })

  it("the function's own line with its stack check: the morestack block at the end is not a run", () => {
    const c = code([[3, 'cmp'], [3, 'jbe', at(4)], [4, 'mov'], [4, 'ret'], [3, 'call', '0x3000'], [3, 'jmp', at(0)]])
    expect(entriesOf(c, 3)).toEqual([at(0)])
  })

  it('a jump-table target (reached by no known edge) is an entry', () => {
    const c = code([[2, 'jmp', 'rax'], [3, 'mov'], [3, 'ret'], [4, 'mov'], [4, 'ret']])
    expect(entriesOf(c, 4)).toEqual([at(3)])
  })
})
