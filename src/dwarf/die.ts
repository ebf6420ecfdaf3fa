import { DwarfFormatError } from '../errors.ts'
import { parseAbbrevTable, type Abbrev, type AbbrevTable } from './abbrev.ts'
import { DW_AT, DW_FORM } from './constants.ts'
import { Cursor, stringAt } from './cursor.ts'
import { isAddrIndexForm, isStringForm, readForm, skipForm, type RawValue } from './forms.ts'
import type { Sections } from './sections.ts'
import { parseUnitHeaders, unitContaining, type UnitHeader } from './units.ts'

export interface Attr {
  readonly at: number
  readonly form: number
  /** Strings and .debug_addr indexes are resolved; loclistx/rnglistx stay indexes. */
  readonly value: RawValue
}

/** One decoded debugging information entry. */
export interface Die {
  readonly offset: number
  readonly unit: Unit
  readonly tag: number
  readonly hasChildren: boolean
  readonly attrs: readonly Attr[]
  /** Offset just past this entry's attributes: its first child, or its next sibling. */
  readonly next: number
}

/** The per-unit values (DWARF 5 bases, the base address) that other sections are read relative to. */
export interface UnitBases {
  /** DW_AT_low_pc of the unit DIE: the base address of v4 location and range lists. */
  readonly lowPc: number
  readonly strOffsetsBase: number
  readonly addrBase: number
  readonly loclistsBase: number
  readonly rnglistsBase: number
  readonly stmtList: number | undefined
}

export interface Unit extends UnitHeader {
  readonly abbrevs: AbbrevTable
}

/**
 * Decodes DIEs on demand. Units and abbreviation tables are parsed once; a DIE is
 * decoded only when asked for, so looking at one struct does not cost a walk of
 * the whole .debug_info.
 */
export class DieDecoder {
  readonly info: Uint8Array
  readonly headers: readonly UnitHeader[]
  private readonly units = new Map<number, Unit>()
  private readonly abbrevTables = new Map<number, AbbrevTable>()
  private readonly bases = new Map<number, UnitBases>()
  private addrCursor?: Cursor

  constructor(readonly sections: Sections) {
    this.info = sections.getOrEmpty('.debug_info')
    this.headers = parseUnitHeaders(this.info)
  }

  unit(header: UnitHeader): Unit {
    let u = this.units.get(header.offset)
    if (!u) {
      let abbrevs = this.abbrevTables.get(header.abbrevOffset)
      if (!abbrevs) {
        abbrevs = parseAbbrevTable(this.sections.getOrEmpty('.debug_abbrev'), header.abbrevOffset)
        this.abbrevTables.set(header.abbrevOffset, abbrevs)
      }
      u = { ...header, abbrevs }
      this.units.set(header.offset, u)
    }
    return u
  }

  unitAt(offset: number): Unit {
    const h = unitContaining(this.headers, offset)
    if (!h || offset < h.dieOffset) throw new DwarfFormatError('reference outside any unit', '.debug_info', offset)
    return this.unit(h)
  }

  /** The abbreviation of the entry at the cursor, or undefined for a null entry (end of siblings). */
  abbrevAt(c: Cursor, unit: Unit): Abbrev | undefined {
    // Codes are nearly always one byte (Go numbers them densely from 1); reading those directly
    // instead of through uleb() made the name index's walk over millions of entries markedly faster.
    const first = c.data[c.pos]
    let code: number
    if (first !== undefined && first < 0x80) {
      c.pos++
      code = first
    } else code = c.uleb()
    if (code === 0) return undefined
    const a = unit.abbrevs.get(code)
    if (!a) c.fail(`unknown abbreviation code ${code}`)
    return a
  }

  /** Decodes the DIE at a .debug_info offset; undefined when the offset holds a null entry. */
  die(offset: number, unit = this.unitAt(offset)): Die | undefined {
    const c = new Cursor(this.info, '.debug_info', offset)
    if (offset >= unit.end) c.fail('entry offset past its unit')
    const abbrev = this.abbrevAt(c, unit)
    if (!abbrev) return undefined
    const attrs: Attr[] = []
    for (const spec of abbrev.attrs) {
      const raw = readForm(c, spec.form, spec.implicitConst, unit)
      attrs.push({ at: spec.at, form: spec.form, value: this.resolve(unit, spec.form, raw) })
    }
    if (c.pos > unit.end) c.fail('entry runs past its unit', offset)
    return { offset, unit, tag: abbrev.tag, hasChildren: abbrev.hasChildren, attrs, next: c.pos }
  }

  /** The direct children of a DIE, decoded one by one (grandchildren are skipped via DW_AT_sibling or a walk). */
  *children(parent: Die): Generator<Die> {
    if (!parent.hasChildren) return
    let offset = parent.next
    for (;;) {
      if (offset >= parent.unit.end) throw new DwarfFormatError('children run past their unit', '.debug_info', parent.offset)
      const child = this.die(offset, parent.unit)
      if (!child) return
      yield child
      offset = this.siblingOffset(child)
    }
  }

  /** Offset of the entry after `die` and all its descendants. */
  siblingOffset(die: Die): number {
    if (!die.hasChildren) return die.next
    const sib = die.attrs.find((a) => a.at === DW_AT.sibling)
    if (sib && typeof sib.value === 'number' && sib.value > die.offset && sib.value <= die.unit.end) return sib.value
    const c = new Cursor(this.info, '.debug_info', die.next)
    let depth = 1
    while (depth > 0) {
      if (c.pos >= die.unit.end) c.fail('children run past their unit', die.offset)
      const abbrev = this.abbrevAt(c, die.unit)
      if (!abbrev) { depth--; continue }
      for (const spec of abbrev.attrs) skipForm(c, spec.form, die.unit)
      if (abbrev.hasChildren) depth++
    }
    return c.pos
  }

  /** The unit's bases, read from its first DIE without resolving anything that depends on them. */
  basesOf(unit: Unit): UnitBases {
    let b = this.bases.get(unit.offset)
    if (b) return b
    const c = new Cursor(this.info, '.debug_info', unit.dieOffset)
    const abbrev = unit.dieOffset < unit.end ? this.abbrevAt(c, unit) : undefined
    const raw = new Map<number, RawValue>()
    if (abbrev) for (const spec of abbrev.attrs) raw.set(spec.at, readForm(c, spec.form, spec.implicitConst, unit))
    const num = (at: number, dflt: number): number => {
      const v = raw.get(at)
      return typeof v === 'number' ? v : dflt
    }
    const addrBase = num(DW_AT.addr_base, unit.version >= 5 ? 8 : 0)
    const low = raw.get(DW_AT.low_pc)
    const lowForm = abbrev?.attrs.find((a) => a.at === DW_AT.low_pc)?.form
    b = {
      lowPc: typeof low !== 'number' ? 0 : lowForm !== undefined && isAddrIndexForm(lowForm) ? this.addressFrom(unit, addrBase, low) : low,
      strOffsetsBase: num(DW_AT.str_offsets_base, unit.version >= 5 ? 2 * unit.offsetSize : 0),
      addrBase,
      loclistsBase: num(DW_AT.loclists_base, 0),
      rnglistsBase: num(DW_AT.rnglists_base, 0),
      stmtList: raw.has(DW_AT.stmt_list) ? num(DW_AT.stmt_list, 0) : undefined,
    }
    this.bases.set(unit.offset, b)
    return b
  }

  /** Entry `index` of the unit's slice of .debug_addr. */
  addressAt(unit: Unit, index: number): number {
    return this.addressFrom(unit, this.basesOf(unit).addrBase, index)
  }

  private addressFrom(unit: Unit, addrBase: number, index: number): number {
    // One cursor for all reads: the name index reads an address per function, and a new
    // cursor (with its DataView) each time showed in profiles.
    const c = (this.addrCursor ??= new Cursor(this.sections.getOrEmpty('.debug_addr'), '.debug_addr'))
    c.pos = addrBase + index * unit.addrSize
    return c.unsigned(unit.addrSize)
  }

  private resolve(unit: Unit, form: number, raw: RawValue): RawValue {
    if (typeof raw !== 'number') return raw
    if (isStringForm(form)) return this.stringOf(unit, form, raw)
    if (isAddrIndexForm(form)) return this.addressAt(unit, raw)
    return raw
  }

  private stringOf(unit: Unit, form: number, raw: number): string {
    switch (form) {
      case DW_FORM.strp: return stringAt(this.sections.getOrEmpty('.debug_str'), '.debug_str', raw)
      case DW_FORM.line_strp: return stringAt(this.sections.getOrEmpty('.debug_line_str'), '.debug_line_str', raw)
      case DW_FORM.strp_sup: case DW_FORM.GNU_strp_alt:
        throw new DwarfFormatError('strings in a supplementary object file are not supported', '.debug_info', unit.offset)
      default: {
        const offsets = new Cursor(this.sections.getOrEmpty('.debug_str_offsets'), '.debug_str_offsets', this.basesOf(unit).strOffsetsBase + raw * unit.offsetSize)
        return stringAt(this.sections.getOrEmpty('.debug_str'), '.debug_str', offsets.unsigned(unit.offsetSize))
      }
    }
  }

  /** Resolves a raw string-form value read outside `die()` (the name index reads names itself). */
  stringValue(unit: Unit, form: number, raw: RawValue): string | undefined {
    if (typeof raw === 'string') return raw
    if (typeof raw === 'number' && isStringForm(form)) return this.stringOf(unit, form, raw)
    return undefined
  }

  /** Resolves a raw address-form value read outside `die()`. */
  addressValue(unit: Unit, form: number, raw: RawValue): number | undefined {
    if (typeof raw !== 'number') return undefined
    return isAddrIndexForm(form) ? this.addressAt(unit, raw) : raw
  }
}

/** Attribute helpers over a decoded DIE. */
export function attr(die: Die, at: number): Attr | undefined {
  for (const a of die.attrs) if (a.at === at) return a
  return undefined
}
export function attrNumber(die: Die, at: number): number | undefined {
  const v = attr(die, at)?.value
  return typeof v === 'number' ? v : undefined
}
export function attrString(die: Die, at: number): string | undefined {
  const v = attr(die, at)?.value
  return typeof v === 'string' ? v : undefined
}
export function attrFlag(die: Die, at: number): boolean {
  const v = attr(die, at)?.value
  return v === true || (typeof v === 'number' && v !== 0)
}
