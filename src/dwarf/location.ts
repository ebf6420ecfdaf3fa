import { DwarfFormatError, UnsupportedError } from '../errors.ts'
import { Cursor } from './cursor.ts'

/** Where one piece of a value lives at a given pc. */
export type PieceLocation =
  | { readonly kind: 'reg'; readonly reg: string; readonly dwarfReg: number }
  /** In memory at CFA + offset (CFA = the stack pointer before the call, i.e. entry RSP + 8). */
  | { readonly kind: 'cfa'; readonly offset: number }
  /** In memory at a fixed address. */
  | { readonly kind: 'addr'; readonly addr: number }
  /** In memory at register + offset (DW_OP_breg*, or fbreg under a register frame base). */
  | { readonly kind: 'regOffset'; readonly reg: string; readonly dwarfReg: number; readonly offset: number }
  /**
   * In memory at (the pointer stored at `pointer`) + offset: DW_OP_deref. Go describes
   * results that escaped to the heap this way (`DW_OP_fbreg -16; DW_OP_deref`).
   */
  | { readonly kind: 'deref'; readonly pointer: PieceLocation; readonly offset: number }
  /** This piece is not available (optimized out) here. */
  | { readonly kind: 'empty' }

export interface Piece {
  /** Bytes covered; undefined when the expression is not composite and describes the whole value. */
  readonly size: number | undefined
  readonly loc: PieceLocation
}

/** The location of a value at one pc. No pieces means the value is not available there. */
export interface Location {
  readonly pieces: readonly Piece[]
}

const X86_64_REGS = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip']

/** The x86-64 name of a DWARF register number (System V psABI, Figure 3.36). */
export function x86RegisterName(n: number): string {
  if (n < X86_64_REGS.length) return X86_64_REGS[n]!
  if (n >= 17 && n <= 32) return `xmm${n - 17}`
  if (n >= 33 && n <= 40) return `st${n - 33}`
  if (n >= 41 && n <= 48) return `mm${n - 41}`
  throw new UnsupportedError(`DWARF register ${n} has no x86-64 name goprobe knows`)
}

/** A symbolic value on the expression stack: a constant, or a base (CFA, register) plus an offset. */
export type FrameBase = Value
type Value =
  | { readonly base: 'const'; readonly offset: number }
  | { readonly base: 'cfa'; readonly offset: number }
  | { readonly base: 'reg'; readonly reg: number; readonly offset: number }
  /** The word in memory at `of`, plus offset. */
  | { readonly base: 'deref'; readonly of: Value; readonly offset: number }

/** A pending location: a register (DW_OP_regN) or the top of the stack, consumed by DW_OP_piece. */
type Pending = { kind: 'reg'; reg: number } | { kind: 'stack' } | { kind: 'none' }

const OP = {
  addr: 0x03, deref: 0x06, const1u: 0x08, const1s: 0x09, const2u: 0x0a, const2s: 0x0b, const4u: 0x0c, const4s: 0x0d,
  const8u: 0x0e, const8s: 0x0f, constu: 0x10, consts: 0x11, dup: 0x12, drop: 0x13, swap: 0x16,
  minus: 0x1c, plus: 0x22, plus_uconst: 0x23, lit0: 0x30, lit31: 0x4f, reg0: 0x50, reg31: 0x6f,
  breg0: 0x70, breg31: 0x8f, regx: 0x90, fbreg: 0x91, bregx: 0x92, piece: 0x93, nop: 0x96,
  deref_size: 0x94, call_frame_cfa: 0x9c,
} as const

/** The frame base a function's DW_AT_frame_base gives: Go uses DW_OP_call_frame_cfa. */
export function evaluateFrameBase(expr: Uint8Array): FrameBase {
  const loc = evaluate(expr, undefined)
  if (loc.kind === 'reg') return { base: 'reg', reg: loc.reg, offset: 0 }
  if (loc.kind === 'value') return loc.value
  throw new UnsupportedError('a composite frame base is not supported')
}

/**
 * Evaluates a DWARF location expression symbolically: registers and the CFA stay
 * names, since goprobe turns them into bpftrace reads rather than computing them.
 */
export function evaluateLocation(expr: Uint8Array, frameBase: FrameBase | undefined): Location {
  const r = evaluate(expr, frameBase)
  switch (r.kind) {
    case 'pieces': return { pieces: r.pieces }
    case 'reg': return { pieces: [{ size: undefined, loc: regLoc(r.reg) }] }
    case 'value': return { pieces: [{ size: undefined, loc: memoryLoc(r.value) }] }
    case 'none': return { pieces: [] }
  }
}

type Result =
  | { kind: 'pieces'; pieces: Piece[] }
  | { kind: 'reg'; reg: number }
  | { kind: 'value'; value: Value }
  | { kind: 'none' }

function evaluate(expr: Uint8Array, frameBase: Value | undefined): Result {
  const c = new Cursor(expr, 'location expression')
  const stack: Value[] = []
  const pieces: Piece[] = []
  let pending: Pending = { kind: 'none' }
  const pop = (): Value => stack.pop() ?? c.fail('expression stack underflow')
  const push = (v: Value): void => {
    stack.push(v)
    pending = { kind: 'stack' }
  }
  const konst = (offset: number): void => push({ base: 'const', offset })
  while (!c.atEnd) {
    const op = c.u8()
    if (op >= OP.lit0 && op <= OP.lit31) { konst(op - OP.lit0); continue }
    if (op >= OP.reg0 && op <= OP.reg31) { pending = { kind: 'reg', reg: op - OP.reg0 }; continue }
    if (op >= OP.breg0 && op <= OP.breg31) { push({ base: 'reg', reg: op - OP.breg0, offset: c.sleb() }); continue }
    switch (op) {
      case OP.addr: konst(c.u64()); break
      case OP.const1u: konst(c.u8()); break
      case OP.const1s: konst(c.i8()); break
      case OP.const2u: konst(c.u16()); break
      case OP.const2s: konst(c.i16()); break
      case OP.const4u: konst(c.u32()); break
      case OP.const4s: konst(c.i32()); break
      case OP.const8u: konst(c.u64()); break
      case OP.const8s: konst(c.i64()); break
      case OP.constu: konst(c.uleb()); break
      case OP.consts: konst(c.sleb()); break
      case OP.dup: { const v = pop(); push(v); push(v); break }
      case OP.drop: pop(); if (stack.length === 0) pending = { kind: 'none' }; break
      case OP.swap: { const a = pop(); const b = pop(); push(a); push(b); break }
      case OP.plus_uconst: push(addOffset(pop(), c.uleb())); break
      case OP.plus: {
        const b = pop()
        const a = pop()
        if (b.base === 'const') push(addOffset(a, b.offset))
        else if (a.base === 'const') push(addOffset(b, a.offset))
        else throw new UnsupportedError('DW_OP_plus of two non-constant values')
        break
      }
      case OP.minus: {
        const b = pop()
        const a = pop()
        if (b.base !== 'const') throw new UnsupportedError('DW_OP_minus of a non-constant value')
        push(addOffset(a, -b.offset))
        break
      }
      case OP.regx: pending = { kind: 'reg', reg: c.uleb() }; break
      case OP.bregx: { const reg = c.uleb(); push({ base: 'reg', reg, offset: c.sleb() }); break }
      case OP.fbreg: {
        if (!frameBase) throw new DwarfFormatError('DW_OP_fbreg outside a function with a frame base', 'location expression', c.pos - 1)
        push(addOffset(frameBase, c.sleb()))
        break
      }
      case OP.call_frame_cfa: push({ base: 'cfa', offset: 0 }); break
      case OP.deref: push({ base: 'deref', of: pop(), offset: 0 }); break
      case OP.deref_size: {
        // Only whole 8-byte pointers can be followed symbolically.
        const size = c.u8()
        if (size !== 8) throw new UnsupportedError(`DW_OP_deref_size ${size} is not supported`)
        push({ base: 'deref', of: pop(), offset: 0 })
        break
      }
      case OP.piece: {
        const size = c.uleb()
        const p = pending as Pending
        if (p.kind === 'reg') pieces.push({ size, loc: regLoc(p.reg) })
        else if (p.kind === 'stack') pieces.push({ size, loc: memoryLoc(pop()) })
        else pieces.push({ size, loc: { kind: 'empty' } })
        pending = { kind: 'none' }
        break
      }
      case OP.nop: break
      default: throw new UnsupportedError(`DWARF expression operation 0x${op.toString(16)} is not supported`)
    }
  }
  if (pieces.length > 0) return { kind: 'pieces', pieces }
  const last = pending as Pending
  if (last.kind === 'reg') return { kind: 'reg', reg: last.reg }
  const top = stack[stack.length - 1]
  return top ? { kind: 'value', value: top } : { kind: 'none' }
}

function addOffset(v: Value, delta: number): Value {
  return { ...v, offset: v.offset + delta }
}

function regLoc(reg: number): PieceLocation {
  return { kind: 'reg', reg: x86RegisterName(reg), dwarfReg: reg }
}

function memoryLoc(v: Value): PieceLocation {
  switch (v.base) {
    case 'const': return { kind: 'addr', addr: v.offset }
    case 'cfa': return { kind: 'cfa', offset: v.offset }
    case 'reg': return { kind: 'regOffset', reg: x86RegisterName(v.reg), dwarfReg: v.reg, offset: v.offset }
    case 'deref': return { kind: 'deref', pointer: memoryLoc(v.of), offset: v.offset }
  }
}


