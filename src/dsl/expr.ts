import type { ByteSourceArg, Element, FieldName, FieldType, Pointee, StringSourceArg } from './go-types.ts'
import { UsageError } from '../errors.ts'
import { MACHINE_REGISTERS, type BinaryOp, type Builtin, type ExprNode, type MachineRegister, type ParamRef } from './ir.ts'

/** Anything the builders accept where a value is expected. */
export type Value = Expr | number | bigint | string | boolean

/**
 * A Go value (or a plain number) in a probe. `T` is a phantom type describing the Go
 * value for typed probes (see `goprobe types`); untyped probes use the default and are
 * checked by the compiler against the binary instead.
 */
export class Expr<T = unknown> {
  declare readonly __goType?: T
  constructor(readonly node: ExprNode) {}

  /** A struct field; pointers are followed automatically, embedded fields are searched. */
  field<K extends FieldName<T>>(name: K): Expr<FieldType<T, K>> {
    return new Expr({ kind: 'field', base: this.node, name })
  }
  /** Follow a pointer. */
  deref(): Expr<Pointee<T>> {
    return new Expr({ kind: 'deref', base: this.node })
  }
  /** An element of an array or slice; out of range (checked against the length at run time) it reads as the zero value. */
  index(i: Value): Expr<Element<T>> {
    return new Expr({ kind: 'index', base: this.node, index: toNode(i) })
  }
  len(): Expr<number> {
    return new Expr({ kind: 'len', base: this.node })
  }
  /** True when this pointer, map, channel, func, slice or interface (e.g. an `error`) is nil. */
  isNil(): Expr<boolean> {
    return new Expr({ kind: 'isNil', base: this.node })
  }
  cap(): Expr<number> {
    return new Expr({ kind: 'cap', base: this.node })
  }
  /** Read this value as another Go type (given as Go type text, e.g. `*net.TCPAddr`); `U` describes it for typed probes. */
  as<U = unknown>(goType: string): Expr<U> {
    return new Expr({ kind: 'cast', expr: this.node, goType })
  }
  /** The data word of an interface value (the pointer to, or the value of, the dynamic value). */
  data(): Expr {
    return new Expr({ kind: 'ifaceData', expr: this.node })
  }
  /** The name of an interface value's dynamic type (`*errors.errorString`, `int`), at most `max` bytes; empty when nil. */
  typeName(max?: number): Expr<string> {
    return new Expr(max === undefined ? { kind: 'typeName', expr: this.node } : { kind: 'typeName', expr: this.node, max })
  }
  /** True when this interface value's dynamic type is named `name` (as typeName() prints it). */
  hasType(name: string): Expr<boolean> {
    return new Expr({ kind: 'hasType', expr: this.node, name })
  }

  add(v: Value): Expr<number> { return this.bin('+', v) }
  sub(v: Value): Expr<number> { return this.bin('-', v) }
  mul(v: Value): Expr<number> { return this.bin('*', v) }
  div(v: Value): Expr<number> { return this.bin('/', v) }
  mod(v: Value): Expr<number> { return this.bin('%', v) }
  band(v: Value): Expr<number> { return this.bin('&', v) }
  bor(v: Value): Expr<number> { return this.bin('|', v) }
  shl(v: Value): Expr<number> { return this.bin('<<', v) }
  shr(v: Value): Expr<number> { return this.bin('>>', v) }
  eq(v: Value): Expr<boolean> { return this.bin('==', v) }
  ne(v: Value): Expr<boolean> { return this.bin('!=', v) }
  lt(v: Value): Expr<boolean> { return this.bin('<', v) }
  le(v: Value): Expr<boolean> { return this.bin('<=', v) }
  gt(v: Value): Expr<boolean> { return this.bin('>', v) }
  ge(v: Value): Expr<boolean> { return this.bin('>=', v) }
  and(v: Value): Expr<boolean> { return this.bin('&&', v) }
  or(v: Value): Expr<boolean> { return this.bin('||', v) }
  not(): Expr<boolean> { return new Expr({ kind: 'not', operand: this.node }) }
  neg(): Expr<number> { return new Expr({ kind: 'negate', operand: this.node }) }

  private bin<R>(op: BinaryOp, v: Value): Expr<R> {
    return new Expr({ kind: 'binary', op, left: this.node, right: toNode(v) })
  }
}

export function toNode(v: Value): ExprNode {
  return v instanceof Expr ? v.node : { kind: 'literal', value: v }
}

/** Argument `ref` of the probed function: a 0-based position (receiver excluded) or the parameter's name. */
export const arg = (ref: ParamRef): Expr => new Expr({ kind: 'arg', ref })
/** The method receiver. */
export const receiver = (): Expr => new Expr({ kind: 'receiver' })
/** Result `ref` at a return site: 0-based position or name (`~r0` for unnamed results also works). */
export const result = (ref: ParamRef): Expr => new Expr({ kind: 'result', ref })
/** A Go string (or a []byte) as a bpftrace string, at most `max` bytes (default: the program's string budget). */
export const goString = <T>(e: Expr<T> & StringSourceArg<T>, max?: number): Expr<string> =>
  new Expr(max === undefined ? { kind: 'goString', expr: e.node } : { kind: 'goString', expr: e.node, max })
/**
 * Raw bytes of a []byte or string (printed escaped with %r), at most `max` bytes, and at
 * most `length` when given (e.g. the count `Read` returned: only that much of the buffer is data).
 */
export const goBytes = <T>(e: Expr<T> & ByteSourceArg<T>, max: number, length?: Value): Expr<Uint8Array> =>
  new Expr(length === undefined ? { kind: 'goBytes', expr: e.node, max } : { kind: 'goBytes', expr: e.node, max, length: toNode(length) })
/** Symbol name of a code address. */
export const usym = (e: Expr): Expr<string> => new Expr({ kind: 'usym', expr: e.node })
/** The name of the probed function, e.g. for each function of `uprobe(functions(/re/))`. */
export const probedFunction = (): Expr<string> => new Expr({ kind: 'probedFunction' })
/** The closure context word of a closure body (pointer to its captured variables). */
/**
 * A register at the probe site as a 64-bit number: `register('rax')`. At a function's
 * entry the ABI says what each holds; at a source line only the code there does (see `goprobe lines`).
 */
export const register = (name: MachineRegister): Expr<number> => {
  if (!(MACHINE_REGISTERS as readonly string[]).includes(name)) throw new UsageError(`register(${JSON.stringify(name)}): not one of ${MACHINE_REGISTERS.join(', ')}`)
  return new Expr({ kind: 'register', name })
}

/**
 * A package-level variable by its full name: `global('main.counts')`, `global('net/http.DefaultClient')`.
 * Its address comes from DWARF or the symbol table (stripped binaries have neither); its
 * type from DWARF, or from `goType` (Go type text, e.g. `'int64'`) when there is none.
 */
export const global = (name: string, goType?: string): Expr => {
  if (!name.includes('.')) throw new UsageError(`global(${JSON.stringify(name)}): give the full name, package path included (main.counts)`)
  return new Expr(goType === undefined ? { kind: 'global', name } : { kind: 'global', name, goType })
}

export const closureContext = (): Expr => new Expr({ kind: 'closureContext' })

const builtin = (name: Builtin, arg?: number): Expr<number> => new Expr(arg === undefined ? { kind: 'builtin', name } : { kind: 'builtin', name, arg })
/** The current goroutine's id (read from runtime.g, not the thread). */
export const goroutineId = (): Expr<number> => builtin('goid')
export const pid = (): Expr<number> => builtin('pid')
export const tid = (): Expr<number> => builtin('tid')
export const comm = (): Expr<string> => new Expr({ kind: 'builtin', name: 'comm' })
/** Monotonic time in nanoseconds. */
export const nsecs = (): Expr<number> => builtin('nsecs')
/** The user-space stack, optionally limited to `frames` frames. */
export const ustack = (frames?: number): Expr<string> => new Expr(frames === undefined ? { kind: 'builtin', name: 'ustack' } : { kind: 'builtin', name: 'ustack', arg: frames })
