import { DwarfFormatError } from '../errors.ts'
import { expressionAt, readLocationList, readRangeList, type AddressRange } from './address-lists.ts'
import { DW_AT, DW_FORM } from './constants.ts'
import { attr, DieDecoder, type Die } from './die.ts'
import { firstInRange, prologueEndAddresses } from './line.ts'
import { evaluateFrameBase, evaluateLocation, type FrameBase, type Location } from './location.ts'
import { DwarfIndex } from './dwarf-index.ts'
import { highPcOf } from './name-index.ts'
import { Sections, type SectionSource } from './sections.ts'

/**
 * A DWARF reader over sections supplied by a callback (so it knows nothing of ELF):
 * `new Dwarf((name) => elf.sectionData(name))`. Nothing is read until asked for; lookups
 * scan only the units that can hold the answer, and DIEs are decoded lazily.
 */
export class Dwarf {
  readonly decoder: DieDecoder
  private lookups: DwarfIndex | undefined
  private readonly prologueEnds = new Map<number, Float64Array>()

  constructor(source: SectionSource) {
    const sections = new Sections(source)
    if (!sections.get('.debug_info')) throw new DwarfFormatError('the binary has no .debug_info section (built with -ldflags=-w, or stripped)')
    this.decoder = new DieDecoder(sections)
  }

  get index(): DwarfIndex {
    return (this.lookups ??= new DwarfIndex(this.decoder, (die) => this.ranges(die)))
  }

  /** The DIE at a .debug_info offset; a null entry there is a format error. */
  die(offset: number): Die {
    const d = this.decoder.die(offset)
    if (!d) throw new DwarfFormatError('expected an entry, found a null entry', '.debug_info', offset)
    return d
  }

  children(die: Die): Generator<Die> {
    return this.decoder.children(die)
  }

  /** The DIE a reference attribute (DW_AT_type, DW_AT_abstract_origin, ...) points to. */
  ref(die: Die, at: number): Die | undefined {
    const a = attr(die, at)
    if (!a || typeof a.value !== 'number') return undefined
    if (a.form === DW_FORM.ref_sig8 || a.form === DW_FORM.ref_sup4 || a.form === DW_FORM.ref_sup8 || a.form === DW_FORM.GNU_ref_alt) {
      throw new DwarfFormatError('references into type units or supplementary files are not supported', '.debug_info', die.offset)
    }
    return this.die(a.value)
  }

  /**
   * The pc ranges of a DIE: DW_AT_ranges when present (a unit DIE may also carry a
   * low_pc, which is then only the lists' base address), else low_pc/high_pc.
   */
  ranges(die: Die): AddressRange[] {
    const r = attr(die, DW_AT.ranges)
    if (r && typeof r.value === 'number') return readRangeList(this.decoder, die.unit, r.form, r.value)
    const low = attr(die, DW_AT.low_pc)
    const high = attr(die, DW_AT.high_pc)
    if (!low || typeof low.value !== 'number') return []
    if (!high || typeof high.value !== 'number') return [[low.value, low.value + 1]]
    return [[low.value, highPcOf(low.value, high.form, high.value, (i) => this.decoder.addressAt(die.unit, i))]]
  }

  /**
   * Where the value a DIE describes (a parameter or variable) lives at `pc`, or
   * undefined when its location list has no entry for `pc`. `frameBase` is the
   * enclosing function's DW_AT_frame_base, needed by DW_OP_fbreg.
   */
  locationAt(die: Die, pc: number, frameBase: FrameBase | undefined): Location | undefined {
    const a = attr(die, DW_AT.location)
    if (!a) return undefined
    if (a.value instanceof Uint8Array) return evaluateLocation(a.value, frameBase)
    if (typeof a.value !== 'number') throw new DwarfFormatError('DW_AT_location has an unexpected form', '.debug_info', die.offset)
    const expr = expressionAt(readLocationList(this.decoder, die.unit, a.form, a.value), pc)
    return expr && evaluateLocation(expr, frameBase)
  }

  /** The frame base of a function DIE (undefined when it has none). */
  frameBase(fn: Die): FrameBase | undefined {
    const a = attr(fn, DW_AT.frame_base)
    return a?.value instanceof Uint8Array ? evaluateFrameBase(a.value) : undefined
  }

  /** The first prologue_end address of the line table in [lowPc, highPc). */
  prologueEnd(lowPc: number, highPc: number): number | undefined {
    const fn = this.index.functionAt(lowPc)
    const unit = fn ? this.decoder.unitAt(fn.offset) : undefined
    const stmtList = unit && this.decoder.basesOf(unit).stmtList
    if (stmtList === undefined) return undefined
    let addrs = this.prologueEnds.get(stmtList)
    if (!addrs) {
      addrs = prologueEndAddresses(this.decoder.sections.getOrEmpty('.debug_line'), stmtList)
      this.prologueEnds.set(stmtList, addrs)
    }
    return firstInRange(addrs, lowPc, highPc)
  }
}
