/**
 * The bpftrace program AST. Nodes are plain readonly objects with a `kind` discriminant, made by
 * the small factories below and never changed afterwards; they carry no behaviour and no text.
 * One printer (printer.ts) turns them into source for a dialect, and it alone validates names,
 * escapes text and checks version limits, so a node may hold any string without danger.
 */

export type IntType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'

/** x86-64 register names `reg()` accepts on every version (bpftrace's own table). */
export const REGISTER_NAMES = [
  'r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8',
  'ax', 'cx', 'dx', 'si', 'di', 'ip', 'cs', 'flags', 'sp', 'ss',
] as const
export type RegisterName = (typeof REGISTER_NAMES)[number]

export type BuiltinName = 'pid' | 'tid' | 'comm' | 'nsecs' | 'elapsed' | 'cpid' | 'cgroup' | 'ustack' | 'func' | 'probe'

export type UnaryOp = '-' | '!' | '~'
export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||'
  | '&' | '|' | '^' | '<<' | '>>'

// ---------------------------------------------------------------------------------- expressions

export interface IntLiteral {
  readonly kind: 'IntLiteral'
  readonly value: bigint
  /** Printed as an explicit cast, e.g. `(uint64)0`, so later versions see the intended type. */
  readonly type: IntType | undefined
  readonly hex: boolean
}
export interface StringLiteral { readonly kind: 'StringLiteral'; readonly value: string }
export interface Register { readonly kind: 'Register'; readonly name: RegisterName }
export interface Variable { readonly kind: 'Variable'; readonly name: string }
export interface MapRef { readonly kind: 'MapRef'; readonly name: string; readonly keys: readonly Expr[] }
export interface Unary { readonly kind: 'Unary'; readonly op: UnaryOp; readonly operand: Expr }
export interface Binary { readonly kind: 'Binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
export interface Ternary { readonly kind: 'Ternary'; readonly cond: Expr; readonly then: Expr; readonly otherwise: Expr }
export interface Cast { readonly kind: 'Cast'; readonly type: IntType; readonly operand: Expr }
/** `*(type*)(address)`: a typed read of (user) memory. */
export interface MemoryRead { readonly kind: 'MemoryRead'; readonly type: IntType; readonly address: Expr }
export interface Builtin { readonly kind: 'Builtin'; readonly name: BuiltinName }
/** `curtask->thread.fsbase` (needs kernel BTF). */
export interface TaskFsBase { readonly kind: 'TaskFsBase' }
/** `uptr(x)`: marks an address computed from kernel data as a user-space pointer. */
export interface UserPointer { readonly kind: 'UserPointer'; readonly operand: Expr }
/** `str(ptr)` / `str(ptr, len)`: a NUL-terminated C string. */
export interface CString { readonly kind: 'CString'; readonly ptr: Expr; readonly maxLength: Expr | undefined }
/** `buf(ptr, len)`: raw bytes, printed with `%r`. */
export interface Buffer { readonly kind: 'Buffer'; readonly ptr: Expr; readonly length: Expr }
/**
 * A Go string given by data pointer and byte length, of which at most `max` bytes are shown
 * (undefined: `length` is already bounded). Lowering picks the form that yields exactly those
 * bytes on the dialect: printed, `buf()` with `%r` and a marker when cut; elsewhere the `str()`
 * call for the dialect (str's length argument changed meaning in 0.23).
 */
export interface GoString { readonly kind: 'GoString'; readonly ptr: Expr; readonly length: Expr; readonly max: number | undefined }
/** `ntop(addr)` or `ntop(af, addr)`. */
export interface Ntop { readonly kind: 'Ntop'; readonly family: Expr | undefined; readonly address: Expr }
/** `ustack(N)`; plain `ustack` is a Builtin. */
export interface UserStack { readonly kind: 'UserStack'; readonly frames: number }
/** `usym(address)`. */
export interface UserSymbol { readonly kind: 'UserSymbol'; readonly address: Expr }
/** `cgroupid("/sys/fs/cgroup/...")`: the id of a cgroup v2 directory, resolved when bpftrace compiles. */
export interface CgroupId { readonly kind: 'CgroupId'; readonly path: string }

export type Expr =
  | IntLiteral | StringLiteral | Register | Variable | MapRef | Unary | Binary | Ternary | Cast
  | MemoryRead | Builtin | TaskFsBase | UserPointer | CString | Buffer | GoString | Ntop
  | UserStack | UserSymbol | CgroupId

// ----------------------------------------------------------------------------------- statements

export type AggregateFn = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist'

/** printf conversions goprobe emits; `s` on a GoString and `r*` on a Buffer are the string forms. */
export type Conversion = 'd' | 'u' | 'x' | 'X' | 'p' | 'c' | 's' | 'r' | 'rx' | 'rh'

/** One `%` directive of a format: the printer writes `%<-><0><width><conversion>`. */
export interface FormatArg {
  readonly kind: 'FormatArg'
  readonly conversion: Conversion
  readonly value: Expr
  readonly width: number | undefined
  readonly leftAlign: boolean
  /** Pad an integer to `width` with zeros (`%016x`), e.g. for hex dumps. */
  readonly zeroPad?: boolean
}
/** A format is literal text (any characters: `%` and `\` are escaped) and directives, in order. */
export type FormatPart = string | FormatArg

export interface AssignVar { readonly kind: 'AssignVar'; readonly name: string; readonly value: Expr }
export interface AssignMap { readonly kind: 'AssignMap'; readonly map: MapRef; readonly value: Expr }
/** `@m[k] = count()`, `= sum(x)`, `= lhist(x, min, max, step)`, ... */
export interface Aggregate {
  readonly kind: 'Aggregate'
  readonly map: MapRef
  readonly fn: AggregateFn
  readonly args: readonly Expr[]
}
export interface Delete { readonly kind: 'Delete'; readonly map: MapRef }
export interface If {
  readonly kind: 'If'
  readonly cond: Expr
  readonly then: readonly Stmt[]
  /** Statements of the else branch; a single If here prints as `else if`. */
  readonly otherwise: readonly Stmt[]
}
export interface Printf { readonly kind: 'Printf'; readonly format: readonly FormatPart[] }
export interface Print { readonly kind: 'Print'; readonly map: MapRef }
export interface Clear { readonly kind: 'Clear'; readonly map: MapRef }
export interface Exit { readonly kind: 'Exit' }
export interface ExprStmt { readonly kind: 'ExprStmt'; readonly expr: Expr }
/** A `//` comment line inside a body; the text may be anything (it is sanitised). */
export interface Comment { readonly kind: 'Comment'; readonly text: string }

export type Stmt = AssignVar | AssignMap | Aggregate | Delete | If | Printf | Print | Clear | Exit | ExprStmt | Comment

// ------------------------------------------------------------------------------- attach points

/** `uprobe:"/path":"symbol"` (offset 0) or `uprobe:"/path":"symbol"+0x12` (mid-function). */
export interface UprobeSymbol {
  readonly kind: 'UprobeSymbol'
  readonly path: string
  readonly symbol: string
  readonly offset: bigint
}
/**
 * `uprobe:"/path":0x4817a0`. A `linkAddress` is a link-time virtual address inside a symbol
 * (exact on every version); a `fileOffset` lies in no symbol and needs `--unsafe`.
 */
export interface UprobeAddress {
  readonly kind: 'UprobeAddress'
  readonly path: string
  readonly address: bigint
  readonly meaning: 'linkAddress' | 'fileOffset'
}
export interface Begin { readonly kind: 'Begin' }
export interface End { readonly kind: 'End' }
export interface Interval { readonly kind: 'Interval'; readonly unit: 's' | 'ms'; readonly every: number }
export interface Tracepoint { readonly kind: 'Tracepoint'; readonly category: string; readonly name: string }

export type AttachPoint = UprobeSymbol | UprobeAddress | Begin | End | Interval | Tracepoint

// ------------------------------------------------------------------------------ probes, program

/** A variable the probe declares (and initialises) before its first statement. */
export interface VarDecl { readonly kind: 'VarDecl'; readonly name: string; readonly init: Expr }

export interface Probe {
  readonly kind: 'Probe'
  readonly attachPoints: readonly AttachPoint[]
  /** Comment lines printed above the probe. */
  readonly comments: readonly string[]
  readonly predicate: Expr | undefined
  /**
   * Every `$var` the body assigns, declared once at the top of the probe so that it is visible
   * everywhere in the body on versions with block scoping (0.22+).
   */
  readonly vars: readonly VarDecl[]
  readonly body: readonly Stmt[]
}

export interface Program {
  readonly kind: 'Program'
  /** Comment lines printed first. */
  readonly header: readonly string[]
  readonly probes: readonly Probe[]
  /** String length to configure (via environment variables), or undefined for the default. */
  readonly strlen: number | undefined
}

// ---------------------------------------------------------------------------------- factories

export const int = (value: bigint | number, type?: IntType, opts: { hex?: boolean } = {}): IntLiteral =>
  ({ kind: 'IntLiteral', value: BigInt(value), type, hex: opts.hex ?? false })
export const u64 = (value: bigint | number): IntLiteral => int(value, 'uint64')
export const i64 = (value: bigint | number): IntLiteral => int(value, 'int64')
export const string = (value: string): StringLiteral => ({ kind: 'StringLiteral', value })
export const reg = (name: RegisterName): Register => ({ kind: 'Register', name })
export const variable = (name: string): Variable => ({ kind: 'Variable', name })
export const map = (name: string, ...keys: Expr[]): MapRef => ({ kind: 'MapRef', name, keys })
export const unary = (op: UnaryOp, operand: Expr): Unary => ({ kind: 'Unary', op, operand })
export const binary = (left: Expr, op: BinaryOp, right: Expr): Binary => ({ kind: 'Binary', op, left, right })
export const ternary = (cond: Expr, then: Expr, otherwise: Expr): Ternary => ({ kind: 'Ternary', cond, then, otherwise })
export const cast = (type: IntType, operand: Expr): Cast => ({ kind: 'Cast', type, operand })
export const deref = (type: IntType, address: Expr): MemoryRead => ({ kind: 'MemoryRead', type, address })
export const builtin = (name: BuiltinName): Builtin => ({ kind: 'Builtin', name })
export const taskFsBase = (): TaskFsBase => ({ kind: 'TaskFsBase' })
export const uptr = (operand: Expr): UserPointer => ({ kind: 'UserPointer', operand })
export const cstring = (ptr: Expr, maxLength?: Expr): CString => ({ kind: 'CString', ptr, maxLength })
export const buf = (ptr: Expr, length: Expr): Buffer => ({ kind: 'Buffer', ptr, length })
export const goString = (ptr: Expr, length: Expr, max?: number): GoString => ({ kind: 'GoString', ptr, length, max })
export const ntop = (address: Expr, family?: Expr): Ntop => ({ kind: 'Ntop', family, address })
export const ustack = (frames: number): UserStack => ({ kind: 'UserStack', frames })
export const usym = (address: Expr): UserSymbol => ({ kind: 'UserSymbol', address })
export const cgroupId = (path: string): CgroupId => ({ kind: 'CgroupId', path })

export const fmt = (
  conversion: Conversion,
  value: Expr,
  opts: { width?: number; leftAlign?: boolean; zeroPad?: boolean } = {},
): FormatArg => ({ kind: 'FormatArg', conversion, value, width: opts.width, leftAlign: opts.leftAlign ?? false, ...(opts.zeroPad ? { zeroPad: true } : {}) })

export const assignVar = (name: string, value: Expr): AssignVar => ({ kind: 'AssignVar', name, value })
export const assignMap = (target: MapRef, value: Expr): AssignMap => ({ kind: 'AssignMap', map: target, value })
export const aggregate = (target: MapRef, fn: AggregateFn, ...args: Expr[]): Aggregate =>
  ({ kind: 'Aggregate', map: target, fn, args })
export const del = (target: MapRef): Delete => ({ kind: 'Delete', map: target })
export const ifStmt = (cond: Expr, then: readonly Stmt[], otherwise: readonly Stmt[] = []): If =>
  ({ kind: 'If', cond, then, otherwise })
export const printf = (...format: FormatPart[]): Printf => ({ kind: 'Printf', format })
export const print = (target: MapRef): Print => ({ kind: 'Print', map: target })
export const clear = (target: MapRef): Clear => ({ kind: 'Clear', map: target })
export const exit = (): Exit => ({ kind: 'Exit' })
export const exprStmt = (expr: Expr): ExprStmt => ({ kind: 'ExprStmt', expr })
export const comment = (text: string): Comment => ({ kind: 'Comment', text })

export const uprobeSymbol = (path: string, symbol: string, offset: bigint | number = 0n): UprobeSymbol =>
  ({ kind: 'UprobeSymbol', path, symbol, offset: BigInt(offset) })
export const uprobeAddress = (path: string, address: bigint | number): UprobeAddress =>
  ({ kind: 'UprobeAddress', path, address: BigInt(address), meaning: 'linkAddress' })
export const uprobeFileOffset = (path: string, offset: bigint | number): UprobeAddress =>
  ({ kind: 'UprobeAddress', path, address: BigInt(offset), meaning: 'fileOffset' })
export const begin = (): Begin => ({ kind: 'Begin' })
export const end = (): End => ({ kind: 'End' })
export const interval = (unit: 's' | 'ms', every: number): Interval => ({ kind: 'Interval', unit, every })
export const tracepoint = (category: string, name: string): Tracepoint => ({ kind: 'Tracepoint', category, name })

export const varDecl = (name: string, init: Expr): VarDecl => ({ kind: 'VarDecl', name, init })

export const probe = (
  attachPoints: readonly AttachPoint[],
  body: readonly Stmt[],
  opts: { predicate?: Expr; vars?: readonly VarDecl[]; comments?: readonly string[] } = {},
): Probe => ({
  kind: 'Probe',
  attachPoints,
  comments: opts.comments ?? [],
  predicate: opts.predicate,
  vars: opts.vars ?? [],
  body,
})

export const program = (
  probes: readonly Probe[],
  opts: { header?: readonly string[]; strlen?: number } = {},
): Program => ({ kind: 'Program', header: opts.header ?? [], probes, strlen: opts.strlen })

/**
 * Whether `e` holds a map lookup, a `?:`, `&&` or `||`: in an arm of an integer `?:` such an
 * expression gives a wrong value on bpftrace 0.22 and 0.23, so the compiler puts it in a variable.
 */
export function branches(e: Expr): boolean {
  switch (e.kind) {
    case 'MapRef':
    case 'Ternary':
      return true
    case 'Binary':
      return e.op === '&&' || e.op === '||' || branches(e.left) || branches(e.right)
    case 'Unary':
    case 'Cast':
    case 'UserPointer':
      return branches(e.operand)
    case 'MemoryRead':
      return branches(e.address)
    default:
      return false
  }
}
