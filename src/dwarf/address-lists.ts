import { DW_FORM } from './constants.ts'
import { Cursor } from './cursor.ts'
import type { DieDecoder, Unit } from './die.ts'

/** One entry of a location list: `expr` describes the value for pc in [start, end). */
export interface LocationListEntry {
  readonly start: number
  readonly end: number
  readonly expr: Uint8Array
}

/** A DWARF 5 default location applies wherever no other entry does. */
export interface LocationList {
  readonly entries: readonly LocationListEntry[]
  readonly defaultExpr: Uint8Array | undefined
}

export type AddressRange = readonly [start: number, end: number]

// DW_LLE_* and DW_RLE_* (DWARF 5 §7.7.3, §7.25): the two encodings share codes up to 4.
const LLE_end_of_list = 0
const LLE_base_addressx = 1
const LLE_startx_endx = 2
const LLE_startx_length = 3
const LLE_offset_pair = 4
const LLE_default_location = 5
const LLE_base_address = 6
const LLE_start_end = 7
const LLE_start_length = 8
/** GCC's DW_LLE_GNU_view_pair: location view numbers for the next entry, which goprobe does not need. */
const LLE_GNU_view_pair = 0x09

const RLE_base_address = 5
const RLE_start_end = 6
const RLE_start_length = 7

/**
 * List entries are offsets from a base address, and Go writes offsets of code placed
 * before the base as 64-bit two's complement (`base + off` wraps), so sums are taken
 * modulo 2^64 and must land on a real address.
 */
function wrappingAdd(c: Cursor, base: number, offset: bigint, at: number): number {
  const sum = (BigInt(base) + offset) & 0xffff_ffff_ffff_ffffn
  if (sum > BigInt(Number.MAX_SAFE_INTEGER)) c.fail('list entry address out of range', at)
  return Number(sum)
}

/** A raw address-sized value, unrounded: it may be the all-ones base-address-selection marker or a wrapped offset. */
function rawAddress(c: Cursor, size: number): bigint {
  return size === 8 ? c.u64Big() : BigInt(c.u32())
}
const maxAddress = (size: number): bigint => (size === 8 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn)

/**
 * Where a list attribute points: a section offset, or (DWARF 5 `loclistx`/`rnglistx`)
 * an index into the offset table that follows the unit's list base.
 */
function listOffset(data: Uint8Array, section: string, unit: Unit, form: number, value: number, base: number): number {
  if (form !== DW_FORM.loclistx && form !== DW_FORM.rnglistx) return value
  const c = new Cursor(data, section, base + value * unit.offsetSize)
  return base + c.unsigned(unit.offsetSize)
}

/** The location list an attribute (`DW_AT_location` of class loclist) refers to. */
export function readLocationList(decoder: DieDecoder, unit: Unit, form: number, value: number): LocationList {
  const bases = decoder.basesOf(unit)
  if (unit.version < 5) {
    const c = new Cursor(decoder.sections.getOrEmpty('.debug_loc'), '.debug_loc', value)
    const entries: LocationListEntry[] = []
    let base = bases.lowPc
    for (;;) {
      const at = c.pos
      const start = rawAddress(c, unit.addrSize)
      const end = rawAddress(c, unit.addrSize)
      if (start === 0n && end === 0n) break
      if (start === maxAddress(unit.addrSize)) { base = wrappingAdd(c, 0, end, at); continue }
      const expr = c.bytes(c.u16())
      entries.push({ start: wrappingAdd(c, base, start, at), end: wrappingAdd(c, base, end, at), expr })
    }
    return { entries, defaultExpr: undefined }
  }
  const data = decoder.sections.getOrEmpty('.debug_loclists')
  const c = new Cursor(data, '.debug_loclists', listOffset(data, '.debug_loclists', unit, form, value, bases.loclistsBase))
  const entries: LocationListEntry[] = []
  let defaultExpr: Uint8Array | undefined
  let base = bases.lowPc
  const indexed = (): number => decoder.addressAt(unit, c.uleb())
  for (;;) {
    const kind = c.u8()
    let start: number
    let end: number
    switch (kind) {
      case LLE_end_of_list: return { entries, defaultExpr }
      case LLE_base_addressx: base = indexed(); continue
      case LLE_base_address: base = c.unsigned(unit.addrSize); continue
      case LLE_default_location: defaultExpr = c.bytes(c.uleb()); continue
      case LLE_GNU_view_pair: c.uleb(); c.uleb(); continue
      case LLE_startx_endx: start = indexed(); end = indexed(); break
      case LLE_startx_length: start = indexed(); end = start + c.uleb(); break
      case LLE_offset_pair: { const at = c.pos; start = wrappingAdd(c, base, c.ulebBig(), at); end = wrappingAdd(c, base, c.ulebBig(), at); break }
      case LLE_start_end: start = c.unsigned(unit.addrSize); end = c.unsigned(unit.addrSize); break
      case LLE_start_length: start = c.unsigned(unit.addrSize); end = start + c.uleb(); break
      default: return c.fail(`unknown location list entry kind ${kind}`, c.pos - 1)
    }
    entries.push({ start, end, expr: c.bytes(c.uleb()) })
  }
}

/** The address ranges a `DW_AT_ranges` attribute refers to. */
export function readRangeList(decoder: DieDecoder, unit: Unit, form: number, value: number): AddressRange[] {
  // Entries are relative to the unit's low_pc until a base-address entry says otherwise.
  const bases = decoder.basesOf(unit)
  const out: AddressRange[] = []
  if (unit.version < 5) {
    const c = new Cursor(decoder.sections.getOrEmpty('.debug_ranges'), '.debug_ranges', value)
    let base = bases.lowPc
    for (;;) {
      const at = c.pos
      const start = rawAddress(c, unit.addrSize)
      const end = rawAddress(c, unit.addrSize)
      if (start === 0n && end === 0n) return out
      if (start === maxAddress(unit.addrSize)) { base = wrappingAdd(c, 0, end, at); continue }
      out.push([wrappingAdd(c, base, start, at), wrappingAdd(c, base, end, at)])
    }
  }
  const data = decoder.sections.getOrEmpty('.debug_rnglists')
  const c = new Cursor(data, '.debug_rnglists', listOffset(data, '.debug_rnglists', unit, form, value, bases.rnglistsBase))
  let base = bases.lowPc
  const indexed = (): number => decoder.addressAt(unit, c.uleb())
  for (;;) {
    const kind = c.u8()
    switch (kind) {
      case LLE_end_of_list: return out
      case LLE_base_addressx: base = indexed(); break
      case RLE_base_address: base = c.unsigned(unit.addrSize); break
      case LLE_startx_endx: { const s = indexed(); out.push([s, indexed()]); break }
      case LLE_startx_length: { const s = indexed(); out.push([s, s + c.uleb()]); break }
      case LLE_offset_pair: { const at = c.pos; const s = wrappingAdd(c, base, c.ulebBig(), at); out.push([s, wrappingAdd(c, base, c.ulebBig(), at)]); break }
      case RLE_start_end: { const s = c.unsigned(unit.addrSize); out.push([s, c.unsigned(unit.addrSize)]); break }
      case RLE_start_length: { const s = c.unsigned(unit.addrSize); out.push([s, s + c.uleb()]); break }
      default: c.fail(`unknown range list entry kind ${kind}`, c.pos - 1)
    }
  }
}

/** The entry (or default) of a location list that applies at `pc`. */
export function expressionAt(list: LocationList, pc: number): Uint8Array | undefined {
  for (const e of list.entries) if (pc >= e.start && pc < e.end) return e.expr
  return list.defaultExpr
}
