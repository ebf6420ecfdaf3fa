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

/** What one unit declares at its top level: named types, package variables and functions with code. */
export interface UnitDeclarations {
  /** First occurrence of each name in the unit. */
  readonly types: ReadonlyMap<string, number>
  readonly variables: ReadonlyMap<string, number>
  /** In entry order. */
  readonly functions: readonly FunctionEntry[]
  /** How many entries the scan walked. */
  readonly dieCount: number
}

const NAMED_TYPE_TAGS: ReadonlySet<number> = new Set([
  DW_TAG.base_type, DW_TAG.structure_type, DW_TAG.typedef, DW_TAG.pointer_type, DW_TAG.array_type,
  DW_TAG.subroutine_type, DW_TAG.union_type, DW_TAG.enumeration_type, 0x02 /* class_type */,
])

/**
 * A walk over one unit that stops at each unit-level entry with a tag of interest,
 * its cursor at the entry's attributes: the caller reads or skips them, then asks for
 * the next. Everything else is skipped by form. It can stop and resume anywhere.
 */
export class UnitWalk {
  readonly cursor: Cursor
  private depth = 0
  private pendingChildren = false
  dieCount = 0

  constructor(
    private readonly decoder: DieDecoder,
    readonly unit: Unit,
    private readonly skipper: AttributeSkipper,
    private readonly wanted: (tag: number) => boolean,
  ) {
    this.cursor = new Cursor(decoder.info, '.debug_info', unit.dieOffset)
  }

  /** The next entry of interest and its offset, or undefined at the unit's end. */
  next(): { offset: number; abbrev: Abbrev } | undefined {
    const c = this.cursor
    const unit = this.unit
    if (this.pendingChildren) this.depth++
    this.pendingChildren = false
    while (c.pos < unit.end) {
      const offset = c.pos
      const abbrev = this.decoder.abbrevAt(c, unit)
      // A null entry ends a sibling list; at depth 0 it is padding some producers leave after the unit DIE.
      if (!abbrev) {
        if (this.depth > 0) this.depth--
        continue
      }
      this.dieCount++
      if (this.depth === 1 && this.wanted(abbrev.tag)) {
        this.pendingChildren = abbrev.hasChildren
        return { offset, abbrev }
      }
      this.skipper.skip(c, abbrev, unit)
      if (c.pos > unit.end) c.fail('entry runs past its unit', offset)
      if (abbrev.hasChildren) this.depth++
    }
    return undefined
  }
}

const isDeclaration = (tag: number): boolean => tag === DW_TAG.subprogram || tag === DW_TAG.variable || NAMED_TYPE_TAGS.has(tag)
const isNamedType = (tag: number): boolean => NAMED_TYPE_TAGS.has(tag)

/**
 * Scans units: it reads only the attributes of unit-level type, variable and
 * subprogram entries (names, pc ranges, abstract origins) and skips everything else
 * by form, so a lookup afterwards decodes just the entries it needs.
 */
export class UnitScanner {
  private readonly skipper = new AttributeSkipper()

  constructor(private readonly decoder: DieDecoder) {}

  /** A resumable walk over the unit's named types. */
  typeWalk(unit: Unit): UnitWalk {
    return new UnitWalk(this.decoder, unit, this.skipper, isNamedType)
  }

  /**
   * Reads the name of the type entry a walk stopped at (undefined when it has none),
   * leaving the walk after its attributes.
   */
  typeName(walk: UnitWalk, abbrev: Abbrev): string | undefined {
    const name = this.readName(walk.cursor, abbrev, walk.unit)
    if (walk.cursor.pos > walk.unit.end) walk.cursor.fail('entry runs past its unit')
    return name
  }

  scan(unit: Unit): UnitDeclarations {
    const types = new Map<string, number>()
    const variables = new Map<string, number>()
    const abstractNames = new Map<number, string>()
    const concrete: { offset: number; name: string | undefined; origin: number | undefined; lowPc: number; highPc: number }[] = []
    const walk = new UnitWalk(this.decoder, unit, this.skipper, isDeclaration)
    const c = walk.cursor
    for (let entry = walk.next(); entry; entry = walk.next()) {
      const { offset, abbrev } = entry
      if (abbrev.tag === DW_TAG.subprogram) {
        const fn = this.readSubprogram(c, abbrev, unit)
        if (fn.lowPc !== undefined) concrete.push({ offset, name: fn.name, origin: fn.origin, lowPc: fn.lowPc, highPc: fn.highPc ?? fn.lowPc })
        else if (fn.name !== undefined) abstractNames.set(offset, fn.name)
      } else {
        const name = this.readName(c, abbrev, unit)
        const names = abbrev.tag === DW_TAG.variable ? variables : types
        if (name !== undefined && !names.has(name)) names.set(name, offset)
      }
      if (c.pos > unit.end) c.fail('entry runs past its unit', offset)
    }
    const functions: FunctionEntry[] = []
    for (const f of concrete) {
      // The abstract entry is usually in the same unit; a generic or inlined body may refer to another's.
      const name = f.name ?? (f.origin === undefined ? undefined : abstractNames.get(f.origin) ?? this.originName(f.origin))
      if (name !== undefined) functions.push({ name, offset: f.offset, lowPc: f.lowPc, highPc: f.highPc })
    }
    return { types, variables, functions, dieCount: walk.dieCount }
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

/**
 * Every unit's declarations merged in unit order, the first occurrence of each name
 * winning: the one pass over all of .debug_info, for listing names and for lookups the
 * targeted ones (src/dwarf/dwarf-index.ts) cannot answer.
 */
export class NameIndex {
  readonly types = new Map<string, number>()
  readonly variables = new Map<string, number>()
  readonly functionsByName = new Map<string, FunctionEntry>()
  /** Functions with code, sorted by low_pc. */
  readonly functionsByPc: FunctionEntry[] = []
  /** How many entries the pass walked. */
  dieCount = 0

  constructor(decoder: DieDecoder, declarationsOf: (unit: Unit) => UnitDeclarations) {
    for (const header of decoder.headers) {
      const d = declarationsOf(decoder.unit(header))
      this.dieCount += d.dieCount
      mergeFirst(this.types, d.types)
      mergeFirst(this.variables, d.variables)
      for (const f of d.functions) {
        if (!this.functionsByName.has(f.name)) this.functionsByName.set(f.name, f)
        this.functionsByPc.push(f)
      }
    }
    this.functionsByPc.sort((a, b) => a.lowPc - b.lowPc)
  }

  /** The function whose [lowPc, highPc) holds `pc`. */
  functionAt(pc: number): FunctionEntry | undefined {
    return functionContaining(this.functionsByPc, pc)
  }
}

/** Adds the names `from` has and `into` lacks. */
function mergeFirst<V>(into: Map<string, V>, from: ReadonlyMap<string, V>): void {
  for (const [k, v] of from) if (!into.has(k)) into.set(k, v)
}

/** In functions sorted by low_pc, the one whose [lowPc, highPc) holds `pc`. */
export function functionContaining(functions: readonly FunctionEntry[], pc: number): FunctionEntry | undefined {
  let lo = 0
  let hi = functions.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (functions[mid]!.lowPc <= pc) lo = mid + 1
    else hi = mid - 1
  }
  const f = functions[hi]
  return f && pc < f.highPc ? f : undefined
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
