import type { ArgReg, ValueLocation } from '../abi/location.ts'
import { scalarLeaves } from '../abi/scalar-leaves.ts'
import * as bt from '../bpftrace/ast.ts'
import { UnsupportedError, UnknownNameError, UsageError } from '../errors.ts'
import { isFloatKind, isIntKind, isSignedInt, typeString, type GoType, type StructField } from '../gotypes/types.ts'
import { suggest } from '../util/suggest.ts'
import { asU64, wrap, type IntGoType } from './go-int.ts'

/**
 * A value during compilation. Go values are either spread over machine words we can
 * name (registers at a probe site, or words captured at entry: `parts`) or lie in
 * memory at an address we can compute (`mem`). Everything else is an already computed
 * bpftrace value: an integer, a string, raw bytes or a stack trace.
 */
export type Val =
  | { readonly kind: 'parts'; readonly type: GoType; readonly parts: readonly Part[] }
  | { readonly kind: 'mem'; readonly type: GoType; readonly addr: bt.Expr }
  /** A computed integer or bool: `expr` holds it as int64 when `go` is a signed type, as uint64 otherwise (go-int.ts). */
  | { readonly kind: 'int'; readonly expr: bt.Expr; readonly go: IntGoType }
  | { readonly kind: 'str'; readonly expr: bt.Expr }
  | { readonly kind: 'bytes'; readonly expr: bt.Expr }
  | { readonly kind: 'stack'; readonly expr: bt.Expr }

/** `size` bytes of a value starting at `offset`, held in the low bytes of `expr`. */
export interface Part {
  readonly offset: number
  readonly size: number
  readonly expr: bt.Expr
  /** The register it came from, for messages (floats cannot be read from XMM registers). */
  readonly register?: ArgReg
}

const REG_NAMES: Partial<Record<ArgReg | 'rdx' | 'rsp', bt.RegisterName>> = {
  rax: 'ax', rbx: 'bx', rcx: 'cx', rdi: 'di', rsi: 'si', r8: 'r8', r9: 'r9', r10: 'r10', r11: 'r11', rdx: 'dx', rsp: 'sp',
}

export function registerExpr(reg: ArgReg | 'rdx' | 'rsp'): bt.Expr | undefined {
  const name = REG_NAMES[reg]
  return name ? bt.reg(name) : undefined
}

export const add = (e: bt.Expr, n: number): bt.Expr => (n === 0 ? e : bt.binary(e, '+', bt.int(n, 'uint64')))

/** A value at a location from the ABI calculator, read at a site where SP equals the entry SP. */
export function valueAt(type: GoType, loc: ValueLocation): Val {
  if (loc.kind === 'stack') return { kind: 'mem', type, addr: add(bt.reg('sp'), loc.offset) }
  return {
    kind: 'parts',
    type,
    parts: loc.pieces.map((p) => {
      const expr = registerExpr(p.reg)
      return { offset: p.offset, size: p.size, expr: expr ?? bt.int(0), register: p.reg }
    }),
  }
}

/** Describe how a value was placed, for the comment next to its use. */
export function describeLocation(loc: ValueLocation): string {
  if (loc.kind === 'stack') return `stack ${loc.offset}(SP)`
  return loc.pieces.map((p) => (p.size === 8 ? p.reg : `${p.reg}[${p.size}B]`)).join(', ') || 'no storage (zero size)'
}

const INT_TYPE_BY_SIZE: Record<number, [bt.IntType, bt.IntType]> = {
  1: ['uint8', 'int8'], 2: ['uint16', 'int16'], 4: ['uint32', 'int32'], 8: ['uint64', 'int64'],
}

/** Is this a Go type that reads as one integer (ints, bool, pointers and pointer-shaped types)? */
export function isScalarType(t: GoType): boolean {
  return isIntKind(t.kind) || t.kind === 'bool' || t.kind === 'pointer' || t.kind === 'unsafe.Pointer' ||
    t.kind === 'map' || t.kind === 'chan' || t.kind === 'func'
}

/** The Go type a scalar Go value computes as: its integer type, bool, or uintptr for pointer-shaped values. */
export function scalarGoType(t: GoType): IntGoType {
  if (isIntKind(t.kind)) return t.kind
  if (t.kind === 'bool') return 'bool'
  return 'uintptr'
}

/**
 * The value as one bpftrace integer of its Go type (see go-int.ts): sub-word register pieces
 * are wrapped to their width (the ABI leaves their upper bits undefined), memory is read with
 * the exact width and extended to 64 bits.
 */
export function scalar(v: Val, path: string): { expr: bt.Expr; go: IntGoType } {
  if (v.kind === 'int') return v
  if (v.kind === 'str' || v.kind === 'bytes' || v.kind === 'stack') throw new UsageError(`${path} is a string, not a number`)
  const t = v.type
  if (isFloatKind(t.kind)) {
    if (v.kind === 'parts') {
      const reg = v.parts[0]?.register ?? 'an XMM register'
      throw new UnsupportedError(`${path} is a ${t.kind} passed in ${reg}: uprobes cannot read XMM registers (pt_regs has no vector state)`)
    }
    // Floats in memory are read as their raw IEEE-754 bits.
    return { expr: asU64(bt.deref(t.size === 4 ? 'uint32' : 'uint64', v.addr)), go: 'uint64' }
  }
  if (!isScalarType(t)) {
    throw new UsageError(`${path} has type ${typeString(t)}, which is not a number or pointer; use a field, .len(), goString() or goBytes()`)
  }
  const go = scalarGoType(t)
  const widths = INT_TYPE_BY_SIZE[t.size]
  if (!widths) throw new UnsupportedError(`${path}: cannot read a ${t.size}-byte scalar`)
  const kind = isIntKind(t.kind) ? t.kind : t.size === 8 ? 'uint64' : 'uint8'
  if (v.kind === 'mem') {
    if (t.size === 8) return { expr: bt.deref(isSignedInt(t.kind) ? 'int64' : 'uint64', v.addr), go }
    // Read unsigned and extend by arithmetic: casts from narrow types differ between versions.
    return { expr: wrap(bt.deref(widths[0], v.addr), kind), go }
  }
  const part = v.parts.find((p) => p.offset === 0)
  if (!part) throw new UnsupportedError(`${path}: no register holds this value`)
  if (t.size === 8 && !isSignedInt(t.kind) && (part.expr.kind === 'Register' || part.expr.kind === 'Variable')) return { expr: part.expr, go }
  return { expr: wrap(part.expr, kind), go }
}

/** The 8-byte word at `offset` within a multi-word value (string data/len, slice len/cap, interface words). */
export function word(v: Val, offset: number, path: string): bt.Expr {
  if (v.kind === 'mem') return bt.deref('uint64', add(v.addr, offset))
  if (v.kind === 'parts') {
    const part = v.parts.find((p) => p.offset === offset)
    if (!part) throw new UnsupportedError(`${path}: no register holds bytes ${offset}..${offset + 8} of this value`)
    return part.expr
  }
  throw new UsageError(`${path} is not a Go value with words`)
}

/** Follow a pointer value to the memory it points at. */
export type MemVal = Extract<Val, { kind: 'mem' }>
export type GoVal = Extract<Val, { kind: 'mem' | 'parts' }>

export function deref(v: Val, path: string): MemVal {
  if (v.kind === 'int') throw new UsageError(`${path} is a computed number, not a pointer; use .as('*T') to read it as a pointer`)
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`${path} is not a pointer`)
  if (v.type.kind !== 'pointer') throw new UsageError(`cannot dereference ${path}: it has type ${typeString(v.type)}, not a pointer`)
  return { kind: 'mem', type: v.type.elem, addr: scalar(v, path).expr }
}

/** A struct field by name, through pointers and embedded fields (Go's promotion rules, shallowest first). */
export function field(v: Val, name: string, path: string): Val {
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`${path} is not a Go struct`)
  const base: GoVal = v.type.kind === 'pointer' ? deref(v, path) : v
  const t = base.type
  if (t.kind !== 'struct') throw new UsageError(`${path} has type ${typeString(t)}; .field(${JSON.stringify(name)}) needs a struct or a pointer to one`)
  const route = findField(t, name)
  if (!route) {
    throw new UnknownNameError(`field of ${typeString(t)} (at ${path})`, name, suggest(name, allFieldNames(t)))
  }
  let cur: Val = base
  for (const f of route) cur = subValue(cur, f, path)
  return cur
}

function subValue(v: Val, f: StructField, path: string): Val {
  if (v.kind === 'mem') {
    if (v.type.kind === 'pointer') return subValue(deref(v, path), f, path)
    return { kind: 'mem', type: f.type, addr: add(v.addr, f.offset) }
  }
  if (v.kind === 'parts') {
    if (v.type.kind === 'pointer') return subValue(deref(v, path), f, path)
    const parts = v.parts
      .filter((p) => p.offset >= f.offset && p.offset < f.offset + Math.max(f.type.size, 1))
      .map((p) => ({ ...p, offset: p.offset - f.offset }))
    return { kind: 'parts', type: f.type, parts }
  }
  throw new UsageError(`${path} is not a Go struct`)
}

/** Breadth-first search for a field, as Go resolves promoted fields: the path of fields to it. */
function findField(t: GoType, name: string): StructField[] | undefined {
  let level: { type: GoType; route: StructField[] }[] = [{ type: t, route: [] }]
  const seen = new Set<GoType>()
  for (let depth = 0; depth < 8 && level.length; depth++) {
    const next: typeof level = []
    for (const { type, route } of level) {
      const st = type.kind === 'pointer' ? type.elem : type
      if (st.kind !== 'struct' || seen.has(st)) continue
      seen.add(st)
      const hit = st.fields.find((f) => f.name === name)
      if (hit) return [...route, hit]
      for (const f of st.fields) if (f.embedded) next.push({ type: f.type, route: [...route, f] })
    }
    level = next
  }
  return undefined
}

function allFieldNames(t: GoType): string[] {
  const names: string[] = []
  const visit = (ty: GoType, depth: number) => {
    const st = ty.kind === 'pointer' ? ty.elem : ty
    if (st.kind !== 'struct' || depth > 3) return
    for (const f of st.fields) {
      names.push(f.name)
      if (f.embedded) visit(f.type, depth + 1)
    }
  }
  visit(t, 0)
  return names
}

/** Length of a string, slice, array, map or channel. */
export function length(v: Val, path: string): Val {
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`${path} has no length`)
  const t = v.type
  switch (t.kind) {
    case 'string': case 'slice': return { kind: 'int', expr: bt.cast('int64', word(v, 8, path)), go: 'int' }
    case 'array': return { kind: 'int', expr: bt.int(t.len, 'int64'), go: 'int' }
    case 'map': case 'chan': {
      // The element count is the first word of both the map header and the channel header.
      const p = scalar(v, path).expr
      return { kind: 'int', expr: bt.cast('int64', bt.ternary(bt.binary(p, '==', bt.int(0, 'uint64')), bt.int(0, 'uint64'), bt.deref('uint64', p))), go: 'int' }
    }
    default: throw new UsageError(`${path} has type ${typeString(t)}, which has no length`)
  }
}

/** Nil test: the data word of slices, the first word of interfaces (type or itab), the pointer itself otherwise. */
export function isNil(v: Val, path: string): Val {
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`${path} cannot be nil`)
  const t = v.type
  let w: bt.Expr
  if (t.kind === 'interface' || t.kind === 'slice') w = word(v, 0, path)
  else if (isScalarType(t) && !isIntKind(t.kind) && t.kind !== 'bool') w = scalar(v, path).expr
  else throw new UsageError(`${path} has type ${typeString(t)}, which cannot be nil`)
  return { kind: 'int', expr: bt.binary(w, '==', bt.int(0, 'uint64')), go: 'bool' }
}

export function capacity(v: Val, path: string): Val {
  if ((v.kind === 'parts' || v.kind === 'mem') && v.type.kind === 'slice') return { kind: 'int', expr: bt.cast('int64', word(v, 16, path)), go: 'int' }
  if ((v.kind === 'parts' || v.kind === 'mem') && v.type.kind === 'array') return { kind: 'int', expr: bt.int(v.type.len, 'int64'), go: 'int' }
  throw new UsageError(`${path} has no capacity (only slices and arrays do)`)
}

/**
 * Element `i` of an array or slice. Constant indexes into arrays are bounds-checked here; other
 * indexes at run time: out of range, the element's address is 0, whose reads fail and give
 * zeros, so the element reads as its type's zero value. `stable` holds an index used twice.
 */
export function index(v: Val, i: Val, constIndex: number | undefined, path: string, stable: (e: bt.Expr) => bt.Expr): Val {
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`${path} cannot be indexed`)
  const base: GoVal = v.type.kind === 'pointer' && v.type.elem.kind === 'array' ? deref(v, path) : v
  const t = base.type
  const idx = stable(asU64(scalar(i, `${path} index`).expr))
  // A negative index is a huge unsigned one: out of range too. bpftrace 0.17 gives an integer ?:
  // no address space, so a read through it would warn: uptr() says it is a user address.
  const inRange = (len: bt.Expr, addr: bt.Expr): bt.Expr => bt.uptr(bt.ternary(bt.binary(idx, '<', len), addr, bt.int(0, 'uint64')))
  if (t.kind === 'array') {
    if (constIndex !== undefined && (constIndex < 0 || constIndex >= t.len)) {
      throw new UsageError(`index ${constIndex} out of range for ${path} of type ${typeString(t)}`)
    }
    if (base.kind === 'parts') {
      if (constIndex === undefined) throw new UnsupportedError(`${path} is held in registers; index it with a constant`)
      return { kind: 'parts', type: t.elem, parts: base.parts.filter((p) => p.offset >= constIndex * t.elem.size && p.offset < (constIndex + 1) * t.elem.size).map((p) => ({ ...p, offset: p.offset - constIndex * t.elem.size })) }
    }
    const addr = bt.binary(base.addr, '+', bt.binary(idx, '*', bt.int(t.elem.size, 'uint64')))
    return { kind: 'mem', type: t.elem, addr: constIndex === undefined ? inRange(bt.int(t.len, 'uint64'), addr) : addr }
  }
  if (t.kind === 'slice') {
    if (constIndex !== undefined && constIndex < 0) throw new UsageError(`negative index ${constIndex} for ${path}`)
    const data = word(base, 0, path)
    return { kind: 'mem', type: t.elem, addr: inRange(word(base, 8, path), bt.binary(data, '+', bt.binary(idx, '*', bt.int(t.elem.size, 'uint64')))) }
  }
  throw new UsageError(`${path} has type ${typeString(t)}; only arrays and slices can be indexed`)
}

/** A Go string or []byte as a bpftrace string of at most `max` bytes. */
/**
 * A Go string or []byte, read up to `max` bytes. The length is clamped with a `?:`: a length
 * that itself branches (a field behind a bounds-checked index) is evaluated once by `temporary`,
 * since bpftrace 0.22 and 0.23 compute such an arm wrong.
 */
export function goStringOf(v: Val, max: number, path: string, temporary: (e: bt.Expr) => bt.Expr = (e) => e): Extract<Val, { kind: 'str' }> {
  if (v.kind === 'str') return v
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`goString(${path}): not a Go string`)
  const val: GoVal = v.type.kind === 'pointer' && v.type.elem.kind === 'string' ? deref(v, path) : v
  const t = val.type
  if (t.kind !== 'string' && !(t.kind === 'slice' && t.elem.size === 1)) {
    throw new UsageError(`goString(${path}) needs a string or []byte, but ${path} has type ${typeString(v.type)}`)
  }
  const ptr = word(val, 0, path)
  const length = word(val, 8, path)
  const len = bt.branches(length) ? temporary(length) : length
  return { kind: 'str', expr: bt.goString(ptr, len, max) }
}

/**
 * Bytes of a Go string or []byte: at most `max`, and at most `limit` when given. `temporary`
 * evaluates the bound on `limit` once, before the statement: a `?:` nested in an arm of another
 * gives a wrong value on bpftrace 0.22 and 0.23.
 */
export function goBytesOf(v: Val, max: number, path: string, limit?: bt.Expr, temporary: (e: bt.Expr) => bt.Expr = (e) => e): Extract<Val, { kind: 'bytes' }> {
  if (v.kind !== 'parts' && v.kind !== 'mem') throw new UsageError(`goBytes(${path}): not a Go value`)
  const t = v.type
  if (t.kind !== 'string' && !(t.kind === 'slice' && t.elem.size === 1)) {
    throw new UsageError(`goBytes(${path}) needs a string or []byte, but ${path} has type ${typeString(t)}`)
  }
  const length = word(v, 8, path)
  // A length that itself branches (behind a bounds-checked index) is evaluated once, likewise.
  const whole = bt.branches(length) ? temporary(length) : length
  const cap = limit ? temporary(bt.ternary(bt.binary(limit, '>', bt.int(max, 'uint64')), bt.int(max, 'uint64'), limit)) : bt.int(max, 'uint64')
  const bounded = bt.ternary(bt.binary(whole, '>', cap), cap, whole)
  return { kind: 'bytes', expr: bt.buf(word(v, 0, path), bounded) }
}

/**
 * The machine words that make up a value, to store them at entry and rebuild the value
 * at a return site. Memory values are copied word by word (their stack slot may have
 * moved by the time the function returns).
 */
export function wordsOf(v: Val, path: string): Part[] {
  if (v.kind === 'parts') {
    for (const p of v.parts) {
      if (p.register?.startsWith('xmm')) throw new UnsupportedError(`${path} includes a float in ${p.register}: uprobes cannot read XMM registers`)
    }
    return [...v.parts]
  }
  if (v.kind === 'mem') {
    if (v.type.size > 64) throw new UnsupportedError(`${path} is ${v.type.size} bytes; capture a field of it or a pointer instead (64 bytes at most)`)
    // One read per scalar leaf at its exact width, so fields of every size can be rebuilt.
    return scalarLeaves(v.type).map((leaf) => {
      const width = INT_TYPE_BY_SIZE[leaf.size]
      if (!width) throw new UnsupportedError(`${path}: cannot capture a ${leaf.size}-byte ${leaf.kind}`)
      return { offset: leaf.offset, size: leaf.size, expr: bt.deref(width[0], add(v.addr, leaf.offset)) }
    })
  }
  return [{ offset: 0, size: 8, expr: v.expr }]
}
