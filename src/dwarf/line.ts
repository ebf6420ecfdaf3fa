import { Cursor } from './cursor.ts'

// Standard opcodes (DWARF 5 §6.2.5.2). Go's version-2 headers declare opcode_base 11, so
// set_prologue_end (10) is in use there too.
const LNS_copy = 1
const LNS_advance_pc = 2
const LNS_advance_line = 3
const LNS_set_file = 4
const LNS_set_column = 5
const LNS_negate_stmt = 6
const LNS_set_basic_block = 7
const LNS_const_add_pc = 8
const LNS_fixed_advance_pc = 9
const LNS_set_prologue_end = 10
const LNE_end_sequence = 1
const LNE_set_address = 2

/**
 * Runs the line-number program at `offset` of .debug_line and returns, sorted, the
 * addresses of every row flagged prologue_end. The file and directory tables are
 * jumped over via header_length, so v2–v5 headers all work without decoding them.
 */
export function prologueEndAddresses(data: Uint8Array, offset: number): Float64Array {
  const c = new Cursor(data, '.debug_line', offset)
  let length = c.u32()
  let offsetSize = 4
  if (length === 0xffffffff) {
    length = c.u64()
    offsetSize = 8
  }
  const end = c.pos + length
  if (end > data.length) c.fail('line program runs past the section end', offset)
  const version = c.u16()
  if (version < 2 || version > 5) c.fail(`unsupported line table version ${version}`, offset)
  if (version >= 5) c.skip(2) // address_size (set_address carries its own length), segment_selector_size
  const headerLength = c.unsigned(offsetSize)
  const programStart = c.pos + headerLength
  const minInstLength = c.u8()
  if (version >= 4) c.skip(1) // maximum_operations_per_instruction: 1 on x86
  c.skip(1) // default_is_stmt
  c.i8() // line_base: lines are not needed
  const lineRange = c.u8()
  const opcodeBase = c.u8()
  if (lineRange === 0) c.fail('line_range is 0', offset)
  if (opcodeBase === 0) c.fail('opcode_base is 0', offset)
  const argCounts = c.bytes(opcodeBase - 1)
  if (programStart > end) c.fail('line program header runs past the program', offset)
  c.pos = programStart

  const out: number[] = []
  let address = 0
  let prologueEnd = false
  const emit = (): void => {
    if (prologueEnd) out.push(address)
    prologueEnd = false
  }
  while (c.pos < end) {
    const op = c.u8()
    if (op >= opcodeBase) {
      address += Math.floor((op - opcodeBase) / lineRange) * minInstLength
      emit()
      continue
    }
    switch (op) {
      case 0: {
        const len = c.uleb()
        if (len === 0) c.fail('empty extended opcode')
        const next = c.pos + len
        const sub = c.u8()
        if (sub === LNE_end_sequence) { emit(); address = 0 }
        else if (sub === LNE_set_address) address = c.unsigned(len - 1)
        c.pos = next
        if (next > end) c.fail('extended opcode runs past the program')
        break
      }
      case LNS_copy: emit(); break
      case LNS_advance_pc: address += c.uleb() * minInstLength; break
      case LNS_advance_line: c.sleb(); break
      case LNS_set_file: case LNS_set_column: c.uleb(); break
      case LNS_negate_stmt: case LNS_set_basic_block: break
      case LNS_const_add_pc: address += Math.floor((255 - opcodeBase) / lineRange) * minInstLength; break
      case LNS_fixed_advance_pc: address += c.u16(); break
      case LNS_set_prologue_end: prologueEnd = true; break
      default:
        // Opcodes this reader does not act on (epilogue_begin, set_isa, vendor ones) take ULEB arguments.
        for (let i = 0; i < (argCounts[op - 1] ?? 0); i++) c.uleb()
    }
  }
  out.sort((a, b) => a - b)
  return Float64Array.from(out)
}

/** The first address in [lowPc, highPc) of a sorted address list. */
export function firstInRange(sorted: Float64Array, lowPc: number, highPc: number): number | undefined {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < lowPc) lo = mid + 1
    else hi = mid
  }
  const a = sorted[lo]
  return a !== undefined && a < highPc ? a : undefined
}
