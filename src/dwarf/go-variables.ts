import type { GoType } from '../gotypes/types.ts'
import { DW_AT } from './constants.ts'
import { attr, attrNumber } from './die.ts'
import type { Dwarf } from './dwarf.ts'
import type { DwarfTypes } from './go-types.ts'
import { evaluateLocation } from './location.ts'

/** A package-level variable as DWARF describes it: its link-time address and type. */
export interface DwarfVariable {
  readonly name: string
  readonly address: number
  readonly type: GoType
}

/** Go's package-level variables (`main.counts`, `net/http.DefaultClient`) from DWARF. */
export class DwarfVariables {
  constructor(
    private readonly dwarf: Dwarf,
    private readonly types: DwarfTypes,
  ) {}

  names(): Iterable<string> {
    return this.dwarf.index.variableNames()
  }

  /** The variable, when DWARF gives it a fixed address (DW_OP_addr) and a type. */
  lookup(name: string): DwarfVariable | undefined {
    const offset = this.dwarf.index.variableOffset(name)
    if (offset === undefined) return undefined
    const die = this.dwarf.die(offset)
    const typeOffset = attrNumber(die, DW_AT.type)
    const expr = attr(die, DW_AT.location)?.value
    if (typeOffset === undefined || !(expr instanceof Uint8Array)) return undefined
    const [piece, ...rest] = evaluateLocation(expr, undefined).pieces
    if (!piece || rest.length || piece.loc.kind !== 'addr') return undefined
    return { name, address: piece.loc.addr, type: this.types.typeAt(typeOffset) }
  }
}
