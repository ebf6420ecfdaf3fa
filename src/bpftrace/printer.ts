/**
 * Turns a bpftrace AST into program text for a dialect. The output is deterministic (same AST and
 * dialect, same bytes), uses only what every version of the dialect accepts, and validates or
 * escapes every piece of outside text (see escape.ts). What the program needs from the runner
 * (--unsafe, environment variables, an offset-capable bpftrace) is returned next to the text.
 */
import { UnsupportedError, UsageError } from '../errors.ts'
import {
  REGISTER_NAMES,
  type AttachPoint,
  type BinaryOp,
  type Expr,
  type IntType,
  type MapRef,
  type Printf,
  type Probe,
  type Program,
  type Stmt,
} from './ast.ts'
import { describeDialect, dialectRange, type Dialect } from './dialect.ts'
import {
  checkIdentifier,
  commentLines,
  formatText,
  quoteAttachPath,
  quoteAttachSymbol,
  quoteString,
} from './escape.ts'
import { INT_RANGES } from './int-types.ts'
import { lowerProbe } from './lower.ts'
import { estimateProbeStack } from './stack-budget.ts'

/** A probe's printf records would overflow the 512-byte BPF stack of bpftrace < 0.22. */
export class StackBudgetError extends UnsupportedError {
  override name = 'StackBudgetError'
}

export interface Requirements {
  /** Run with `--unsafe` (mid-function or raw file-offset probes). */
  readonly unsafe: boolean
  /** Has `"sym"+off` probes: needs a bpftrace that can attach at symbol offsets (capabilities.ts). */
  readonly symbolOffsetProbes: boolean
  /** Has raw file-offset probes: the binary must have no symbol covering those offsets. */
  readonly fileOffsetProbes: boolean
  /** Reads kernel types (`curtask`), so the kernel must have BTF. */
  readonly kernelBtf: boolean
  /** Environment variables to set when running bpftrace (string length). */
  readonly env: Readonly<Record<string, string>>
}

export interface PrintedProgram {
  readonly text: string
  readonly requirements: Requirements
}

/** Prints `program` for `dialect` (default: the subset every version from 0.17 accepts). */
export function printProgram(program: Program, dialect: Dialect = dialectRange()): PrintedProgram {
  return new ProgramPrinter(program, dialect).print()
}

const INDENT = '  '
/**
 * Integer conversions are printed with the `l` length modifier: bpftrace 0.17 hands the
 * 64-bit value to C's printf, so a bare `%d`/`%u`/`%x` shows only its low 32 bits.
 */
const INT_CONVERSIONS: ReadonlySet<string> = new Set(['d', 'u', 'x', 'X'])

/** bpftrace reads integer literals as signed 64-bit (0.17 lexes them with stoll). */
const LITERAL_MAX = 2n ** 63n - 1n

/** Binding strength, as in bpftrace's grammar (C's order); higher binds tighter. */
const BINARY_PRECEDENCE: Record<BinaryOp, number> = {
  '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6,
  '==': 7, '!=': 7, '<': 8, '<=': 8, '>': 8, '>=': 8,
  '<<': 9, '>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11,
}
const TERNARY = 1
const PREFIX = 12
const ATOM = 13

interface Printed { readonly text: string; readonly precedence: number }

/**
 * The string length to configure, per variable. BPFTRACE_STRLEN is read by 0.17-0.19 only (from
 * 0.20 BPFTRACE_MAX_STRLEN wins when both are set): the program's length. BPFTRACE_MAX_STRLEN
 * adds the header `buf()` keeps inside it on 0.22+, so that a Go string shows the same bytes on
 * every version, and is at least what bpftrace's own library needs (0.25+), unless the range
 * also holds 0.20 or 0.21, whose stack would then hold the longer strings: such a program with
 * strings shorter than 60 bytes is refused by 0.25+ (target a narrower range).
 */
function configuredStrlens(program: Program, dialect: Dialect): Record<string, number> | undefined {
  if (program.strlen === undefined) return undefined
  const values: Record<string, number> = {}
  for (const name of dialect.strlenEnvVars) {
    const floor = dialect.readsMaxStrlenWithStackLimit ? 1 : dialect.minStrlen
    values[name] = name === 'BPFTRACE_STRLEN' ? program.strlen : Math.max(program.strlen + dialect.bufHeaderBytes, floor)
  }
  return values
}

/** The largest string length a version before 0.22 (whose stack holds every string) runs with. */
function configuredStrlen(program: Program, dialect: Dialect): number | undefined {
  const values = configuredStrlens(program, dialect)
  if (!values) return undefined
  const stackBound = dialect.printfStackLimit !== undefined && dialect.readsMaxStrlenWithStackLimit
  return Math.max(values.BPFTRACE_STRLEN ?? 0, stackBound ? values.BPFTRACE_MAX_STRLEN ?? 0 : 0)
}

class ProgramPrinter {
  private readonly strlen: number
  private unsafe = false
  private symbolOffsetProbes = false
  private fileOffsetProbes = false
  private kernelBtf = false
  /** Variables declared so far in the probe being printed. */
  private vars = new Set<string>()

  constructor(private readonly program: Program, private readonly dialect: Dialect) {
    this.strlen = configuredStrlen(program, dialect) ?? dialect.defaultStrlen
  }

  print(): PrintedProgram {
    const { program, dialect } = this
    if (program.probes.length === 0) throw new UsageError('a bpftrace program needs at least one probe')
    const env: Record<string, string> = {}
    const configured = configuredStrlens(program, dialect)
    if (program.strlen !== undefined && configured !== undefined) {
      const max = dialect.maxStrlen
      if (!Number.isInteger(program.strlen) || program.strlen < 1 || (max !== undefined && Math.max(...Object.values(configured)) > max)) {
        throw new UsageError(
          `string length ${program.strlen} is not accepted by ${describeDialect(dialect)}` +
            (max === undefined ? '' : ` (1 to ${max - dialect.bufHeaderBytes})`),
        )
      }
      for (const [name, value] of Object.entries(configured)) env[name] = String(value)
    }
    const blocks: string[] = []
    if (program.header.length) blocks.push(program.header.flatMap(commentLines).join('\n'))
    for (const probe of program.probes) blocks.push(this.probe(probe))
    return {
      text: blocks.join('\n\n') + '\n',
      requirements: {
        unsafe: this.unsafe,
        symbolOffsetProbes: this.symbolOffsetProbes,
        fileOffsetProbes: this.fileOffsetProbes,
        kernelBtf: this.kernelBtf,
        env,
      },
    }
  }

  private probe(source: Probe): string {
    if (source.attachPoints.length === 0) throw new UsageError('a probe needs at least one attach point')
    const probe = lowerProbe(source, this.dialect)
    this.vars = new Set()
    const lines = probe.comments.flatMap(commentLines)
    const points = probe.attachPoints.map((ap) => this.attachPoint(ap))
    const predicate = probe.predicate ? ` /${this.expr(probe.predicate).text}/` : ''
    lines.push(points.join(',\n') + predicate + ' {')
    const declare = this.dialect.letDeclarations ? 'let ' : ''
    for (const decl of probe.vars) {
      const name = checkIdentifier(decl.name, 'variable')
      if (this.vars.has(name)) throw new UsageError(`variable $${name} is declared twice in one probe`)
      // The initial value is printed before the variable exists, so it cannot refer to itself.
      const init = this.expr(decl.init).text
      this.vars.add(name)
      lines.push(`${INDENT}${declare}$${name} = ${init};`)
    }
    lines.push(...this.block(probe.body, 1), '}')
    this.checkStack(probe, points.join(', '))
    return lines.join('\n')
  }

  private attachPoint(ap: AttachPoint): string {
    switch (ap.kind) {
      case 'UprobeSymbol': {
        const head = `uprobe:${quoteAttachPath(ap.path)}:${quoteAttachSymbol(ap.symbol)}`
        if (ap.offset < 0n) throw new UsageError(`negative uprobe offset ${ap.offset} for ${ap.symbol}`)
        if (ap.offset === 0n) return head
        this.unsafe = true
        this.symbolOffsetProbes = true
        return `${head}+0x${ap.offset.toString(16)}`
      }
      case 'UprobeAddress':
        if (ap.address <= 0n || ap.address > LITERAL_MAX) {
          throw new UsageError(`uprobe ${ap.meaning === 'fileOffset' ? 'file offset' : 'address'} ${ap.address} is out of range`)
        }
        if (ap.meaning === 'fileOffset') {
          this.unsafe = true
          this.fileOffsetProbes = true
        }
        return `uprobe:${quoteAttachPath(ap.path)}:0x${ap.address.toString(16)}`
      case 'Begin':
        return 'BEGIN'
      case 'End':
        return 'END'
      case 'Interval':
        if (!Number.isSafeInteger(ap.every) || ap.every < 1) throw new UsageError(`invalid interval ${ap.every}${ap.unit}`)
        return `interval:${ap.unit}:${ap.every}`
      case 'Tracepoint':
        return `tracepoint:${checkIdentifier(ap.category, 'tracepoint category')}:${checkIdentifier(ap.name, 'tracepoint')}`
    }
  }

  private block(stmts: readonly Stmt[], depth: number): string[] {
    return stmts.flatMap((s) => this.stmt(s, depth))
  }

  private stmt(stmt: Stmt, depth: number): string[] {
    const pad = INDENT.repeat(depth)
    switch (stmt.kind) {
      case 'AssignVar':
        return [`${pad}${this.variable(stmt.name)} = ${this.expr(stmt.value).text};`]
      case 'AssignMap':
        return [`${pad}${this.mapRef(stmt.map)} = ${this.expr(stmt.value).text};`]
      case 'Aggregate':
        return [`${pad}${this.mapRef(stmt.map)} = ${this.aggregateCall(stmt.fn, stmt.args)};`]
      case 'Delete':
        // A write-only variable needs no declaration at the top (that rule is for 0.17-0.21's scoping).
        return [`${pad}${this.dialect.deleteValueKept ? '$__deleted = ' : ''}${this.deleteCall(stmt.map)};`]
      case 'If':
        return this.ifLines(stmt.cond, stmt.then, stmt.otherwise, depth)
      case 'Printf':
        return [`${pad}${this.printf(stmt)};`]
      case 'Print':
        return [`${pad}print(${this.wholeMap(stmt.map)});`]
      case 'Clear':
        return [`${pad}clear(${this.wholeMap(stmt.map)});`]
      case 'Exit':
        return [`${pad}exit();`]
      case 'ExprStmt':
        return [`${pad}${this.expr(stmt.expr).text};`]
      case 'Comment':
        return commentLines(stmt.text).map((line) => pad + line)
    }
  }

  private ifLines(cond: Expr, then: readonly Stmt[], otherwise: readonly Stmt[], depth: number): string[] {
    const pad = INDENT.repeat(depth)
    const lines = [`${pad}if (${this.expr(cond).text}) {`, ...this.block(then, depth + 1)]
    let rest = otherwise
    // A lone `if` in the else branch reads as `else if`, as the user most likely wrote it.
    while (rest.length === 1 && rest[0]!.kind === 'If') {
      const inner = rest[0]
      lines.push(`${pad}} else if (${this.expr(inner.cond).text}) {`, ...this.block(inner.then, depth + 1))
      rest = inner.otherwise
    }
    if (rest.length) lines.push(`${pad}} else {`, ...this.block(rest, depth + 1))
    lines.push(`${pad}}`)
    return lines
  }

  private aggregateCall(fn: string, args: readonly Expr[]): string {
    const want = fn === 'count' ? 0 : fn === 'lhist' ? 4 : 1
    if (args.length !== want) throw new UsageError(`${fn}() takes ${want} argument(s), got ${args.length}`)
    if (fn === 'lhist' && !args.slice(1).every((a) => a.kind === 'IntLiteral')) {
      throw new UsageError('lhist() needs literal integers for min, max and step')
    }
    return `${fn}(${args.map((a) => this.expr(a).text).join(', ')})`
  }

  private deleteCall(target: MapRef): string {
    if (this.dialect.twoArgDelete && target.keys.length === 1) {
      return `delete(${this.wholeMap({ ...target, keys: [] })}, ${this.expr(target.keys[0]!).text})`
    }
    return `delete(${this.mapRef(target)})`
  }

  private printf(stmt: Printf): string {
    let format = ''
    const args: Expr[] = []
    for (const part of stmt.format) {
      if (typeof part === 'string') {
        format += formatText(part)
      } else {
        format += `%${part.leftAlign ? '-' : ''}${part.zeroPad ? '0' : ''}${part.width ?? ''}${INT_CONVERSIONS.has(part.conversion) ? 'l' : ''}${part.conversion}`
        args.push(part.value)
      }
    }
    return `printf(${[quoteString(format, 'format string'), ...args.map((a) => this.expr(a).text)].join(', ')})`
  }

  /** Refuses a probe that would overflow the BPF stack on versions that build printf records there. */
  private checkStack(probe: Probe, label: string): void {
    const limit = this.dialect.printfStackLimit
    if (limit === undefined) return
    const { bytes, largestPrintf } = estimateProbeStack(probe, this.strlen, this.dialect.stringTernaryBytes)
    if (bytes <= limit) return
    // Name the printf by its format string: its arguments can be screens long.
    const format = largestPrintf?.map((p) => (typeof p === 'string' ? p : `%${p.conversion}`)).join('')
    const culprit = format === undefined ? '' : `; its largest printf is printf(${JSON.stringify(format)})`
    throw new StackBudgetError(
      `probe ${label} needs about ${bytes} bytes of BPF stack (string length ${this.program.strlen ?? this.strlen}) but ` +
        `${describeDialect(this.dialect)} allows ${limit}${culprit}: split printf calls, print fewer or ` +
        `shorter strings (--strlen), or target bpftrace 0.22 or later`,
    )
  }

  private variable(name: string): string {
    checkIdentifier(name, 'variable')
    if (!this.vars.has(name)) {
      throw new UsageError(`variable $${name} is used but not declared at the top of its probe`)
    }
    return `$${name}`
  }

  private mapRef(target: MapRef): string {
    const name = `@${checkIdentifier(target.name, 'map')}`
    if (target.keys.length === 0) return name
    return `${name}[${target.keys.map((k) => this.expr(k).text).join(', ')}]`
  }

  /** print()/clear()/delete's first argument: a map without keys. */
  private wholeMap(target: MapRef): string {
    if (target.keys.length) throw new UsageError(`@${target.name} must be given without keys here`)
    return this.mapRef(target)
  }

  private call(name: string, args: readonly Expr[]): Printed {
    return { text: `${name}(${args.map((a) => this.expr(a).text).join(', ')})`, precedence: ATOM }
  }

  private expr(e: Expr): Printed {
    switch (e.kind) {
      case 'IntLiteral':
        return this.intLiteral(e.value, e.type, e.hex)
      case 'StringLiteral':
        return { text: quoteString(e.value), precedence: ATOM }
      case 'Register':
        if (!(REGISTER_NAMES as readonly string[]).includes(e.name)) {
          throw new UsageError(`unknown register ${JSON.stringify(e.name)} (valid: ${REGISTER_NAMES.join(' ')})`)
        }
        return { text: `reg("${e.name}")`, precedence: ATOM }
      case 'Variable':
        return { text: this.variable(e.name), precedence: ATOM }
      case 'MapRef':
        return { text: this.mapRef(e), precedence: ATOM }
      case 'Unary': {
        const operand = this.expr(e.operand)
        // `- -x` must not print as `--x`, which is the decrement operator.
        const wrap = operand.precedence < PREFIX || (e.op === '-' && operand.text.startsWith('-'))
        return { text: e.op + (wrap ? `(${operand.text})` : operand.text), precedence: PREFIX }
      }
      case 'Binary': {
        const p = BINARY_PRECEDENCE[e.op]
        const left = this.expr(e.left)
        const right = this.expr(e.right)
        // Left-associative: an equally strong operator on the right needs parentheses.
        const l = left.precedence < p ? `(${left.text})` : left.text
        const r = right.precedence <= p ? `(${right.text})` : right.text
        return { text: `${l} ${e.op} ${r}`, precedence: p }
      }
      case 'Ternary': {
        // Every part of a ternary that is not a single operand gets parentheses: nested
        // conditionals are where readers and old grammars disagree.
        const [c, t, o] = [e.cond, e.then, e.otherwise].map((x) => {
          const p = this.expr(x)
          return p.precedence <= TERNARY ? `(${p.text})` : p.text
        })
        return { text: `${c} ? ${t} : ${o}`, precedence: TERNARY }
      }
      case 'Cast': {
        const operand = this.expr(e.operand)
        return { text: `(${e.type})${operand.precedence >= ATOM ? operand.text : `(${operand.text})`}`, precedence: PREFIX }
      }
      case 'MemoryRead':
        return { text: `*(${e.type}*)(${this.expr(e.address).text})`, precedence: PREFIX }
      case 'Builtin':
        return { text: e.name, precedence: ATOM }
      case 'TaskFsBase':
        this.kernelBtf = true
        return { text: 'curtask->thread.fsbase', precedence: ATOM }
      case 'UserPointer':
        return this.call('uptr', [e.operand])
      case 'CString':
        return this.call('str', e.maxLength ? [e.ptr, e.maxLength] : [e.ptr])
      case 'Buffer':
        return this.call('buf', [e.ptr, e.length])
      case 'GoString':
        throw new Error('internal: GoString reached the printer unlowered')
      case 'Ntop':
        return this.call('ntop', e.family ? [e.family, e.address] : [e.address])
      case 'UserStack':
        if (!Number.isInteger(e.frames) || e.frames < 1 || e.frames > 1024) {
          throw new UsageError(`ustack() frame count ${e.frames} is not between 1 and 1024`)
        }
        return { text: `ustack(${e.frames})`, precedence: ATOM }
      case 'UserSymbol':
        return this.call('usym', [e.address])
      case 'CgroupId':
        return { text: `cgroupid(${quoteString(e.path, 'cgroup path')})`, precedence: ATOM }
    }
  }

  private intLiteral(value: bigint, type: IntType | undefined, hex: boolean): Printed {
    const [lo, hi] = type ? INT_RANGES[type] : INT_RANGES.int64
    if (value < lo || value > hi || value > LITERAL_MAX || value < -LITERAL_MAX) {
      throw new UnsupportedError(`integer ${value} cannot be written as a bpftrace ${type ?? 'integer'} literal`)
    }
    const magnitude = value < 0n ? -value : value
    const digits = hex ? `0x${magnitude.toString(16)}` : magnitude.toString(10)
    const text = value < 0n ? `-${digits}` : digits
    if (type) return { text: `(${type})${text}`, precedence: PREFIX }
    return { text, precedence: value < 0n ? PREFIX : ATOM }
  }
}
