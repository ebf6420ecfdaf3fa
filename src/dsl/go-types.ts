/**
 * Phantom descriptions of Go types, for typed probes. They never exist at run time: they
 * are the `T` of `Expr<T>`, written by `goprobe types` from a binary's DWARF, so that
 * TypeScript checks field names, helper arguments and function parameters while the
 * probe is edited. `Expr<unknown>` (no description) stays accepted everywhere; the
 * compiler then checks the same things against the binary.
 */
import type { ComplexKind, FloatKind, IntKind } from '../gotypes/types.ts'

// Go booleans and numbers are also the DSL's `boolean` and `number` (what comparisons and
// arithmetic yield), so a typed field can go where a helper expects an `Expr<number>`.
export type GoBool = boolean & { readonly goKind: 'bool' }
export type GoInt<K extends IntKind = IntKind> = number & { readonly goKind: K }
export type GoFloat<K extends FloatKind = FloatKind> = number & { readonly goKind: K }
export interface GoComplex<K extends ComplexKind = ComplexKind> { readonly goKind: K }
export interface GoString { readonly goKind: 'string' }
export interface GoUnsafePointer { readonly goKind: 'unsafe.Pointer' }
export interface GoPtr<E> { readonly goKind: 'pointer'; readonly elem: E }
export interface GoSlice<E> { readonly goKind: 'slice'; readonly elem: E }
export interface GoArray<E, N extends number = number> { readonly goKind: 'array'; readonly elem: E; readonly len: N }
export interface GoMap<K, V> { readonly goKind: 'map'; readonly key: K; readonly elem: V }
export interface GoChan<E> { readonly goKind: 'chan'; readonly elem: E }
export interface GoFunc { readonly goKind: 'func' }
/** An interface value; `Name` is its Go type (`error`, `io.Reader`, `interface {}`). */
export interface GoInterface<Name extends string = string> { readonly goKind: 'interface'; readonly goName: Name }
/** A struct; `F` maps every field name (promoted fields of embedded structs included) to its type. */
export interface GoStruct<F> { readonly goKind: 'struct'; readonly fields: F }
/**
 * A named type left out of the generated declarations (outside the selection or past the
 * depth cut): usable, but its fields are checked by the compiler only.
 */
export interface GoOpaque<Name extends string = string> { readonly goKind: 'opaque'; readonly goName: Name }

/** The fields `.field(...)` can reach from a value of type T: a struct's own, or those behind a pointer to it. */
type StructFields<T> = T extends GoStruct<infer F> ? F : T extends GoPtr<GoStruct<infer F>> ? F : never
type IsUnchecked<T> = unknown extends T ? true : T extends GoOpaque | GoPtr<GoOpaque> ? true : false

/** Field names accepted by `.field` on an `Expr<T>`: any string when T is not described, none when it is not a struct. */
export type FieldName<T> = IsUnchecked<T> extends true ? string : [StructFields<T>] extends [never] ? never : keyof StructFields<T> & string
type IsUnion<K, All = K> = K extends unknown ? ([All] extends [K] ? false : true) : never
/**
 * The type of field K. When K is a union (TypeScript falls back to every field name after a
 * misspelled one) the result is left undescribed, so the misspelling is the only error.
 */
export type FieldType<T, K extends string> = IsUnchecked<T> extends true ? unknown
  : IsUnion<K> extends false ? (K extends keyof StructFields<T> ? StructFields<T>[K] : never) : unknown

/** What `.deref()` and `.index()` yield. */
export type Pointee<T> = T extends GoPtr<infer E> ? E : unknown
export type Element<T> = T extends GoSlice<infer E> | GoArray<infer E> | GoPtr<GoArray<infer E>> ? E : unknown

/** Go values that hold bytes, as the compiler reads them: a string, or a slice of one-byte elements. */
export type GoByteSource = GoString | GoSlice<GoInt<'uint8' | 'int8'>>
/** What `goString` reads: bytes, a pointer to a string, or a string goprobe already made (`comm()`). */
export type GoStringSource = GoByteSource | GoPtr<GoString> | string

/**
 * Intersected with a parameter `Expr<T>`: adds nothing when T is one of `Accepted` or is not
 * described, and otherwise demands a property no Expr has, so the call is a type error
 * whose message names what was expected.
 */
type SourceArg<T, Accepted, Expected extends string> = unknown extends T ? unknown : [T] extends [Accepted] ? unknown : { readonly [K in Expected]: T }
export type ByteSourceArg<T> = SourceArg<T, GoByteSource, 'expected a Go string or []byte'>
export type StringSourceArg<T> = SourceArg<T, GoStringSource, 'expected a Go string, *string or []byte'>

/** Parameters or results by name, and by 0-based position (receiver excluded) when the list is known to be complete. */
export type ParamTypes = { readonly [ref: string | number]: unknown }
/** A function's receiver, parameters and results, as `goprobe types` writes them. */
export interface FunctionShape {
  readonly receiver?: unknown
  readonly params: ParamTypes
  readonly results: ParamTypes
}
/** A function nothing is known about at type level: every name and position is accepted. */
export type UntypedFunction = FunctionShape

/** A parameter or result reference: its name or position as the shape lists it. */
export type RefOf<P> = Extract<keyof P, string | number>
export type RefType<P, K> = K extends keyof P ? P[K] : unknown
