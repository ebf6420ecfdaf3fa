import { Cursor } from './cursor.ts'
import { DW_FORM } from './constants.ts'

/** One abbreviation declaration: the shape shared by every DIE that uses its code. */
export interface Abbrev {
  readonly code: number
  readonly tag: number
  readonly hasChildren: boolean
  readonly attrs: readonly AttrSpec[]
}

export interface AttrSpec {
  readonly at: number
  readonly form: number
  /** The value of a DW_FORM_implicit_const attribute, stored in the abbreviation itself. */
  readonly implicitConst: number
}

/** The abbreviations of one table, indexed by code (Go numbers them densely from 1). */
export type AbbrevTable = ReadonlyMap<number, Abbrev>

/** Parses the abbreviation table at `offset` of .debug_abbrev. */
export function parseAbbrevTable(data: Uint8Array, offset: number): AbbrevTable {
  const c = new Cursor(data, '.debug_abbrev', offset)
  if (offset >= data.length) c.fail('abbreviation table offset out of range')
  const table = new Map<number, Abbrev>()
  for (;;) {
    const code = c.uleb()
    if (code === 0) break
    const tag = c.uleb()
    const hasChildren = c.u8() !== 0
    const attrs: AttrSpec[] = []
    for (;;) {
      const at = c.uleb()
      const form = c.uleb()
      if (at === 0 && form === 0) break
      const implicitConst = form === DW_FORM.implicit_const ? c.sleb() : 0
      attrs.push({ at, form, implicitConst })
    }
    if (table.has(code)) c.fail(`duplicate abbreviation code ${code}`)
    table.set(code, { code, tag, hasChildren, attrs })
  }
  return table
}
