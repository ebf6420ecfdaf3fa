import type { Location } from '../dwarf/location.ts'
import { MACHINE_REGISTERS, type MachineRegister } from '../dsl/ir.ts'
import type { GoType } from '../gotypes/types.ts'
import { scalarLeaves } from './scalar-leaves.ts'

/**
 * Where a value is at a pc inside a function, as DWARF's location list says: in general
 * registers (any of them: past the entry the compiler uses more than the argument
 * registers), or in the stack frame at an offset from the entry SP.
 */
export type InnerLocation =
  | { readonly kind: 'registers'; readonly pieces: readonly { readonly reg: MachineRegister; readonly size: number; readonly offset: number }[] }
  | { readonly kind: 'stack'; readonly offset: number }

const READABLE: ReadonlySet<string> = new Set(MACHINE_REGISTERS.filter((r) => r !== 'rsp' && r !== 'rip'))

/**
 * The DWARF location as goprobe can read it at a probe, or why it cannot: a whole value
 * in one register or one CFA-based slot, or one register per scalar leaf (a string's
 * pointer and length). XMM registers are out of reach of uprobes.
 */
export function innerLocation(type: GoType, loc: Location): InnerLocation | { problem: string } {
  const [first] = loc.pieces
  const shown = (l: Location['pieces'][number]['loc']) => ('reg' in l ? l.reg : l.kind)
  if (loc.pieces.length === 1 && first && first.size === undefined) {
    if (first.loc.kind === 'cfa') return { kind: 'stack', offset: first.loc.offset + 8 }
    if (first.loc.kind === 'reg' && READABLE.has(first.loc.reg)) {
      return { kind: 'registers', pieces: [{ reg: first.loc.reg as MachineRegister, size: type.size, offset: 0 }] }
    }
    return { problem: `DWARF puts it in ${shown(first.loc)}, which a probe cannot read` }
  }
  const leaves = scalarLeaves(type)
  if (leaves.length !== loc.pieces.length) return { problem: `DWARF describes it in ${loc.pieces.length} pieces, not one per word of a ${type.kind}` }
  const pieces = []
  for (let i = 0; i < leaves.length; i++) {
    const p = loc.pieces[i]!.loc
    if (p.kind !== 'reg' || !READABLE.has(p.reg)) return { problem: `DWARF puts part of it in ${shown(p)}, which a probe cannot read` }
    pieces.push({ reg: p.reg as MachineRegister, size: leaves[i]!.size, offset: leaves[i]!.offset })
  }
  return { kind: 'registers', pieces }
}
