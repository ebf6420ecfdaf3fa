import type { Abbrev } from './abbrev.ts'
import { DW_FORM } from './constants.ts'
import type { Cursor } from './cursor.ts'
import { skipForm } from './forms.ts'
import type { UnitHeader } from './units.ts'

/**
 * Steps of skipping one abbreviation's attributes in one kind of unit: a byte count
 * (>= 0) for a run of fixed-size forms, else one of the codes below.
 */
type Step = number
const STRING = -1
const LEB = -2
const BLOCK1 = -3
/** Any other form: skipForm with the form `GENERIC - step`. */
const GENERIC = -4

/** Unit properties that fixed form sizes depend on. */
function shapeOf(unit: UnitHeader): number {
  return unit.version * 100 + unit.addrSize * 10 + unit.offsetSize
}

/** Byte size of a form whose size does not depend on its value, else undefined. */
function fixedSize(form: number, unit: UnitHeader): number | undefined {
  switch (form) {
    case DW_FORM.flag_present: case DW_FORM.implicit_const: return 0
    case DW_FORM.data1: case DW_FORM.ref1: case DW_FORM.flag: case DW_FORM.strx1: case DW_FORM.addrx1: return 1
    case DW_FORM.data2: case DW_FORM.ref2: case DW_FORM.strx2: case DW_FORM.addrx2: return 2
    case DW_FORM.strx3: case DW_FORM.addrx3: return 3
    case DW_FORM.data4: case DW_FORM.ref4: case DW_FORM.strx4: case DW_FORM.addrx4: case DW_FORM.ref_sup4: return 4
    case DW_FORM.data8: case DW_FORM.ref8: case DW_FORM.ref_sig8: case DW_FORM.ref_sup8: return 8
    case DW_FORM.data16: return 16
    case DW_FORM.addr: return unit.addrSize
    case DW_FORM.strp: case DW_FORM.line_strp: case DW_FORM.sec_offset: case DW_FORM.strp_sup:
    case DW_FORM.GNU_strp_alt: case DW_FORM.GNU_ref_alt:
      return unit.offsetSize
    case DW_FORM.ref_addr: return unit.version <= 2 ? unit.addrSize : unit.offsetSize
    default: return undefined
  }
}

function variableStep(form: number): Step {
  switch (form) {
    case DW_FORM.string: return STRING
    case DW_FORM.sdata: case DW_FORM.udata: case DW_FORM.ref_udata: case DW_FORM.strx: case DW_FORM.addrx:
    case DW_FORM.loclistx: case DW_FORM.rnglistx: case DW_FORM.GNU_addr_index: case DW_FORM.GNU_str_index:
      return LEB
    case DW_FORM.block1: return BLOCK1
    default: return GENERIC - form
  }
}

function planFor(abbrev: Abbrev, unit: UnitHeader): Step[] {
  const plan: Step[] = []
  for (const spec of abbrev.attrs) {
    const size = fixedSize(spec.form, unit)
    const last = plan.length - 1
    if (size === undefined) plan.push(variableStep(spec.form))
    else if (last >= 0 && plan[last]! >= 0) plan[last]! += size
    else plan.push(size)
  }
  return plan
}

/**
 * Skips entries' attributes without decoding them, by a plan made once per
 * abbreviation and unit shape that merges fixed-size forms and steps over strings
 * and LEB128s in the bytes directly. The name index skips about two million entries
 * of a 100 MB binary, and going through skipForm one attribute at a time took a
 * third longer. Anything out of bounds is redone by skipForm, so errors are its own.
 */
export class AttributeSkipper {
  private readonly plans = new Map<Abbrev, { shape: number; plan: readonly Step[] }>()

  skip(c: Cursor, abbrev: Abbrev, unit: UnitHeader): void {
    const shape = shapeOf(unit)
    let cached = this.plans.get(abbrev)
    if (!cached || cached.shape !== shape) {
      cached = { shape, plan: planFor(abbrev, unit) }
      this.plans.set(abbrev, cached)
    }
    const data = c.data
    const end = data.length
    const start = c.pos
    let pos = start
    for (const step of cached.plan) {
      if (step >= 0) pos += step
      else if (step === STRING) {
        const nul = data.indexOf(0, pos)
        pos = nul < 0 ? end + 1 : nul + 1
      } else if (step === LEB) {
        while (pos < end && data[pos]! & 0x80) pos++
        pos++
      } else if (step === BLOCK1) pos = pos < end ? pos + 1 + data[pos]! : end + 1
      else {
        c.pos = pos
        skipForm(c, GENERIC - step, unit)
        pos = c.pos
      }
      if (pos > end) return this.skipSlowly(c, start, abbrev, unit)
    }
    c.pos = pos
  }

  /** Form by form from the entry's first attribute, to fail with skipForm's error at its offset. */
  private skipSlowly(c: Cursor, start: number, abbrev: Abbrev, unit: UnitHeader): void {
    c.pos = start
    for (const spec of abbrev.attrs) skipForm(c, spec.form, unit)
  }
}
