/**
 * What the ABI fuzz prints of a value, shared by both printers (the Go program's own log and
 * the bpftrace probe), so the two write the same lines: one line per scalar leaf,
 * `<function> <path>=<value>`, with integers in decimal, bools as 0/1, strings and []byte as
 * `[\xNN...]` (bpftrace's %rx), slice lengths as `<path>.len=N`, nil interfaces as `<path>=nil`.
 */
import type { Expr } from '../../../src/index.ts'
import { declaredType, type FuzzType, type NamedStruct } from './model.ts'

/** One step from a value to a part of it, in both languages. */
export interface Step {
  /** Appended to the line's path, e.g. `.B`, `[1]`, `.(int8)`. */
  readonly label: string
  /** Appended to the Go expression. */
  readonly go: string
  readonly dsl: (e: Expr) => Expr
}

export type LeafFormat = 'signed' | 'unsigned' | 'bool' | 'bytes'

export type PrintNode =
  | { readonly kind: 'value'; readonly path: readonly Step[]; readonly format: LeafFormat }
  | { readonly kind: 'len'; readonly path: readonly Step[] }
  /** Print `body` only when the slice at `path` has more than `index` elements. */
  | { readonly kind: 'element'; readonly path: readonly Step[]; readonly index: number; readonly body: readonly PrintNode[] }
  /** Print `<path>=nil` for a nil interface, else `body`. */
  | { readonly kind: 'nilOr'; readonly path: readonly Step[]; readonly body: readonly PrintNode[] }

/** Slices print at most this many elements (the generator makes at most 3). */
export const MAX_ELEMENTS = 3
/** Strings print at most this many bytes (the generator makes at most 12). */
export const MAX_BYTES = 16

const field = (name: string): Step => ({ label: `.${name}`, go: `.${name}`, dsl: (e) => e.field(name) })
const element = (i: number): Step => ({ label: `[${i}]`, go: `[${i}]`, dsl: (e) => e.index(i) })

/** The struct as a type literal: casts of interface data work without the named type (stripped binaries). */
const structCast = (s: NamedStruct): string => `*${declaredType({ kind: 'struct', fields: s.fields })}`

export function printNodes(t: FuzzType, path: readonly Step[] = []): PrintNode[] {
  switch (t.kind) {
    case 'int': return [{ kind: 'value', path, format: t.int.signed ? 'signed' : 'unsigned' }]
    case 'bool': return [{ kind: 'value', path, format: 'bool' }]
    case 'float': return []
    case 'string': return [{ kind: 'value', path, format: 'bytes' }]
    case 'slice': {
      if (t.elem.kind === 'int' && t.elem.int.bits === 8 && !t.elem.int.signed) return [{ kind: 'value', path, format: 'bytes' }]
      const elems = Array.from({ length: MAX_ELEMENTS }, (_, i): PrintNode => ({ kind: 'element', path, index: i, body: printNodes(t.elem, [...path, element(i)]) }))
      return [{ kind: 'len', path }, ...elems]
    }
    case 'array': return Array.from({ length: t.len }, (_, i) => printNodes(t.elem, [...path, element(i)])).flat()
    case 'struct': return t.fields.flatMap((f) => printNodes(f.type, [...path, field(f.name)]))
    case 'named': case 'pointer': return t.struct.fields.flatMap((f) => printNodes(f.type, [...path, field(f.name)]))
    case 'interface': return [{ kind: 'nilOr', path, body: dynamicNodes(t, path) }]
  }
}

function dynamicNodes(t: Extract<FuzzType, { kind: 'interface' }>, path: readonly Step[]): PrintNode[] {
  const d = t.dynamic
  if (d.kind === 'errorsNew') {
    // errors.New returns *errors.errorString, a struct holding one string.
    return [{ kind: 'value', path: [...path, { label: '.Error()', go: '.Error()', dsl: (e) => e.data().as('*struct{ s string }').field('s') }], format: 'bytes' }]
  }
  if (d.kind === 'pointer') {
    const step: Step = { label: `.(*${d.struct.name})`, go: `.(*${d.struct.name})`, dsl: (e) => e.data().as(structCast(d.struct)) }
    return printNodes({ kind: 'pointer', struct: d.struct }, [...path, step])
  }
  const boxed = d.type
  // A non-pointer dynamic value is boxed: the data word points to a copy of it.
  if (boxed.kind === 'named') {
    const step: Step = { label: `.(${boxed.struct.name})`, go: `.(${boxed.struct.name})`, dsl: (e) => e.data().as(structCast(boxed.struct)) }
    return printNodes(boxed, [...path, step])
  }
  const text = declaredType(boxed)
  const step: Step = { label: `.(${text})`, go: `.(${text})`, dsl: (e) => e.data().as(`*${text}`).deref() }
  return printNodes(boxed, [...path, step])
}
