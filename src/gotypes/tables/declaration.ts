/**
 * One struct (or other named type) as the Go sources of a range of releases define it,
 * written as Go type text; the layout engine computes sizes and offsets from it.
 */
export interface TypeDeclaration {
  /** Full name, as DWARF and goprobe spell it: `net/http.Request`. */
  readonly name: string
  /** Go 1.x minor versions, inclusive: [19, 26] is Go 1.19 through Go 1.26. */
  readonly go: readonly [first: number, last: number]
  /**
   * Go type text. Fields keep their source order and types, with two abbreviations that
   * keep the layout: a pointer to a type the tables do not declare is written
   * `unsafe.Pointer` (the same word, and no pretend layout behind it), and a function
   * field is written `func()` (every func value is one pointer, whatever its signature).
   */
  readonly text: string
  /**
   * Only the leading fields are declared (runtime.g up to goid): their offsets are
   * right, the struct's size is not, so the type is used for offsets and never handed out.
   */
  readonly prefix?: true
}
