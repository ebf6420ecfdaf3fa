import type { AddressRange } from './address-lists.ts'
import { DW_AT, DW_LANG_Go } from './constants.ts'
import { attrNumber, attrString, type DieDecoder, type Die, type Unit } from './die.ts'
import { functionContaining, NameIndex, UnitScanner, type FunctionEntry, type UnitDeclarations, type UnitWalk } from './name-index.ts'

/** Go's predeclared type names, which have no package and so no dot. */
const PREDECLARED: ReadonlySet<string> = new Set([
  'any', 'bool', 'byte', 'comparable', 'complex64', 'complex128', 'error', 'float32', 'float64', 'int', 'int8', 'int16',
  'int32', 'int64', 'rune', 'string', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr',
])

/** A unit as its first entry describes it. */
interface UnitSummary {
  readonly unit: Unit
  /** DW_AT_name: the package path for Go units. */
  readonly name: string | undefined
  readonly isGo: boolean
}

/**
 * Name and address lookups that read only the units that can hold the answer, since
 * a walk over all of a large binary's .debug_info (millions of entries) costs more than
 * everything else a compile does. Where Go's linker puts things decides which units:
 *
 * - a function's entry lies in the code ranges of the unit holding its DIE (the linker
 *   builds each unit's ranges from that unit's functions);
 * - every named Go type is in the runtime package's unit (the linker moves all type
 *   entries there), so types are looked for in units named `runtime`, and in units of
 *   other languages (C code linked in with cgo), in unit order as the full pass would;
 * - a package variable is in its package's unit, or the runtime's when its own unit
 *   has no reachable code.
 *
 * Anything else (listing every name, a name not found where it should be, a pc no unit
 * claims) falls back to the full pass, `all`.
 */
export class DwarfIndex {
  private readonly scanner: UnitScanner
  private readonly declarations = new Map<number, UnitDeclarations>()
  private readonly sortedFunctions = new Map<number, readonly FunctionEntry[]>()
  private readonly unitRanges = new Map<number, readonly AddressRange[]>()
  private summaries: readonly UnitSummary[] | undefined
  private prefixes: ReadonlySet<string> | undefined
  /** Named types found so far by the walk over the units that hold them. */
  private typeScan: { readonly walks: readonly UnitWalk[]; at: number; readonly found: Map<string, number> } | undefined
  private full: NameIndex | undefined

  constructor(
    private readonly decoder: DieDecoder,
    private readonly rangesOf: (die: Die) => AddressRange[],
  ) {
    this.scanner = new UnitScanner(decoder)
  }

  /** The full pass over every unit (units already scanned are not walked again). */
  get all(): NameIndex {
    return (this.full ??= new NameIndex(this.decoder, (unit) => this.declarations.get(unit.offset) ?? this.scanner.scan(unit)))
  }

  /** Whether the full pass has run (lookups since answer from it). */
  get walkedAllUnits(): boolean {
    return this.full !== undefined
  }

  /** The DIE offset of the named type `name`. */
  typeOffset(name: string): number | undefined {
    if (this.full) return this.full.types.get(name)
    // "Is the prefix of this function's name a type?" is asked of every function; for a
    // plain function the prefix is its package's symbol prefix, which no type name can
    // equal (a type name has a dot after its last slash; a symbol prefix has them all
    // escaped), except a predeclared name like a one-word package path `int`.
    if (!PREDECLARED.has(name) && this.packagePrefixes().has(name)) return undefined
    const scan = (this.typeScan ??= {
      walks: this.unitSummaries().filter((s) => !s.isGo || s.name === 'runtime').map((s) => this.scanner.typeWalk(s.unit)),
      at: 0,
      found: new Map(),
    })
    const known = scan.found.get(name)
    if (known !== undefined) return known
    // Resume the walk where the last lookup stopped: the runtime's own types come first in
    // its unit, so most lookups end long before the program's many types are reached.
    for (; scan.at < scan.walks.length; scan.at++) {
      const walk = scan.walks[scan.at]!
      for (let entry = walk.next(); entry; entry = walk.next()) {
        const found = this.scanner.typeName(walk, entry.abbrev)
        if (found === undefined || scan.found.has(found)) continue
        scan.found.set(found, entry.offset)
        if (found === name) return entry.offset
      }
    }
    // A producer that puts its types elsewhere gets the full pass.
    return scan.found.size === 0 ? this.all.types.get(name) : undefined
  }

  typeNames(): Iterable<string> {
    return this.all.types.keys()
  }

  variableOffset(name: string): number | undefined {
    if (this.full) return this.full.variables.get(name)
    const home = this.unitSummaries().filter((s) => !s.isGo || s.name === 'runtime' || (s.name !== undefined && name.startsWith(`${symbolPrefix(s.name)}.`)))
    for (const s of home) {
      const offset = this.declared(s.unit).variables.get(name)
      if (offset !== undefined) return offset
    }
    return this.all.variables.get(name)
  }

  variableNames(): Iterable<string> {
    return this.all.variables.keys()
  }

  /** The function whose code holds `pc`. */
  functionAt(pc: number): FunctionEntry | undefined {
    if (this.full) return this.full.functionAt(pc)
    let claimed = false
    for (const s of this.unitSummaries()) {
      if (!this.rangesOfUnit(s.unit).some(([lo, hi]) => lo <= pc && pc < hi)) continue
      claimed = true
      const f = functionContaining(this.functionsByPc(s.unit), pc)
      if (f) return f
    }
    return claimed ? undefined : this.all.functionAt(pc)
  }

  /**
   * The function named `name`. `entry`, its address when known, finds it by address
   * first; the name must then match, as the full pass would find it by name.
   */
  functionNamed(name: string, entry?: number): FunctionEntry | undefined {
    if (entry !== undefined && !this.full) {
      const f = this.functionAt(entry)
      if (f && f.name === name && f.lowPc === entry) return f
    }
    return this.all.functionsByName.get(name)
  }

  functionNames(): Iterable<string> {
    return this.all.functionsByName.keys()
  }

  private packagePrefixes(): ReadonlySet<string> {
    return (this.prefixes ??= new Set(this.unitSummaries().flatMap((s) => (s.isGo && s.name !== undefined ? [symbolPrefix(s.name)] : []))))
  }

  private declared(unit: Unit): UnitDeclarations {
    let d = this.declarations.get(unit.offset)
    if (!d) {
      d = this.scanner.scan(unit)
      this.declarations.set(unit.offset, d)
    }
    return d
  }

  private functionsByPc(unit: Unit): readonly FunctionEntry[] {
    let fs = this.sortedFunctions.get(unit.offset)
    if (!fs) {
      fs = [...this.declared(unit).functions].sort((a, b) => a.lowPc - b.lowPc)
      this.sortedFunctions.set(unit.offset, fs)
    }
    return fs
  }

  private rangesOfUnit(unit: Unit): readonly AddressRange[] {
    let r = this.unitRanges.get(unit.offset)
    if (!r) {
      const die = this.decoder.die(unit.dieOffset, unit)
      r = die ? this.rangesOf(die) : []
      this.unitRanges.set(unit.offset, r)
    }
    return r
  }

  private unitSummaries(): readonly UnitSummary[] {
    return (this.summaries ??= this.decoder.headers.map((h) => {
      const unit = this.decoder.unit(h)
      const die = h.dieOffset < h.end ? this.decoder.die(h.dieOffset, unit) : undefined
      return { unit, name: die && attrString(die, DW_AT.name), isGo: die !== undefined && attrNumber(die, DW_AT.language) === DW_LANG_Go }
    }))
  }
}

/**
 * How a package path begins its symbols' names: the linker escapes dots in the last
 * element (`example.com/v1.0.0` becomes `example.com/v1%2e0%2e0`), and control
 * characters, `%`, `"` and non-ASCII bytes everywhere.
 */
function symbolPrefix(path: string): string {
  const bytes = Buffer.from(path, 'utf8')
  const lastSlash = bytes.lastIndexOf(0x2f)
  let out = ''
  for (const [i, byte] of bytes.entries()) {
    const escape = byte <= 0x20 || byte >= 0x7f || byte === 0x25 || byte === 0x22 || (byte === 0x2e && i > lastSlash)
    out += escape ? `%${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte)
  }
  return out
}
