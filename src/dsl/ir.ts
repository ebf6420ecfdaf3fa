/**
 * The probe IR: plain immutable nodes with a `kind` discriminant. The DSL builders only
 * create these; the compiler is the only thing that interprets them. Nothing here knows
 * about binaries or bpftrace text.
 */

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||'
/** The x86-64 integer registers a probe can read (pt_regs has no vector state). */
export const MACHINE_REGISTERS = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip',
] as const
export type MachineRegister = (typeof MACHINE_REGISTERS)[number]

export type Builtin = 'pid' | 'tid' | 'comm' | 'nsecs' | 'goid' | 'ustack'

/** An argument or result, by position (0-based, receiver excluded) or by name. */
export type ParamRef = number | string

export type ExprNode =
  | { readonly kind: 'literal'; readonly value: number | bigint | string | boolean }
  | { readonly kind: 'arg'; readonly ref: ParamRef }
  | { readonly kind: 'receiver' }
  | { readonly kind: 'result'; readonly ref: ParamRef }
  /** The value `expr` had at the function's entry, read at a return site. */
  | { readonly kind: 'atEntry'; readonly expr: ExprNode }
  | { readonly kind: 'field'; readonly base: ExprNode; readonly name: string }
  | { readonly kind: 'deref'; readonly base: ExprNode }
  | { readonly kind: 'index'; readonly base: ExprNode; readonly index: ExprNode }
  | { readonly kind: 'len'; readonly base: ExprNode }
  /** A nil pointer, map, channel, func, slice or interface. */
  | { readonly kind: 'isNil'; readonly base: ExprNode }
  | { readonly kind: 'cap'; readonly base: ExprNode }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'not'; readonly operand: ExprNode }
  | { readonly kind: 'negate'; readonly operand: ExprNode }
  | { readonly kind: 'goString'; readonly expr: ExprNode; readonly max?: number }
  /** `length`, when given, bounds the bytes further (e.g. the count a Read returned, within a longer buffer). */
  | { readonly kind: 'goBytes'; readonly expr: ExprNode; readonly max: number; readonly length?: ExprNode }
  /** Reinterpret an expression as a Go type given as text (`*net/http.Request`), for untyped pointers. */
  | { readonly kind: 'cast'; readonly expr: ExprNode; readonly goType: string }
  /** The dynamic type name of an interface value is not reachable from bpftrace; its data word is. */
  | { readonly kind: 'ifaceData'; readonly expr: ExprNode }
  | { readonly kind: 'builtin'; readonly name: Builtin; readonly arg?: number }
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'mapRead'; readonly map: string; readonly keys: readonly ExprNode[] }
  /** A user-space symbol for an address (`usym`), e.g. a caller PC. */
  | { readonly kind: 'usym'; readonly expr: ExprNode }
  /** The closure context word (RDX at entry of a closure body): the pointer to its captured variables. */
  | { readonly kind: 'closureContext' }
  /** The name of an interface value's dynamic type (`*errors.errorString`), read from its runtime type descriptor. */
  | { readonly kind: 'typeName'; readonly expr: ExprNode; readonly max?: number }
  /** The name of the function the handler is compiled for (see UprobeNode.pattern). */
  | { readonly kind: 'probedFunction' }
  /** Whether an interface value's dynamic type has this name. */
  | { readonly kind: 'hasType'; readonly expr: ExprNode; readonly name: string }
  /** A package-level variable, by its full name (`main.counts`), with its type as Go text when the binary has no DWARF for it. */
  | { readonly kind: 'global'; readonly name: string; readonly goType?: string }
  /** A general-purpose register at the probe site, as a 64-bit number (`rax`, `rsp`, `r14`...). */
  | { readonly kind: 'register'; readonly name: MachineRegister }

export type Aggregation = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'hist' | 'lhist' | 'stats'

export type StmtNode =
  | { readonly kind: 'printf'; readonly format: string; readonly args: readonly ExprNode[] }
  | { readonly kind: 'mapSet'; readonly map: string; readonly keys: readonly ExprNode[]; readonly value: ExprNode }
  | { readonly kind: 'mapAggregate'; readonly map: string; readonly keys: readonly ExprNode[]; readonly fn: Aggregation; readonly value?: ExprNode; readonly lhist?: readonly [number, number, number] }
  | { readonly kind: 'mapDelete'; readonly map: string; readonly keys: readonly ExprNode[] }
  | { readonly kind: 'mapPrint'; readonly map: string }
  | { readonly kind: 'mapClear'; readonly map: string }
  | { readonly kind: 'if'; readonly cond: ExprNode; readonly then: readonly StmtNode[]; readonly else: readonly StmtNode[] }
  | { readonly kind: 'local'; readonly name: string; readonly value: ExprNode }
  /**
   * Where a map value was taken (`slot.get()`): its value is the map's at this point of the
   * handler, whatever later statements write, wherever it is used.
   */
  | { readonly kind: 'snapshot'; readonly expr: ExprNode }
  | { readonly kind: 'exit' }
  /** One line per argument (entry) or result (return) with its name, Go type and value: the compiler knows the signature. */
  | { readonly kind: 'printValues'; readonly which: 'args' | 'results' }

export type Site = 'entry' | 'return'

export interface HandlerNode {
  readonly site: Site
  readonly body: readonly StmtNode[]
}

export interface UprobeNode {
  readonly kind: 'uprobe'
  /** Function names tried in order; the first the binary has is used. */
  readonly functions: readonly string[]
  /** Signature text declared by the probe for binaries without DWARF, keyed by function name. */
  readonly declared: Readonly<Record<string, string>>
  /** When true, a binary without any of the functions drops this probe with a note instead of failing. */
  readonly optional: boolean
  readonly handlers: readonly HandlerNode[]
  /**
   * Probe every function whose name matches this regular expression instead (`functions`
   * is then empty): the compiler expands it against the binary, one probe per function.
   */
  readonly pattern?: { readonly source: string; readonly flags: string }
}

/** Statements run where the code of a source line starts (each range of pcs the line compiled to). */
export interface LineNode {
  readonly kind: 'line'
  /** A source file path or a tail of one (`handler.go`, `cmd/app/handler.go`). */
  readonly file: string
  readonly line: number
  /** Only the code of this line inside this function (the one it was compiled or inlined into). */
  readonly function?: string
  /** Signature text for `arg()` when the binary has no DWARF, keyed by function name. */
  readonly declared: Readonly<Record<string, string>>
  /** A binary without the file or line drops this probe with a note instead of failing. */
  readonly optional: boolean
  readonly body: readonly StmtNode[]
}

export type ProbeNode =
  | UprobeNode
  | { readonly kind: 'begin'; readonly body: readonly StmtNode[] }
  | { readonly kind: 'end'; readonly body: readonly StmtNode[] }
  | { readonly kind: 'interval'; readonly unit: 's' | 'ms'; readonly every: number; readonly body: readonly StmtNode[] }
  | LineNode
  /** The traced process exits (every thread group leader's exit). */
  | { readonly kind: 'processExit'; readonly body: readonly StmtNode[] }

export interface ProgramNode {
  readonly name: string
  readonly description: string
  readonly probes: readonly ProbeNode[]
}
