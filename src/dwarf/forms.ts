import type { Cursor } from './cursor.ts'
import { DW_FORM } from './constants.ts'
import type { UnitHeader } from './units.ts'

/**
 * A raw attribute value as stored: numbers for addresses, constants, references
 * (already made section-global), section offsets and string/address indexes;
 * strings for inline DW_FORM_string; booleans for flags; bytes for blocks and
 * expressions. Indexed and section-offset strings are resolved by the caller, who
 * knows the unit's bases.
 */
export type RawValue = number | string | boolean | Uint8Array

/** Reads one attribute value of `form` at the cursor. */
export function readForm(c: Cursor, form: number, implicitConst: number, unit: UnitHeader): RawValue {
  switch (form) {
    case DW_FORM.addr: return c.unsigned(unit.addrSize)
    case DW_FORM.data1: case DW_FORM.ref1: case DW_FORM.flag: case DW_FORM.strx1: case DW_FORM.addrx1: {
      const v = c.u8()
      if (form === DW_FORM.flag) return v !== 0
      return form === DW_FORM.ref1 ? unit.offset + v : v
    }
    case DW_FORM.data2: case DW_FORM.ref2: case DW_FORM.strx2: case DW_FORM.addrx2: {
      const v = c.u16()
      return form === DW_FORM.ref2 ? unit.offset + v : v
    }
    case DW_FORM.strx3: case DW_FORM.addrx3: return c.u24()
    case DW_FORM.data4: case DW_FORM.ref4: case DW_FORM.strx4: case DW_FORM.addrx4: case DW_FORM.ref_sup4: {
      const v = c.u32()
      return form === DW_FORM.ref4 ? unit.offset + v : v
    }
    // data8 may hold any 64-bit constant (hashes, all-ones markers); precision loss there is harmless.
    case DW_FORM.data8: case DW_FORM.ref_sig8: return c.u64Lossy()
    case DW_FORM.ref8: return unit.offset + c.u64()
    case DW_FORM.ref_sup8: return c.u64()
    case DW_FORM.data16: return c.bytes(16)
    case DW_FORM.sdata: return c.sleb()
    case DW_FORM.udata: case DW_FORM.strx: case DW_FORM.addrx: case DW_FORM.loclistx: case DW_FORM.rnglistx:
    case DW_FORM.GNU_addr_index: case DW_FORM.GNU_str_index:
      return c.uleb()
    case DW_FORM.ref_udata: return unit.offset + c.uleb()
    case DW_FORM.string: return c.cstring()
    case DW_FORM.strp: case DW_FORM.line_strp: case DW_FORM.sec_offset: case DW_FORM.strp_sup:
    case DW_FORM.GNU_strp_alt: case DW_FORM.GNU_ref_alt:
      return c.unsigned(unit.offsetSize)
    case DW_FORM.ref_addr: return c.unsigned(unit.version <= 2 ? unit.addrSize : unit.offsetSize)
    case DW_FORM.block1: return c.bytes(c.u8())
    case DW_FORM.block2: return c.bytes(c.u16())
    case DW_FORM.block4: return c.bytes(c.u32())
    case DW_FORM.block: case DW_FORM.exprloc: return c.bytes(c.uleb())
    case DW_FORM.flag_present: return true
    case DW_FORM.implicit_const: return implicitConst
    case DW_FORM.indirect: {
      const actual = c.uleb()
      if (actual === DW_FORM.indirect || actual === DW_FORM.implicit_const) c.fail(`form ${actual} cannot be indirect`)
      return readForm(c, actual, implicitConst, unit)
    }
    default: return c.fail(`unknown attribute form 0x${form.toString(16)}`)
  }
}

/** Moves the cursor past one attribute value without building it. */
export function skipForm(c: Cursor, form: number, unit: UnitHeader): void {
  switch (form) {
    case DW_FORM.flag_present: case DW_FORM.implicit_const: return
    case DW_FORM.data1: case DW_FORM.ref1: case DW_FORM.flag: case DW_FORM.strx1: case DW_FORM.addrx1: c.skip(1); return
    case DW_FORM.data2: case DW_FORM.ref2: case DW_FORM.strx2: case DW_FORM.addrx2: c.skip(2); return
    case DW_FORM.strx3: case DW_FORM.addrx3: c.skip(3); return
    case DW_FORM.data4: case DW_FORM.ref4: case DW_FORM.strx4: case DW_FORM.addrx4: case DW_FORM.ref_sup4: c.skip(4); return
    case DW_FORM.data8: case DW_FORM.ref8: case DW_FORM.ref_sig8: case DW_FORM.ref_sup8: c.skip(8); return
    case DW_FORM.data16: c.skip(16); return
    case DW_FORM.addr: c.skip(unit.addrSize); return
    case DW_FORM.strp: case DW_FORM.line_strp: case DW_FORM.sec_offset: case DW_FORM.strp_sup:
    case DW_FORM.GNU_strp_alt: case DW_FORM.GNU_ref_alt:
      c.skip(unit.offsetSize); return
    case DW_FORM.ref_addr: c.skip(unit.version <= 2 ? unit.addrSize : unit.offsetSize); return
    case DW_FORM.sdata: case DW_FORM.udata: case DW_FORM.ref_udata: case DW_FORM.strx: case DW_FORM.addrx:
    case DW_FORM.loclistx: case DW_FORM.rnglistx: case DW_FORM.GNU_addr_index: case DW_FORM.GNU_str_index:
      c.skipLeb(); return
    case DW_FORM.string: c.skipCstring(); return
    case DW_FORM.block1: c.skip(c.u8()); return
    case DW_FORM.block2: c.skip(c.u16()); return
    case DW_FORM.block4: c.skip(c.u32()); return
    case DW_FORM.block: case DW_FORM.exprloc: c.skip(c.uleb()); return
    case DW_FORM.indirect: {
      const actual = c.uleb()
      if (actual === DW_FORM.indirect || actual === DW_FORM.implicit_const) c.fail(`form ${actual} cannot be indirect`)
      skipForm(c, actual, unit)
      return
    }
    default: c.fail(`unknown attribute form 0x${form.toString(16)}`)
  }
}

/** Forms whose value is a string (directly, by offset, or by index). */
export function isStringForm(form: number): boolean {
  switch (form) {
    case DW_FORM.string: case DW_FORM.strp: case DW_FORM.line_strp: case DW_FORM.strx: case DW_FORM.strx1:
    case DW_FORM.strx2: case DW_FORM.strx3: case DW_FORM.strx4: case DW_FORM.GNU_str_index:
    case DW_FORM.strp_sup: case DW_FORM.GNU_strp_alt:
      return true
    default: return false
  }
}

/** Forms whose value is an index into .debug_addr. */
export function isAddrIndexForm(form: number): boolean {
  switch (form) {
    case DW_FORM.addrx: case DW_FORM.addrx1: case DW_FORM.addrx2: case DW_FORM.addrx3: case DW_FORM.addrx4:
    case DW_FORM.GNU_addr_index:
      return true
    default: return false
  }
}
