import type { DwarfFunction } from '../dwarf/go-functions.ts'
import type { Location } from '../dwarf/location.ts'
import { GoprobeError } from '../errors.ts'
import type { ArgReg, AssignedValue, FrameAssignment, RegisterPiece, ValueLocation } from './location.ts'
import { FLOAT_ARG_REGS, INT_ARG_REGS } from './location.ts'
import { scalarLeaves } from './scalar-leaves.ts'

const ARG_REGS: readonly string[] = [...INT_ARG_REGS, ...FLOAT_ARG_REGS]

export interface CrossCheck {
  /** Inputs whose computed location DWARF states identically at the probe pc. */
  readonly confirmed: number
  /** Disagreements where DWARF is self-consistent, one line each naming both locations: a sign of a wrong signature. */
  readonly disagreements: readonly string[]
  /**
   * Disagreements DWARF contradicts itself on (it places two live values, or two pieces of
   * one value, in the same register at that pc), which cannot be true at entry.
   */
  readonly dwarfContradictions: readonly string[]
}

/**
 * Compare the computed entry locations of a function's inputs with DWARF's location
 * lists at the entry probe pc. At a function's entry the ABI fixes where every argument
 * is (the caller put it there, and the stack check touches none), so the computed
 * location is what the probe reads. Go's location lists are not exact there: on real
 * binaries they put two live values in one register (a slice's len and cap in RBX, two
 * parameters in RCX). A disagreement is therefore reported, with whether DWARF
 * contradicts itself, and it flags a wrong signature when DWARF is consistent.
 * Results are not checked: Go emits empty locations for register results.
 */
export function crossCheckLocations(dwarfFn: DwarfFunction | undefined, frame: FrameAssignment, pc: number): CrossCheck {
  if (!dwarfFn) return { confirmed: 0, disagreements: [], dwarfContradictions: [] }
  const inputs = [...(frame.receiver ? [frame.receiver] : []), ...frame.params]
  const claimed = new Map<string, number>()
  const found: { v: AssignedValue; loc: ValueLocation }[] = []
  for (const v of inputs) {
    if (v.name === undefined) continue
    const param = dwarfFn.params.find((p) => !p.isResult && p.name === v.name)
    let loc: Location | undefined
    try {
      loc = param?.locationAt(pc)
    } catch (e) {
      // An expression goprobe cannot evaluate (DW_OP_stack_value, ...) states nothing here.
      if (e instanceof GoprobeError) continue
      throw e
    }
    const fromDwarf = loc && loc.pieces.length ? toValueLocation(v, loc) : undefined
    if (!fromDwarf) continue
    found.push({ v, loc: fromDwarf })
    if (fromDwarf.kind === 'registers') for (const p of fromDwarf.pieces) claimed.set(p.reg, (claimed.get(p.reg) ?? 0) + 1)
  }
  let confirmed = 0
  const disagreements: string[] = []
  const dwarfContradictions: string[] = []
  for (const { v, loc } of found) {
    if (sameLocation(loc, v.location) || namesSpillSlot(loc, v)) {
      confirmed++
      continue
    }
    const text = `${v.name}: the ABI puts it in ${show(v.location)}, DWARF says ${show(loc)} at 0x${pc.toString(16)}`
    if (loc.kind === 'registers' && loc.pieces.some((p) => (claimed.get(p.reg) ?? 0) > 1)) dwarfContradictions.push(`${text}, giving one register to two values`)
    else disagreements.push(text)
  }
  return { confirmed, disagreements, dwarfContradictions }
}

/** DWARF pieces map, in order, onto the value's scalar leaves (padding gets no piece). */
function toValueLocation(v: AssignedValue, loc: Location): ValueLocation | undefined {
  const [first] = loc.pieces
  if (loc.pieces.length === 1 && first && first.size === undefined) {
    if (first.loc.kind === 'cfa') return { kind: 'stack', offset: first.loc.offset + 8 }
    if (first.loc.kind === 'reg' && ARG_REGS.includes(first.loc.reg)) {
      return { kind: 'registers', pieces: [{ reg: first.loc.reg as ArgReg, size: v.type.size, offset: 0, scalar: v.type.kind }] }
    }
    return undefined
  }
  const leaves = scalarLeaves(v.type)
  if (leaves.length !== loc.pieces.length) return undefined
  const pieces: RegisterPiece[] = []
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!
    const p = loc.pieces[i]!.loc
    if (p.kind !== 'reg' || !ARG_REGS.includes(p.reg)) return undefined
    pieces.push({ reg: p.reg as ArgReg, size: leaf.size, offset: leaf.offset, scalar: leaf.kind })
  }
  return { kind: 'registers', pieces }
}

/**
 * Go 1.27 describes some register arguments (a closure's `.dict` in a generic function) by
 * their spill slot from the first instruction, before anything is spilled there. The
 * slot belongs to the register the ABI assigned, and only to it, so naming it confirms
 * the assignment (the code reads the register: `mov %rcx,0x28(%rsp)` after the prologue).
 */
function namesSpillSlot(dwarf: ValueLocation, v: AssignedValue): boolean {
  return dwarf.kind === 'stack' && v.location.kind === 'registers' && v.spillOffset === dwarf.offset
}

function sameLocation(a: ValueLocation, b: ValueLocation): boolean {
  if (a.kind === 'stack' || b.kind === 'stack') return a.kind === 'stack' && b.kind === 'stack' && a.offset === b.offset
  return a.pieces.length === b.pieces.length && a.pieces.every((p, i) => p.reg === b.pieces[i]!.reg && p.offset === b.pieces[i]!.offset)
}

function show(l: ValueLocation): string {
  return l.kind === 'stack' ? `${l.offset}(SP)` : l.pieces.map((p) => p.reg).join('+')
}
