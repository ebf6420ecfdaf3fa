/**
 * Rewrites a probe into the plain forms its dialect accepts, before printing and before the
 * stack estimate: Go strings become the `str()` call that reads exactly their length (or
 * `buf()` with `%r` when no `str()` form is right on every version of the dialect), constant
 * strings move into the format text, and on versions that cannot escape `%` in a format, each
 * literal `%` becomes a `%c` of 0x25. An untyped integer literal next to an operand of known
 * integer type takes that type (`reg("ax") == (uint64)0`): from 0.25 literals are small signed
 * types and a sign or size mismatch is warned about or refused.
 */
import { UnsupportedError, UsageError } from '../errors.ts'
import { withOrigin } from '../origin.ts'
import {
  binary,
  branches,
  buf,
  cstring,
  fmt,
  int,
  string,
  ternary,
  varDecl,
  variable,
  type BinaryOp,
  type Expr,
  type FormatArg,
  type FormatPart,
  type GoString,
  type IntType,
  type MapRef,
  type Probe,
  type Register,
  type RegisterName,
  type Stmt,
  type Ternary,
  type VarDecl,
} from './ast.ts'
import { describeDialect, type Dialect } from './dialect.ts'
import { INT_RANGES } from './int-types.ts'

const PERCENT_SIGN = 0x25
/** Printed after a Go string that was longer than the bytes shown of it. */
export const TRUNCATION_MARKER = '...'

const ARITHMETIC: ReadonlySet<BinaryOp> = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'])

export function lowerProbe(probe: Probe, dialect: Dialect): Probe {
  const registers = new Map<RegisterName, VarDecl>()
  const hoist = dialect.registersInVariables && probe.body.some(branchesReadRegisters)
  const lowerer = new Lowerer(dialect, new Map(probe.vars.map((v) => [v.name, v.init])), hoist ? registers : undefined)
  const predicate = probe.predicate && new Lowerer(dialect, new Map()).expr(probe.predicate)
  const vars = probe.vars.map((v) => ({ ...v, init: lowerer.expr(v.init) }))
  const body = probe.body.map((s) => lowerer.stmt(s))
  // Registers first: the other variables' initial values read them.
  return { ...probe, predicate, vars: [...registers.values(), ...vars], body }
}

/**
 * An if/else whose two branches both read registers: there 0.17's LLVM merges the two loads into
 * one through a ctx pointer chosen by the branch, which the verifier refuses. Reading registers
 * into variables costs BPF stack, so it is done only for such probes.
 */
function branchesReadRegisters(s: Stmt): boolean {
  if (s.kind !== 'If') return false
  if (s.otherwise.length && s.then.some(readsRegister) && s.otherwise.some(readsRegister)) return true
  return s.then.some(branchesReadRegisters) || s.otherwise.some(branchesReadRegisters)
}

function readsRegister(s: Stmt): boolean {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes('"kind":"Register"')
}

class Lowerer {
  constructor(
    private readonly dialect: Dialect,
    /** Initial values of the probe's variables, which give their types. */
    private readonly varInit: ReadonlyMap<string, Expr>,
    /**
     * Where registers are read once, into variables at the top of the probe (see the dialect's
     * `registersInVariables`); undefined to read them where they are used.
     */
    private readonly registers?: Map<RegisterName, VarDecl>,
  ) {}

  /** A register read, or the variable holding it. */
  private register(e: Register): Expr {
    if (!this.registers) return e
    const name = `__reg_${e.name}`
    if (!this.registers.has(e.name)) this.registers.set(e.name, varDecl(name, e))
    return variable(name)
  }

  stmt(s: Stmt): Stmt {
    return withOrigin(s, () => this.lowerStmt(s))
  }

  private lowerStmt(s: Stmt): Stmt {
    switch (s.kind) {
      case 'AssignVar':
        return { ...s, value: this.expr(s.value) }
      case 'AssignMap':
        return { ...s, map: this.mapRef(s.map), value: this.expr(s.value) }
      case 'Delete':
      case 'Print':
      case 'Clear':
        return { ...s, map: this.mapRef(s.map) }
      case 'Aggregate':
        return { ...s, map: this.mapRef(s.map), args: s.args.map((a) => this.expr(a)) }
      case 'If':
        return {
          ...s,
          cond: this.expr(s.cond),
          then: s.then.map((x) => this.stmt(x)),
          otherwise: s.otherwise.map((x) => this.stmt(x)),
        }
      case 'Printf':
        return { ...s, format: this.format(s.format) }
      case 'ExprStmt':
        return { ...s, expr: this.expr(s.expr) }
      case 'Exit':
      case 'Comment':
        return s
    }
  }

  private format(parts: readonly FormatPart[]): FormatPart[] {
    const out: FormatPart[] = []
    const text = (literal: string) => {
      if (this.dialect.percentEscape) {
        out.push(literal)
        return
      }
      const pieces = literal.split('%')
      out.push(pieces[0]!)
      for (const piece of pieces.slice(1)) out.push(fmt('c', int(PERCENT_SIGN)), piece)
    }
    for (const part of parts) {
      if (typeof part === 'string') text(part)
      else if (part.conversion === 's' && part.value.kind === 'StringLiteral' && part.width === undefined) {
        // A constant string is part of the format: no argument, no stack.
        text(part.value.value)
      } else if (part.conversion === 's' && part.value.kind === 'GoString' && part.width === undefined && !part.leftAlign) {
        out.push(...this.printedGoString(part.value))
      } else out.push(this.formatArg(part))
    }
    return out.filter((p) => p !== '')
  }

  private formatArg(arg: FormatArg): FormatArg {
    const { conversion, value } = arg
    if (arg.width !== undefined && (!Number.isInteger(arg.width) || arg.width < 0 || arg.width > 999)) {
      throw new UsageError(`invalid printf width ${arg.width}`)
    }
    if (conversion === 'r' || conversion === 'rx' || conversion === 'rh') {
      if (arg.width !== undefined || arg.leftAlign || arg.zeroPad) throw new UsageError(`%${conversion} takes no width`)
      if (value.kind === 'GoString') return { ...arg, value: buf(this.expr(value.ptr), this.shownLength(value)) }
      // A map value holds a buf() when the compiler stored one there (bytes captured at entry).
      if (value.kind !== 'Buffer' && value.kind !== 'MapRef') throw new UsageError(`%${conversion} prints buf() values only`)
      return { ...arg, value: this.expr(value) }
    }
    if (value.kind === 'Buffer') throw new UsageError(`buf() values print with %r, %rx or %rh, not %${conversion}`)
    if (value.kind === 'GoString' && this.dialect.strLength === 'mixed') {
      // Only str() pads, and it reads one byte less from 0.23 on: no one program prints the same on both sides.
      throw new UnsupportedError(
        `printf %${arg.leftAlign ? '-' : ''}${arg.width ?? ''}${conversion} of a Go string pads with str(), which reads different bytes ` +
          `before and after bpftrace 0.23 (${describeDialect(this.dialect)}): print it with plain %s, or target one side with --bpftrace-version`,
      )
    }
    return { ...arg, value: this.expr(value) }
  }

  /**
   * A printed Go string: exactly its bytes (at most `max`) with `buf()` and `%r`, which every
   * version prints alike (bytes outside 32..126 as \xNN, NUL included), then TRUNCATION_MARKER
   * when bytes were left out. `str()` would stop at a NUL, and its own marker (`..`, 0.18+)
   * is missing on 0.17 and added to a string that merely fills the limit.
   */
  private printedGoString(s: GoString): FormatPart[] {
    const shown = fmt('r', buf(this.expr(s.ptr), this.shownLength(s)))
    if (s.max === undefined) return [shown]
    const cut = binary(this.expr(s.length), '>', int(s.max, 'uint64'))
    return [shown, fmt('s', ternary(cut, string(TRUNCATION_MARKER), string('')))]
  }

  /** How many bytes of a Go string to read: its length, at most `max`. */
  private shownLength(s: GoString): Expr {
    const length = this.expr(s.length)
    if (s.max === undefined) return length
    const max = int(s.max, 'uint64')
    return this.checked(ternary(binary(length, '>', max), max, length))
  }

  /** A lowered `?:`, refused where the dialect would compute it wrong (see `branchingTernaryArms`). */
  private checked(t: Ternary): Ternary {
    if (!this.dialect.branchingTernaryArms && isIntegerTernary(t) && (branches(t.then) || branches(t.otherwise))) {
      throw new UnsupportedError(
        `internal: an integer ?: with a map lookup, ?:, && or || in an arm reads a wrong value on bpftrace 0.22 and 0.23 ` +
          `(${describeDialect(this.dialect)}); the compiler must evaluate that arm into a variable first`,
      )
    }
    return t
  }

  expr(e: Expr): Expr {
    switch (e.kind) {
      case 'GoString':
        return this.goString(this.expr(e.ptr), this.shownLength(e))
      case 'MapRef':
        return this.mapRef(e)
      case 'Unary':
      case 'Cast':
      case 'UserPointer':
        return { ...e, operand: this.expr(e.operand) }
      case 'Binary': {
        const left = this.expr(e.left)
        const right = this.expr(e.right)
        if (e.op === '&&' || e.op === '||') return { ...e, left, right }
        return { ...e, left: this.typedLike(left, right), right: this.typedLike(right, left) }
      }
      case 'Ternary':
        return this.checked(ternary(this.expr(e.cond), this.expr(e.then), this.expr(e.otherwise)))
      case 'MemoryRead':
        return { ...e, address: this.expr(e.address) }
      case 'CString':
        return { ...e, ptr: this.expr(e.ptr), maxLength: e.maxLength && this.expr(e.maxLength) }
      case 'Buffer':
        return { ...e, ptr: this.expr(e.ptr), length: this.expr(e.length) }
      case 'Ntop':
        return { ...e, family: e.family && this.expr(e.family), address: this.expr(e.address) }
      case 'UserSymbol':
        return { ...e, address: this.expr(e.address) }
      case 'Register':
        return this.register(e)
      case 'IntLiteral':
      case 'StringLiteral':
      case 'Variable':
      case 'Builtin':
      case 'TaskFsBase':
      case 'UserStack':
      case 'CgroupId':
        return e
    }
  }

  /** `e` with the other operand's integer type when `e` is an untyped literal that fits it. */
  private typedLike(e: Expr, other: Expr): Expr {
    if (e.kind !== 'IntLiteral' || e.type !== undefined) return e
    const type = this.staticType(other, new Set())
    if (!type) return e
    const [lo, hi] = INT_RANGES[type]
    return e.value >= lo && e.value <= hi ? { ...e, type } : e
  }

  /** The integer type bpftrace gives `e`, when it follows from the expression alone. */
  private staticType(e: Expr, seen: Set<string>): IntType | undefined {
    switch (e.kind) {
      case 'Register':
        return 'uint64'
      case 'MemoryRead':
      case 'Cast':
        return e.type
      case 'IntLiteral':
        return e.type
      case 'Variable': {
        // A variable initialised from itself (through others) has no type to find.
        if (seen.has(e.name)) return undefined
        if ([...(this.registers?.values() ?? [])].some((d) => d.name === e.name)) return 'uint64'
        const init = this.varInit.get(e.name)
        return init && this.staticType(init, new Set([...seen, e.name]))
      }
      case 'Binary':
        if (!ARITHMETIC.has(e.op)) return undefined
        return this.staticType(e.left, seen) ?? this.staticType(e.right, seen)
      default:
        return undefined
    }
  }

  private mapRef(m: MapRef): MapRef {
    return { ...m, keys: m.keys.map((k) => this.expr(k)) }
  }

  /** `str()` reading exactly `length` bytes on this dialect (its length counts the NUL from 0.23). */
  private goString(ptr: Expr, length: Expr): Expr {
    switch (this.dialect.strLength) {
      case 'n-bytes':
        return cstring(ptr, length)
      case 'n-minus-one-bytes':
        return cstring(ptr, binary(length, '+', this.typedLike(int(1), length)))
      case 'mixed':
        throw new UnsupportedError(
          `a Go string outside printf("%s") has no form that reads the same bytes on every version of ` +
            `${describeDialect(this.dialect)} (str() changed in 0.23): target a narrower version range`,
        )
    }
  }
}

const STRING_VALUED: ReadonlySet<Expr['kind']> = new Set(['StringLiteral', 'CString', 'Buffer', 'GoString', 'Ntop', 'UserSymbol', 'UserStack'])

function isIntegerTernary(e: Ternary): boolean {
  return !STRING_VALUED.has(e.then.kind) && !STRING_VALUED.has(e.otherwise.kind)
}

/** Whether bpftrace compiles `e` into more than one basic block (it reads maps or decides). */
