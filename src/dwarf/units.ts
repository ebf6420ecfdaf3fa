import { Cursor } from './cursor.ts'

/** DWARF 5 unit types (§7.5.1); earlier versions only have compile units here. */
const DW_UT_compile = 0x01
const DW_UT_type = 0x02
const DW_UT_partial = 0x03
const DW_UT_skeleton = 0x04
const DW_UT_split_compile = 0x05
const DW_UT_split_type = 0x06

/** The header of one unit in .debug_info. Offsets are offsets in .debug_info. */
export interface UnitHeader {
  readonly offset: number
  /** Offset just past the unit. */
  readonly end: number
  readonly version: number
  readonly unitType: number
  readonly addrSize: number
  /** 4 for 32-bit DWARF, 8 for 64-bit DWARF. */
  readonly offsetSize: number
  readonly abbrevOffset: number
  /** Offset of the unit's first DIE. */
  readonly dieOffset: number
}

/** Reads every unit header of .debug_info; cheap, since it hops from length to length. */
export function parseUnitHeaders(info: Uint8Array): UnitHeader[] {
  const units: UnitHeader[] = []
  const c = new Cursor(info, '.debug_info')
  while (!c.atEnd) {
    const offset = c.pos
    let length = c.u32()
    let offsetSize = 4
    if (length === 0xffffffff) {
      length = c.u64()
      offsetSize = 8
    } else if (length >= 0xfffffff0) c.fail(`reserved unit length 0x${length.toString(16)}`, offset)
    const end = c.pos + length
    if (end > info.length) c.fail(`unit length 0x${length.toString(16)} runs past the section end`, offset)
    const version = c.u16()
    if (version < 2 || version > 5) c.fail(`unsupported DWARF version ${version}`, offset)
    let unitType = DW_UT_compile
    let addrSize: number
    let abbrevOffset: number
    if (version >= 5) {
      unitType = c.u8()
      addrSize = c.u8()
      abbrevOffset = c.unsigned(offsetSize)
      switch (unitType) {
        case DW_UT_compile: case DW_UT_partial: break
        case DW_UT_skeleton: case DW_UT_split_compile: c.skip(8); break
        case DW_UT_type: case DW_UT_split_type: c.skip(8 + offsetSize); break
        default: c.fail(`unknown unit type ${unitType}`, offset)
      }
    } else {
      abbrevOffset = c.unsigned(offsetSize)
      addrSize = c.u8()
    }
    if (addrSize !== 4 && addrSize !== 8) c.fail(`unsupported address size ${addrSize}`, offset)
    if (c.pos > end) c.fail('unit header runs past the unit', offset)
    units.push({ offset, end, version, unitType, addrSize, offsetSize, abbrevOffset, dieOffset: c.pos })
    c.pos = end
  }
  return units
}

/** The unit containing a .debug_info offset (units are sorted by offset). */
export function unitContaining(units: readonly UnitHeader[], offset: number): UnitHeader | undefined {
  let lo = 0
  let hi = units.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const u = units[mid]!
    if (offset < u.offset) hi = mid - 1
    else if (offset >= u.end) lo = mid + 1
    else return u
  }
  return undefined
}
