/**
 * Location expressions that real Go binaries rarely or never put at a function's
 * entry, so the oracle comparison does not reach them. Expected values follow the
 * DWARF 5 spec (§2.5, §2.6) and the x86-64 psABI register numbering (Figure 3.36).
 */
import { describe, expect, it } from 'vitest'
import { DwarfFormatError, UnsupportedError } from '../../src/errors.ts'
import { evaluateFrameBase, evaluateLocation, x86RegisterName } from '../../src/dwarf/location.ts'

const cfaFrame = evaluateFrameBase(Uint8Array.of(0x9c)) // DW_OP_call_frame_cfa, as Go emits
const loc = (...bytes: number[]) => evaluateLocation(Uint8Array.from(bytes), cfaFrame).pieces

describe('location expressions', () => {
  it('name the psABI registers', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 32].map(x86RegisterName)).toEqual(
      ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r15', 'rip', 'xmm0', 'xmm15'])
  })

  it('evaluate register, memory and composite forms', () => {
    expect(loc(0x50)).toEqual([{ size: undefined, loc: { kind: 'reg', reg: 'rax', dwarfReg: 0 } }])
    expect(loc(0x90, 17)).toEqual([{ size: undefined, loc: { kind: 'reg', reg: 'xmm0', dwarfReg: 17 } }])
    // DW_OP_fbreg -16 (SLEB 0x70) under a CFA frame base.
    expect(loc(0x91, 0x70)).toEqual([{ size: undefined, loc: { kind: 'cfa', offset: -16 } }])
    // DW_OP_breg7 8: memory at rsp+8.
    expect(loc(0x77, 0x08)).toEqual([{ size: undefined, loc: { kind: 'regOffset', reg: 'rsp', dwarfReg: 7, offset: 8 } }])
    // DW_OP_addr 0x401000.
    expect(loc(0x03, 0x00, 0x10, 0x40, 0, 0, 0, 0, 0)).toEqual([{ size: undefined, loc: { kind: 'addr', addr: 0x401000 } }])
    // DW_OP_lit4; DW_OP_plus_uconst 2: address 6.
    expect(loc(0x34, 0x23, 0x02)).toEqual([{ size: undefined, loc: { kind: 'addr', addr: 6 } }])
    // Escaped result: DW_OP_fbreg -16; DW_OP_deref.
    expect(loc(0x91, 0x70, 0x06)).toEqual([{ size: undefined, loc: { kind: 'deref', pointer: { kind: 'cfa', offset: -16 }, offset: 0 } }])
    // An interface with its type word unavailable: DW_OP_piece 8; DW_OP_reg3; DW_OP_piece 8.
    expect(loc(0x93, 8, 0x53, 0x93, 8)).toEqual([
      { size: 8, loc: { kind: 'empty' } },
      { size: 8, loc: { kind: 'reg', reg: 'rbx', dwarfReg: 3 } },
    ])
    // A stack argument split across two CFA slots: DW_OP_call_frame_cfa; piece 8; fbreg 8; piece 8.
    expect(loc(0x9c, 0x93, 8, 0x91, 8, 0x93, 8)).toEqual([
      { size: 8, loc: { kind: 'cfa', offset: 0 } },
      { size: 8, loc: { kind: 'cfa', offset: 8 } },
    ])
    // A register-returned Go result has an empty expression: nothing is available.
    expect(loc()).toEqual([])
  })

  it('reject truncated and unsupported expressions with goprobe errors', () => {
    expect(() => loc(0x91)).toThrow(DwarfFormatError) // fbreg without its operand
    expect(() => loc(0x22)).toThrow(DwarfFormatError) // plus on an empty stack
    expect(() => loc(0x9f)).toThrow(UnsupportedError) // DW_OP_stack_value
    expect(() => evaluateLocation(Uint8Array.of(0x91, 0), undefined)).toThrow(DwarfFormatError) // fbreg with no frame base
  })
})
