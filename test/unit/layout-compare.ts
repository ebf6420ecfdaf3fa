/**
 * Field-by-field comparison of two layouts of the same struct, for tests that check one
 * source of layouts (runtime type metadata, version tables) against another (DWARF).
 */
import { typeString, type GoType } from '../../src/gotypes/types.ts'

export interface FieldView {
  name: string
  offset: number
  size: number
  embedded: boolean
  kind: string
  type?: string
}

export interface LayoutView {
  kind: string
  size: number
  align: number
  fields: FieldView[]
}

/**
 * Tables write pointers to types they do not declare as unsafe.Pointer: the same word,
 * so for a comparison with `typeTexts: false` both count as one kind.
 */
const wordKind = (k: string) => (k === 'unsafe.Pointer' ? 'pointer' : k)

/**
 * A comparable view. `typeTexts` keeps field type text; without it only kinds count,
 * with pointers and unsafe.Pointer alike. `fieldCount` keeps only the leading fields.
 */
export function layoutView(t: GoType, opts: { typeTexts: boolean; fieldCount?: number }): LayoutView {
  const fields = t.kind === 'struct' ? t.fields.slice(0, opts.fieldCount) : []
  return {
    kind: t.kind,
    size: opts.fieldCount === undefined ? t.size : -1,
    align: opts.fieldCount === undefined ? t.align : -1,
    fields: fields.map((f) => ({
      name: f.name,
      offset: f.offset,
      size: f.type.size,
      embedded: f.embedded,
      kind: opts.typeTexts ? f.type.kind : wordKind(f.type.kind),
      ...(opts.typeTexts ? { type: comparableText(f.type) } : {}),
    })),
  }
}

/**
 * Type text both sources spell alike. DWARF names function and channel types by their
 * literal text while the model leaves them unnamed, so those are reduced to their kind.
 */
function comparableText(t: GoType): string {
  if (t.kind === 'func' || t.kind === 'chan') return t.kind
  return typeString(t)
}
