/**
 * An estimate of the BPF stack a probe needs on bpftrace < 0.22, which builds every printf's
 * whole argument record on the 512-byte stack and fails at compile time ("BPF stack limit of 512
 * bytes is exceeded") when it does not fit. The model was calibrated against bpftrace 0.17 (see
 * test/unit/bpftrace-budget.test.ts), on lowered probes (lower.ts):
 * - a printf record is an 8-byte id followed by the arguments (integers and symbols 8-aligned,
 *   strings and buffers byte-aligned), rounded up to 8. Records of different printfs share
 *   their space, so the largest counts.
 * - a string read for a printf, and any `buf()`, is first copied to a temporary (rounded up to
 *   8); these share one place, so the largest counts.
 * - some space is held for the whole probe: each variable (strings whole, integers 8 bytes for
 *   the register spill they cause in busy probes), the `comm` buffer (16), 8 bytes for map
 *   access (map statements, map reads, `elapsed`) and 8 for `ntop`;
 * - 8 bytes of the 512 are bpftrace's own.
 * Exact for one printf of integers, strings and buffers; elsewhere it errs on the safe side, as
 * LLVM's stack slot sharing and register spills cannot be predicted from the AST.
 */
import type { Buffer, Expr, FormatPart, Probe, Stmt } from './ast.ts'

const RESERVED_BYTES = 8
const PRINTF_ID_BYTES = 8
const COMM_BYTES = 16
const USYM_BYTES = 16
/** ntop's inet value: address family + 16 address bytes. */
const INET_BYTES = 24
const MAP_ACCESS_BYTES = 8
const NTOP_SCRATCH_BYTES = 8

interface ValueShape {
  readonly size: number
  readonly align: number
  /** Size of the temporary copy the value is built in, 0 for none. */
  readonly temporary: number
}

export interface StackEstimate {
  /** Estimated bytes of stack, including bpftrace's own. */
  readonly bytes: number
  /** The printf whose record is the largest (the one to split), if any. */
  readonly largestPrintf: readonly FormatPart[] | undefined
}

const roundUp8 = (n: number) => Math.ceil(n / 8) * 8

/**
 * Estimates the stack of a lowered probe when strings are `strlen` bytes long; a string `?:`
 * takes at least `stringTernaryBytes` (see Dialect.stringTernaryBytes).
 */
export function estimateProbeStack(probe: Probe, strlen: number, stringTernaryBytes = 0): StackEstimate {
  return new Estimator(probe, strlen, stringTernaryBytes).estimate()
}

class Estimator {
  private readonly varInit = new Map<string, Expr>()
  private usesComm = false
  private usesMaps = false
  private usesNtop = false
  /** The largest temporary copy of a string or buffer; they all share one place. */
  private largestTemporary = 0
  private largestRecord = 0
  private largestPrintf: readonly FormatPart[] | undefined

  constructor(
    private readonly probe: Probe,
    private readonly strlen: number,
    private readonly stringTernaryBytes: number,
  ) {
    for (const v of probe.vars) this.varInit.set(v.name, v.init)
  }

  estimate(): StackEstimate {
    const { probe } = this
    if (probe.predicate) this.visitExpr(probe.predicate)
    for (const v of probe.vars) this.visitExpr(v.init)
    probe.body.forEach((s) => this.visitStmt(s))
    let held = 0
    for (const init of this.varInit.values()) {
      // Strings and buffers live on the stack; an integer gets a slot when registers run out
      // (it often does not, so this errs on the safe side).
      const shape = this.shape(init)
      held += shape.align === 1 ? roundUp8(shape.size) : 8
    }
    if (this.usesComm) held += COMM_BYTES
    if (this.usesMaps) held += MAP_ACCESS_BYTES
    if (this.usesNtop) held += NTOP_SCRATCH_BYTES
    return {
      bytes: this.largestRecord + this.largestTemporary + held + RESERVED_BYTES,
      largestPrintf: this.largestPrintf,
    }
  }

  private visitStmt(s: Stmt): void {
    switch (s.kind) {
      case 'AssignVar':
        return this.visitExpr(s.value)
      case 'AssignMap':
        this.visitExpr(s.map)
        return this.visitExpr(s.value)
      case 'Aggregate':
        this.visitExpr(s.map)
        return s.args.forEach((a) => this.visitExpr(a))
      case 'Delete':
      case 'Print':
      case 'Clear':
        return this.visitExpr(s.map)
      case 'If':
        this.visitExpr(s.cond)
        s.then.forEach((x) => this.visitStmt(x))
        return s.otherwise.forEach((x) => this.visitStmt(x))
      case 'Printf':
        return this.visitPrintf(s.format)
      case 'ExprStmt':
        return this.visitExpr(s.expr)
      case 'Exit':
      case 'Comment':
        return
    }
  }

  private visitPrintf(format: readonly FormatPart[]): void {
    let offset = PRINTF_ID_BYTES
    for (const part of format) {
      if (typeof part === 'string') continue
      this.visitExpr(part.value)
      const shape = this.printedShape(part)
      offset = Math.ceil(offset / shape.align) * shape.align + shape.size
      this.largestTemporary = Math.max(this.largestTemporary, shape.temporary)
    }
    const record = roundUp8(offset)
    if (record > this.largestRecord) {
      this.largestRecord = record
      this.largestPrintf = format
    }
  }

  private visitExpr(e: Expr): void {
    switch (e.kind) {
      case 'MapRef':
        this.usesMaps = true
        return e.keys.forEach((k) => this.visitExpr(k))
      case 'Builtin':
        if (e.name === 'comm') this.usesComm = true
        if (e.name === 'elapsed') this.usesMaps = true // it reads the start time from a map
        return
      case 'Ntop':
        this.usesNtop = true
        if (e.family) this.visitExpr(e.family)
        return this.visitExpr(e.address)
      case 'Buffer':
        this.largestTemporary = Math.max(this.largestTemporary, roundUp8(this.bufferSize(e)))
        this.visitExpr(e.ptr)
        return this.visitExpr(e.length)
      case 'Unary':
      case 'Cast':
      case 'UserPointer':
        return this.visitExpr(e.operand)
      case 'Binary':
        this.visitExpr(e.left)
        return this.visitExpr(e.right)
      case 'Ternary':
        this.visitExpr(e.cond)
        this.visitExpr(e.then)
        return this.visitExpr(e.otherwise)
      case 'MemoryRead':
        return this.visitExpr(e.address)
      case 'CString':
        this.visitExpr(e.ptr)
        if (e.maxLength) this.visitExpr(e.maxLength)
        return
      case 'GoString':
        this.visitExpr(e.ptr)
        return this.visitExpr(e.length)
      case 'UserSymbol':
        return this.visitExpr(e.address)
      case 'IntLiteral':
      case 'StringLiteral':
      case 'Register':
      case 'Variable':
      case 'TaskFsBase':
      case 'UserStack':
      case 'CgroupId':
        return
    }
  }

  /**
   * A map value printed with %s or %r is a string or buffer the record holds whole (a Go string
   * or bytes captured at entry): the AST does not say how long, so it counts as the longest.
   */
  private printedShape(part: Exclude<FormatPart, string>): ValueShape {
    if (part.value.kind !== 'MapRef') return this.shape(part.value)
    // bpftrace copies the looked-up value to the stack before it copies it into the record.
    if (part.conversion === 's') return { size: this.strlen, align: 1, temporary: roundUp8(this.strlen) }
    // Measured on 0.17: `printf("%r", @m[k])` of a buf() stored at entry compiles at strlen 88
    // and overflows at 96, as four copies of the buffer besides the record would.
    if (part.conversion === 'r' || part.conversion === 'rx' || part.conversion === 'rh') return { size: this.strlen + 1, align: 1, temporary: 4 * roundUp8(this.strlen + 1) }
    return this.shape(part.value)
  }

  /** A literal length shortens a buffer; any other takes the whole strlen. One byte holds the length. */
  private bufferSize(e: Buffer): number {
    const n = e.length.kind === 'IntLiteral' ? Math.min(Number(e.length.value), this.strlen) : this.strlen
    return n + 1
  }

  private shape(e: Expr): ValueShape {
    const { strlen } = this
    switch (e.kind) {
      case 'CString':
      case 'GoString':
        return { size: strlen, align: 1, temporary: roundUp8(strlen) }
      case 'StringLiteral':
        return { size: strlen, align: 1, temporary: 0 }
      case 'Buffer': {
        // Its temporary copy is counted wherever it appears (see visitExpr), not only in printf.
        return { size: this.bufferSize(e), align: 1, temporary: 0 }
      }
      case 'Builtin':
        if (e.name === 'comm') return { size: COMM_BYTES, align: 1, temporary: 0 }
        if (e.name === 'func') return { size: USYM_BYTES, align: 8, temporary: 0 }
        return { size: 8, align: 8, temporary: 0 }
      case 'UserSymbol':
        return { size: USYM_BYTES, align: 8, temporary: 0 }
      case 'Ntop':
        return { size: INET_BYTES, align: 8, temporary: 0 }
      case 'Ternary': {
        const a = this.shape(e.then)
        const b = this.shape(e.otherwise)
        const larger = a.size >= b.size ? a : b
        return larger.align === 1 ? { ...larger, size: Math.max(larger.size, this.stringTernaryBytes) } : larger
      }
      case 'Variable': {
        // The value already has its own stack slot: no temporary copy.
        const init = this.varInit.get(e.name)
        return init ? { ...this.shape(init), temporary: 0 } : { size: 8, align: 8, temporary: 0 }
      }
      default:
        return { size: 8, align: 8, temporary: 0 }
    }
  }
}
