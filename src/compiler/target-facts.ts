import type { InnerLocation } from '../abi/line-location.ts'
import type { AssignedValue, FrameAssignment } from '../abi/location.ts'
import type { FactSource, GoType, Signature } from '../gotypes/types.ts'
import type { StackCheck } from '../disasm/function-code.ts'

/**
 * What the compiler asks of a binary. `src/target.ts` implements it from the binary
 * readers; the compiler depends only on this interface, so it never opens a file.
 */

/** A resolved fact and where it came from (printed next to its use in the program). */
export interface Fact<T> {
  readonly value: T
  readonly source: FactSource
  /** A short human note: "DWARF runtime.g", "go1.23 table", ... */
  readonly detail: string
}

/** One place a probe can attach, by its offset in the function and both addressings. */
export interface ProbeSite {
  readonly offset: number
  /** Link-time virtual address (what `go tool nm` prints). */
  readonly vaddr: number
  readonly fileOffset: number
}

export interface FunctionFacts {
  readonly name: string
  readonly entry: number
  readonly end: number
  /** ABI of this function's code: ABI0 assembly bodies (`.abi0`) use the stack ABI in every version. */
  readonly abi: 'register' | 'stack'
  /** The entry probe site: after the stack-check prologue when there is one, else the first instruction. */
  readonly entrySite: ProbeSite
  readonly hasStackCheck: boolean
  /** The stack check's condition, when its shape is known (see CodeFacts.stackCheck). */
  readonly stackCheck: StackCheck | undefined
  readonly returnSites: readonly ProbeSite[]
  /** JMPs that leave the function: it returns through another function's RET there. */
  readonly tailJumps: number
  readonly signature: Fact<Signature> | undefined
  /** Where each value lives, when the signature is complete; else why not. */
  readonly frame: FrameAssignment | undefined
  readonly frameProblem: string | undefined
  /**
   * Disagreements between the computed entry locations and self-consistent DWARF location
   * lists: a sign that the signature is wrong. (The ABI is exact at entry; DWARF is not.)
   */
  readonly locationWarnings: readonly string[]
  /** Places where DWARF's location lists contradict themselves at the entry pc (kept for `goprobe func`). */
  readonly dwarfContradictions: readonly string[]
  /** How many computed input locations DWARF's location lists confirmed at the entry site. */
  readonly locationsConfirmed: number
  /** Is this a shape-instantiated generic function (hidden dictionary argument)? */
  readonly generic: boolean
}

/** A package-level variable: its link-time address and type. */
export interface GlobalVariable {
  readonly address: number
  readonly type: GoType
}

/** Where a line probe attaches: the first instruction of one range of pcs compiled from a source line. */
export interface LineSite {
  /** The source file (as the binary records it) and line. */
  readonly file: string
  readonly line: number
  /** The function whose code holds the range (for inlined code: the caller it was inlined into). */
  readonly function: string
  readonly site: ProbeSite
  /** Link addresses of the range [start, end): the site is its start, or the point after the stack check. */
  readonly rangeStart: number
  readonly rangeEnd: number
  readonly inlined: boolean
  /** The inlined function, when the binary names it (Go 1.18+ inline trees). */
  readonly inlinedFunction?: string
  /** The range begins at the function's entry: the site was moved past the stack check, or a stack growth would count twice. */
  readonly afterPrologue: boolean
  /** Bytes SP is below the entry SP at the site (the pclntab's pcsp), so entry-SP offsets still reach the argument area. */
  readonly spDelta: number
}

/** How to read a type's name from its runtime type descriptor (`abi.Type` / `runtime._type`). */
export interface TypeNameFacts {
  /** Link-time address of the type data (`moduledata.types`): a descriptor's `str` name offset is relative to it. */
  readonly typesBase: number
  /** Names encode their length as a uvarint (go1.17+); before, as two big-endian bytes. */
  readonly varintLength: boolean
}

export interface TargetFacts {
  /** Absolute path of the binary, as bpftrace will open it. */
  readonly path: string
  readonly goVersion: string
  readonly buildId: string
  readonly abi: Fact<'register' | 'stack'>
  readonly isPIE: boolean
  readonly isStripped: boolean
  /** The first of `names` the binary defines, or undefined. */
  findFunction(names: readonly string[]): string | undefined
  /** Every function whose name matches, sorted by name. */
  matchFunctions(pattern: RegExp): string[]
  /** Names for "did you mean" suggestions. */
  suggestFunctions(name: string): string[]
  /** Everything about one function; `declared` is signature text used when the binary has none. */
  functionFacts(name: string, declared?: string): Promise<FunctionFacts>
  /** A named type, from the best source available. */
  lookupType(name: string): Fact<GoType>
  /** A Go type written as text (`*net/http.Request`), resolved against the binary. */
  parseType(text: string): Fact<GoType>
  /** Offset of `goid` in runtime.g. */
  goidOffset(): Fact<number>
  /** Where runtime type descriptors' names are, to print an interface value's dynamic type. */
  typeNameFacts(): Fact<TypeNameFacts>
  /**
   * A package-level variable (`main.counts`): address from DWARF or the symbol table, type
   * from DWARF or `declaredType` (Go type text). Stripped binaries name no variables.
   */
  globalVariable(name: string, declaredType?: string): Fact<GlobalVariable>
  /**
   * The probe sites of a source line, in pc order: `file` is a path or a tail of one
   * (`handler.go`, `cmd/app/handler.go`). A line without code raises a UsageError naming
   * the nearest lines that have code.
   */
  lineSites(file: string, line: number): Promise<LineSite[]>
  /**
   * Where DWARF's location lists put a named input of `fn` at `pc` (stack offsets from the
   * entry SP), or why a probe cannot read it there; undefined when DWARF says nothing there
   * (or the binary has none).
   */
  inputLocationAt(fn: string, value: AssignedValue, pc: number): InnerLocation | { problem: string } | undefined
  /** Does this file offset fall inside a symbol's address range? (bpftrace would then read it as an address.) */
  fileOffsetHitsSymbol(fileOffset: number): boolean
}
