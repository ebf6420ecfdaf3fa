import type { Abbrev } from './abbrev.ts'
import { DW_AT, DW_FORM, DW_TAG } from './constants.ts'
import { Cursor } from './cursor.ts'
import type { DieDecoder, Unit } from './die.ts'
import { readForm, skipForm } from './forms.ts'
import { AttributeSkipper } from './skip-plan.ts'

/** A function with code: where its DIE is and which addresses it covers. */
export interface FunctionEntry {
  readonly name: string
  readonly offset: number
  readonly lowPc: number
  readonly highPc: number
}

const NAMED_TYPE_TAGS: ReadonlySet<number> = new Set([
  DW_TAG.base_type, DW_TAG.structure_type, DW_TAG.typedef, DW_TAG.pointer_type, DW_TAG.array_type,
  DW_TAG.subroutine_type, DW_TAG.union_type, DW_TAG.enumeration_type, 0x02 /* class_type */,
])

/**
 * The one pass over .debug_info: it reads only the attributes of unit-level type and
 * subprogram entries (names, pc ranges, abstract origins) and skips everything else
 * by form, so a lookup afterwards decodes just the entries it needs.
 */
export class NameIndex {
  /** Named type entries, first occurrence of each name. */
  readonly types = new Map<string, number>()
  /** Package-level variables (DW_TAG_variable directly in a unit), by name: first occurrence. */
  readonly variables = new Map<string, number>()
  /** Functions with code, by name (first occurrence). */
  readonly functionsByName = new Map<string, FunctionEntry>()
  /** Functions with code, sorted by low_pc. */
  readonly functionsByPc: FunctionEntry[] = []
  /** How many entries the pass walked. */
  dieCount = 0
  private readonly skipper = new AttributeSkipper()

  constructor(private readonly decoder: DieDecoder) {
    const abstractNames = new Map<number, string>()
    const concrete: { offset: number; name: string | undefined; origin: number | undefined; lowPc: number; highPc: number }[] = []
    for (const header of decoder.headers) {
      const unit = decoder.unit(header)
      this.scanUnit(unit, abstractNames, concrete)
    }
    for (const f of concrete) {
      const name = f.name ?? (f.origin === undefined ? undefined : abstractNames.get(f.origin) ?? this.originName(f.origin))
      if (name === undefined) continue
      const entry: FunctionEntry = { name, offset: f.offset, lowPc: f.lowPc, highPc: f.highPc }
      if (!this.functionsByName.has(name)) this.functionsByName.set(name, entry)
      this.functionsByPc.push(entry)
    }
    this.functionsByPc.sort((a, b) => a.lowPc - b.lowPc)
  }

  /** The function whose [lowPc, highPc) holds `pc`. */
  functionAt(pc: number): FunctionEntry | undefined {
    const fs = this.functionsByPc
    let lo = 0
    let hi = fs.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (fs[mid]!.lowPc <= pc) lo = mid + 1
      else hi = mid - 1
    }
    const f = fs[hi]
    return f && pc < f.highPc ? f : undefined
  }

  private scanUnit(
    unit: Unit,
    abstractNames: Map<number, string>,
    concrete: { offset: number; name: string | undefined; origin: number | undefined; lowPc: number; highPc: number }[],
  ): void {
    const c = new Cursor(this.decoder.info, '.debug_info', unit.dieOffset)
    let depth = 0
    while (c.pos < unit.end) {
      const offset = c.pos
      const abbrev = this.decoder.abbrevAt(c, unit)
      // A null entry ends a sibling list; at depth 0 it is padding some producers leave after the unit DIE.
      if (!abbrev) {
        if (depth > 0) depth--
        continue
      }
      this.dieCount++
      const interesting = depth === 1 && (abbrev.tag === DW_TAG.subprogram || abbrev.tag === DW_TAG.variable || NAMED_TYPE_TAGS.has(abbrev.tag))
      if (!interesting) this.skipper.skip(c, abbrev, unit)
      else if (abbrev.tag === DW_TAG.subprogram) {
        const fn = this.readSubprogram(c, abbrev, unit)
        if (fn.lowPc !== undefined) concrete.push({ offset, name: fn.name, origin: fn.origin, lowPc: fn.lowPc, highPc: fn.highPc ?? fn.lowPc })
        else if (fn.name !== undefined) abstractNames.set(offset, fn.name)
      } else {
        const name = this.readName(c, abbrev, unit)
        const names = abbrev.tag === DW_TAG.variable ? this.variables : this.types
        if (name !== undefined && !names.has(name)) names.set(name, offset)
      }
      if (c.pos > unit.end) c.fail('entry runs past its unit', offset)
      if (abbrev.hasChildren) depth++
    }
  }

  private readName(c: Cursor, abbrev: Abbrev, unit: Unit): string | undefined {
    let name: string | undefined
    for (const spec of abbrev.attrs) {
      if (spec.at === DW_AT.name) name = this.decoder.stringValue(unit, spec.form, readForm(c, spec.form, spec.implicitConst, unit))
      else skipForm(c, spec.form, unit)
    }
    return name
  }

  private readSubprogram(c: Cursor, abbrev: Abbrev, unit: Unit) {
    let name: string | undefined
    let origin: number | undefined
    let lowPc: number | undefined
    let high: { form: number; value: number } | undefined
    for (const spec of abbrev.attrs) {
      switch (spec.at) {
        case DW_AT.name:
          name = this.decoder.stringValue(unit, spec.form, readForm(c, spec.form, spec.implicitConst, unit))
          break
        case DW_AT.abstract_origin: case DW_AT.specification: {
          const v = readForm(c, spec.form, spec.implicitConst, unit)
          if (typeof v === 'number' && spec.form !== DW_FORM.ref_sig8) origin = v
          break
        }
        case DW_AT.low_pc:
          lowPc = this.decoder.addressValue(unit, spec.form, readForm(c, spec.form, spec.implicitConst, unit))
          break
        case DW_AT.high_pc: {
          const v = readForm(c, spec.form, spec.implicitConst, unit)
          if (typeof v === 'number') high = { form: spec.form, value: v }
          break
        }
        default:
          skipForm(c, spec.form, unit)
      }
    }
    let highPc: number | undefined
    if (high && lowPc !== undefined) highPc = highPcOf(lowPc, high.form, high.value, (i) => this.decoder.addressAt(unit, i))
    return { name, origin, lowPc, highPc }
  }

  private originName(origin: number): string | undefined {
    const die = this.decoder.die(origin)
    const v = die?.attrs.find((a) => a.at === DW_AT.name)?.value
    return typeof v === 'string' ? v : undefined
  }
}

/** DW_AT_high_pc is an address in address forms and an offset from low_pc in constant forms (DWARF 4+). */
export function highPcOf(lowPc: number, form: number, value: number, addressAt: (index: number) => number): number {
  switch (form) {
    case DW_FORM.addr: return value
    case DW_FORM.addrx: case DW_FORM.addrx1: case DW_FORM.addrx2: case DW_FORM.addrx3: case DW_FORM.addrx4:
    case DW_FORM.GNU_addr_index:
      return addressAt(value)
    default: return lowPc + value
  }
}
