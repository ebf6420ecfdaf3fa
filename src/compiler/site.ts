import type { AssignedValue } from '../abi/location.ts'
import { hex } from '../binary/bytes.ts'
import * as bt from '../bpftrace/ast.ts'
import { bytesEqual } from './bytes-equal.ts'
import type { ExprNode, MachineRegister, ParamRef, StmtNode } from '../dsl/ir.ts'
import { GoprobeError, UnknownNameError, UnsupportedError, UsageError } from '../errors.ts'
import { copyOrigin, withOrigin } from '../origin.ts'
import { typeString } from '../gotypes/types.ts'
import { suggest } from '../util/suggest.ts'
import { parseFormat } from './format.ts'
import { printValue, type ValuePrinter } from './print-values.ts'
import { dynamicTypeIs, dynamicTypeName, loadBias, type TypeNameSite } from './type-name.ts'
import type { FunctionFacts, LineSite, TargetFacts } from './target-facts.ts'
import * as V from './values.ts'
import { describeLocation, type Val } from './values.ts'
import * as G from './go-int.ts'
import { planSharing, type SharingPlan } from './sharing.ts'
import { KindNotKnownYet, type MapKeyKind, type MapUses, type MapValueKind } from './map-uses.ts'
import { isOperand, isStable } from './go-int.ts'

/** bpftrace's names for the registers probes may read. */
const REGISTERS: Record<MachineRegister, bt.RegisterName> = {
  rax: 'ax', rbx: 'bx', rcx: 'cx', rdx: 'dx', rsi: 'si', rdi: 'di', rbp: 'bp', rsp: 'sp', rip: 'ip',
  r8: 'r8', r9: 'r9', r10: 'r10', r11: 'r11', r12: 'r12', r13: 'r13', r14: 'r14', r15: 'r15',
}

/** Where the code being compiled runs. */
export type SiteKind = 'entry' | 'return' | 'line' | 'plain'

/** How a return site reads a value captured at entry. */
export type CaptureReader = (node: ExprNode) => Val

/** State shared by all probes of one program: map value kinds and the string budget. */
export interface ProgramScope {
  readonly target: TargetFacts
  /** Maximum bytes read for a Go string. */
  readonly strlen: number
  /** What each user map holds and is keyed by, for the whole program (map-uses.ts). */
  readonly maps: MapUses
  /** bpftrace can read the value of a count(), sum(), min(), max() or avg() map (0.21+). */
  readonly aggregationsReadable: boolean
  /** Short labels standing for names too long to be map keys, by name (see `mapKey`). */
  readonly longKeys: Map<string, string>
}

/**
 * The longest string literal every version accepts as a map key: 0.17 refuses literals of 64
 * bytes or more whatever the string length, 0.23+ those of the string length or more.
 */
export function longestKeyLiteral(strlen: number): number {
  return Math.min(63, strlen - 1)
}

/**
 * Compiles the statements and expressions of one handler at one site. It records the
 * facts it resolved (locations, offsets, sources) so the probe can carry them as
 * comments, and the internal variables it needs so the probe can declare them first.
 */
export class SiteCompiler {
  readonly facts: string[] = []
  /** Things the user must be told (a value read where nothing guarantees it is), for the compiler's notes. */
  readonly warnings: string[] = []
  private readonly locals = new Map<string, Val>()
  /** Temporaries assigned just before the statement being compiled, by expression (see `temporary`). */
  private temps: { stmts: bt.Stmt[]; byExpr: Map<string, string> } | undefined
  private tempCount = 0
  private readonly tempNames: { name: string; type: 'int64' | 'uint64' }[] = []
  /** Expressions used more than once in the handler, and where each is evaluated (see sharing.ts). */
  private plan: SharingPlan = { shared: new Set(), before: new Map() }
  /** Values of shared expressions already evaluated into scratch variables. */
  private readonly bound = new Map<ExprNode, Val>()
  private sharedCount = 0
  /** Variables of `local()`s, declared first (they may be assigned inside an `if`) with the type they are assigned. */
  private readonly localDecls: bt.VarDecl[] = []
  /** Variables initialised at the top of the probe (see `readOnce`). */
  private readonly readOnceDecls: bt.VarDecl[] = []
  private goroutineVars = false
  /** Evaluating an entry value at a return that is the entry instruction: the arguments are still there. */
  private argumentsLive = false
  /** The stack depth is only computed where an activation key needs it. */
  private depthUsed = false

  /** Names a BEGIN, END or interval handler in messages (uprobe sites are named by their function). */
  label = 'a BEGIN, END or interval handler'

  constructor(
    readonly scope: ProgramScope,
    readonly kind: SiteKind,
    readonly fn: FunctionFacts | undefined,
    private readonly captured?: CaptureReader,
    /** The source-line site, for `line` handlers. */
    private readonly lineSite?: LineSite,
  ) {}

  /**
   * A value that does not change during the probe (a map entry written at entry), read once
   * into a variable declared with it at the top of the probe.
   */
  readOnce(name: string, e: bt.Expr): bt.Expr {
    if (!this.readOnceDecls.some((d) => d.name === name)) this.readOnceDecls.push(bt.varDecl(name, e))
    return bt.variable(name)
  }

  /** Declarations this site needs before its first statement. */
  declarations(): bt.VarDecl[] {
    // Temporaries are assigned where used; declaring them first keeps them in scope on every version.
    const temps = [...this.readOnceDecls, ...this.tempNames.map((t) => bt.varDecl(t.name, declaredZero(t.type))), ...this.localDecls]
    if (!this.goroutineVars) return temps
    const abi = this.fn?.abi ?? this.scope.target.abi.value
    const goid = this.scope.target.goidOffset()
    // g is R14 in register-ABI Go code; ABI0 code only has it in TLS at fs:-8.
    const g: bt.Expr = abi === 'register'
      ? bt.reg('r14')
      : bt.deref('uint64', bt.uptr(G.minus(bt.taskFsBase(), bt.int(8, 'uint64'))))
    return [
      bt.varDecl('__g', g),
      bt.varDecl('__goid', bt.deref('uint64', V.add(bt.variable('__g'), goid.value))),
      // g.stack.hi - SP is the same at entry and at every RET of one activation, and survives stack copying.
      ...(this.depthUsed ? [bt.varDecl('__depth', G.minus(bt.deref('uint64', V.add(bt.variable('__g'), 8)), bt.reg('sp')))] : []),
      ...temps,
    ]
  }

  /** The (goroutine id, stack depth) key of the current activation. */
  activationKey(): bt.Expr[] {
    this.requireGoroutine('the goroutine id')
    this.depthUsed = true
    return [bt.variable('__goid'), bt.variable('__depth')]
  }

  goroutineNote(): string {
    const goid = this.scope.target.goidOffset()
    const abi = this.fn?.abi ?? this.scope.target.abi.value
    return `goroutine id: g.goid at +${goid.value} (${goid.detail}); g from ${abi === 'register' ? 'R14' : 'TLS fs:-8'}`
  }

  usesGoroutine(): boolean {
    return this.goroutineVars
  }

  private requireGoroutine(what: string): void {
    if (this.kind === 'plain') throw new UsageError(`${what} is only available in uprobe handlers (BEGIN, END and intervals run outside any goroutine)`)
    this.goroutineVars = true
  }

  /**
   * The statements of a whole handler (several bodies run one after the other at one site),
   * followed by `trailing` expressions the caller evaluates at the end (values captured at
   * entry): an expression used more than once among them has one value.
   */
  handler(bodies: readonly (readonly StmtNode[])[], trailing: readonly ExprNode[] = []): bt.Stmt[] {
    const body = bodies.flat()
    this.plan = planSharing(body, trailing)
    return this.statements(body)
  }

  private statements(body: readonly StmtNode[]): bt.Stmt[] {
    return body.flatMap((s) => this.statement(s))
  }

  private statement(s: StmtNode): bt.Stmt[] {
    if (this.scope.maps.surveying) return this.surveyed(s)
    // Errors name the statement where it was written (goprobe check), and so do the statements made for it.
    const all = this.inStatement(() => withOrigin(s, () => {
      // Shared values first needed here (or in several branches below) are evaluated first.
      for (const node of this.plan.before.get(s) ?? []) this.expr(node)
      return [...this.statementBody(s)]
    }))
    for (const made of all) copyOrigin(s, made)
    return all
  }

  /**
   * In the survey pass a statement that cannot compile yet (it reads a map whose kind a later
   * probe sets) is skipped: the survey only learns map kinds, and the real pass reports errors.
   */
  private surveyed(s: StmtNode): bt.Stmt[] {
    try {
      return this.inStatement(() => {
        for (const node of this.plan.before.get(s) ?? []) this.expr(node)
        return [...this.statementBody(s)]
      })
    } catch (e) {
      // The real pass meets the same error again, if it still stands, and reports it.
      if (e instanceof GoprobeError || e instanceof KindNotKnownYet) return []
      throw e
    }
  }

  /** Where this handler runs, for messages naming a use of a map. */
  private where(): string {
    if (!this.fn) return this.label
    const site = this.kind === 'entry' ? 'entry' : this.kind === 'return' ? 'return' : 'line'
    return `the ${site} handler of ${this.fn.name}`
  }

  /** Statements built by `fn`, preceded by the temporaries and shared values they evaluate. */
  inStatement(fn: () => bt.Stmt[]): bt.Stmt[] {
    const outer = this.temps
    this.temps = { stmts: [], byExpr: new Map() }
    try {
      const out = fn()
      return [...this.temps.stmts, ...out]
    } finally {
      this.temps = outer
    }
  }

  /**
   * An expression used several times within one statement (e.g. a type descriptor's name
   * address), evaluated once into a variable assigned right before that statement; the
   * same expression gets the same variable. Outside a statement (values captured at entry)
   * it stays inline.
   */
  temporary(e: bt.Expr, type: 'int64' | 'uint64' = 'uint64'): bt.Expr {
    if (!this.temps) return e
    const key = `${type}:${JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`
    let name = this.temps.byExpr.get(key)
    if (!name) {
      name = `__t${this.tempCount++}`
      // Declared with this type (declarations()); bpftrace 0.17 writes a narrower value into its low bytes only.
      this.tempNames.push({ name, type })
      this.temps.stmts.push(bt.assignVar(name, type === 'uint64' ? G.asU64(e) : G.asI64(e)))
      this.temps.byExpr.set(key, name)
    }
    return G.typed(bt.variable(name), type)
  }

  /** `e` itself when it is a single operand, else a temporary holding it: an operand used several times is computed once. */
  private stable = (e: bt.Expr, type: 'int64' | 'uint64'): bt.Expr => (isOperand(e) ? e : this.temporary(e, type))

  /** A scratch variable assigned `e` now (before the statement being compiled), declared with `type`. */
  private scratch(e: bt.Expr, type: 'int64' | 'uint64'): bt.Expr {
    if (isStable(e)) return e
    const name = `__v${++this.sharedCount}`
    this.tempNames.push({ name, type })
    this.temps!.stmts.push(bt.assignVar(name, type === 'uint64' ? G.asU64(e) : G.asI64(e)))
    return G.typed(bt.variable(name), type)
  }

  /**
   * The value of a shared expression kept in scratch variables: computed integers, scalar
   * Go values read from memory, and the words of strings, slices and interfaces. Structs and
   * arrays keep their address; strings made by bpftrace are evaluated where used.
   */
  private keep(v: Val): Val {
    switch (v.kind) {
      case 'int': {
        if (v.go === 'untyped' || isStable(v.expr)) return v
        // A comparison is a bool to newer bpftraces: kept as 0 or 1.
        const e = v.go === 'bool' ? bt.ternary(v.expr, bt.int(1, 'uint64'), bt.int(0, 'uint64')) : v.expr
        return { kind: 'int', expr: this.scratch(e, G.bpfType(v.go)), go: v.go }
      }
      case 'mem': {
        if (V.isScalarType(v.type)) {
          const s = V.scalar(v, 'value')
          return { kind: 'parts', type: v.type, parts: [{ offset: 0, size: 8, expr: this.scratch(s.expr, G.bpfType(s.go)) }] }
        }
        if (v.type.kind === 'string' || v.type.kind === 'slice' || v.type.kind === 'interface') {
          const offsets = v.type.kind === 'slice' ? [0, 8, 16] : [0, 8]
          return { kind: 'parts', type: v.type, parts: offsets.map((o) => ({ offset: o, size: 8, expr: this.scratch(V.word(v, o, 'value'), 'uint64') })) }
        }
        return { kind: 'mem', type: v.type, addr: this.scratch(v.addr, 'uint64') }
      }
      case 'parts':
        if (v.parts.every((p) => isStable(p.expr))) return v
        return { ...v, parts: v.parts.map((p) => ({ ...p, expr: this.scratch(p.expr, 'uint64') })) }
      default:
        break
    }
    return v
  }

  private statementBody(s: StmtNode): bt.Stmt[] {
    switch (s.kind) {
      case 'printf': return [this.printf(s.format, s.args)]
      case 'mapSet': {
        const v = this.expr(s.value)
        const use = `${slotText(s.map, s.keys)} = ${describe(s.value)} in ${this.where()}`
        this.scope.maps.noteValue(s.map, storedKind(v), use)
        return [bt.assignMap(this.mapRef(s.map, s.keys, use), this.storable(v, `value of @${s.map}`))]
      }
      case 'mapAggregate': {
        const args: bt.Expr[] = []
        if (s.value) args.push(zeroOrOne(this.number(this.expr(s.value), `${s.fn}() argument of @${s.map}`)))
        if (s.lhist) args.push(...s.lhist.map((n) => bt.int(n)))
        const use = `${slotText(s.map, s.keys)} = ${s.fn}() in ${this.where()}`
        this.scope.maps.noteValue(s.map, s.fn, use)
        return [bt.aggregate(this.mapRef(s.map, s.keys, use), s.fn, ...args)]
      }
      case 'mapDelete': return [bt.del(this.mapRef(s.map, s.keys, `delete(${slotText(s.map, s.keys)}) in ${this.where()}`))]
      case 'mapPrint': return [bt.print(bt.map(s.map))]
      case 'mapClear': return [bt.clear(bt.map(s.map))]
      case 'if': return [bt.ifStmt(this.condition(s.cond), this.statements(s.then), this.statements(s.else))]
      case 'local': {
        if (this.locals.has(s.name)) throw new UsageError(`local ${JSON.stringify(s.name)} is defined twice in one handler`)
        const v = this.expr(s.value)
        return this.bindLocal(s.name, v)
      }
      // Evaluated (before this statement) when used elsewhere: see sharing.ts.
      case 'snapshot': return []
      case 'exit': return [bt.exit()]
      case 'printValues': return this.printValues(s.which)
    }
  }

  /** Locals of Go struct values keep their structure: memory values by address, register values part by part. */
  private bindLocal(name: string, v: Val): bt.Stmt[] {
    const varName = `l_${name}`
    // bpftrace 0.17 stores a narrower integer into a wider variable's low bytes only: keep one type per variable.
    const assign = (variable: string, e: bt.Expr, type: 'int64' | 'uint64' = 'uint64'): bt.Stmt => {
      this.localDecls.push(bt.varDecl(variable, declaredZero(type)))
      return bt.assignVar(variable, type === 'uint64' ? G.asU64(e) : G.asI64(e))
    }
    switch (v.kind) {
      case 'mem':
        this.locals.set(name, { kind: 'mem', type: v.type, addr: G.typed(bt.variable(varName), 'uint64') })
        return [assign(varName, v.addr)]
      case 'parts': {
        const stmts = v.parts.map((p) => assign(`${varName}_${p.offset}`, p.expr))
        this.locals.set(name, { kind: 'parts', type: v.type, parts: v.parts.map((p) => ({ ...p, expr: G.typed(bt.variable(`${varName}_${p.offset}`), 'uint64') })) })
        return stmts
      }
      case 'int':
        // A constant stays a constant (untyped, as Go's named constants are).
        if (v.go === 'untyped') {
          this.locals.set(name, v)
          return []
        }
        this.locals.set(name, { kind: 'int', expr: G.typed(bt.variable(varName), G.bpfType(v.go)), go: v.go })
        return [assign(varName, v.go === 'bool' ? bt.ternary(v.expr, bt.int(1, 'uint64'), bt.int(0, 'uint64')) : v.expr, G.bpfType(v.go))]
      default:
        throw new UsageError(`local ${JSON.stringify(name)}: only numbers and Go values can be kept in locals, not ${valueKind(v)}`)
    }
  }

  private mapRef(name: string, keys: readonly ExprNode[], use: string): bt.MapRef {
    const vals = keys.map((k) => this.expr(k))
    this.scope.maps.noteKeys(name, vals.map(storedKind), use)
    return bt.map(name, ...vals.map((v, i) => this.mapKey(v, `key ${i} of @${name}`)))
  }

  /** A map's value read in the program, as what the whole program stores in it. */
  private mapRead(name: string, keys: readonly ExprNode[]): Val {
    const ref = this.mapRef(name, keys, `a read of ${slotText(name, keys)} in ${this.where()}`)
    const kind = this.scope.maps.valueKind(name)
    if (kind === undefined && this.scope.maps.surveying) throw new KindNotKnownYet(name)
    switch (kind) {
      case undefined: case 'int': return { kind: 'int', expr: ref, go: 'any' }
      case 'str': return { kind: 'str', expr: ref }
      case 'stack': return { kind: 'stack', expr: ref }
      case 'hist': case 'lhist': case 'stats':
        throw new UsageError(`@${name} holds ${kind}(), which has no single value to read in the program; it is printed at exit (or with print())`)
      default:
        if (!this.scope.aggregationsReadable) {
          throw new UnsupportedError(`reading @${name}, a ${kind}() map, needs bpftrace 0.21 or newer (earlier versions cannot read aggregations): target a newer bpftrace, or keep the value in a plain map (set() it)`)
        }
        return { kind: 'int', expr: ref, go: kind === 'count' ? 'uint64' : 'int64' }
    }
  }

  /**
   * A map key. A constant name too long to be a literal on some version (vendored Go function
   * names pass 150 bytes) becomes a short label, `#1`, `#2`, ...: still a string, so the map's
   * keys keep one type, and the END probe prints what each label stands for.
   */
  private mapKey(v: Val, what: string): bt.Expr {
    if (v.kind !== 'str' || v.expr.kind !== 'StringLiteral') return this.storable(v, what)
    const name = v.expr.value
    if (Buffer.byteLength(name, 'utf8') <= longestKeyLiteral(this.scope.strlen)) return v.expr
    let label = this.scope.longKeys.get(name)
    if (!label) {
      label = `#${this.scope.longKeys.size + 1}`
      this.scope.longKeys.set(name, label)
    }
    return bt.string(label)
  }

  /** A value that a map can hold: integers, bpftrace strings; Go strings are converted. */
  private storable(v: Val, what: string): bt.Expr {
    if (v.kind === 'int') return zeroOrOne(v)
    if (v.kind === 'str' || v.kind === 'stack') return v.expr
    if (v.kind === 'bytes') throw new UsageError(`${what}: raw bytes cannot be stored; use goString()`)
    if (v.type.kind === 'string') return V.goStringOf(v, this.scope.strlen, what, (e) => this.temporary(e)).expr
    return V.scalar(v, what).expr
  }

  /** A value as a number with a Go type: an untyped constant becomes an int. */
  private number(v: Val, path: string): { expr: bt.Expr; go: G.IntGoType } {
    const s = V.scalar(v, path)
    if (s.go === 'untyped' && s.expr.kind === 'IntLiteral') return { expr: G.asI64(s.expr), go: 'int' }
    return s
  }

  condition(node: ExprNode): bt.Expr {
    return V.scalar(this.expr(node), describe(node)).expr
  }

  private printf(format: string, args: readonly ExprNode[]): bt.Printf {
    const parsed = parseFormat(format)
    const directives = parsed.filter((p) => typeof p !== 'string').length
    if (directives !== args.length) {
      throw new UsageError(`printf ${JSON.stringify(format)} has ${directives} conversion(s) but ${args.length} argument(s)`)
    }
    let i = 0
    return bt.printf(...parsed.map((part): bt.FormatPart => {
      if (typeof part === 'string') return part
      const node = args[i++]!
      const path = describe(node)
      const v = this.expr(node)
      let value: bt.Expr
      let conversion = part.conversion
      switch (part.conversion) {
        case 's':
          if (v.kind === 'str' || v.kind === 'stack') value = v.expr
          else if ((v.kind === 'parts' || v.kind === 'mem') && (v.type.kind === 'string' || v.type.kind === 'slice')) value = V.goStringOf(v, this.scope.strlen, path, (e) => this.temporary(e)).expr
          else throw new UsageError(`printf %s needs a string, but ${path} is ${valueKind(v)}; use %d or goString()`)
          break
        case 'r': case 'rx': case 'rh':
          if (v.kind === 'bytes') value = v.expr
          else if (v.kind === 'parts' || v.kind === 'mem') value = V.goBytesOf(v, this.scope.strlen, path, undefined, (e) => this.temporary(e)).expr
          else throw new UsageError(`printf %${part.conversion} needs bytes (goBytes), but ${path} is ${valueKind(v)}`)
          break
        default: {
          if (v.kind === 'str' || v.kind === 'bytes' || v.kind === 'stack') throw new UsageError(`printf %${part.conversion} needs a number, but ${path} is ${valueKind(v)}; use %s`)
          const n = this.number(v, path)
          value = n.expr
          // %d prints as Go's does: unsigned types in full (bpftrace's %d reads every value as signed).
          if (part.conversion === 'd' && !G.heldSigned(n.go) && n.go !== 'bool') conversion = 'u'
        }
      }
      return bt.fmt(conversion, value, { ...(part.width === undefined ? {} : { width: part.width }), leftAlign: part.leftAlign, zeroPad: part.zeroPad })
    }))
  }

  expr(node: ExprNode): Val {
    const known = this.bound.get(node)
    if (known) return known
    const v = this.evaluate(node)
    if (!this.plan.shared.has(node) || !this.temps) return v
    const kept = this.keep(v)
    this.bound.set(node, kept)
    return kept
  }

  private evaluate(node: ExprNode): Val {
    const path = describe(node)
    switch (node.kind) {
      case 'literal': {
        const v = node.value
        if (typeof v === 'string') return { kind: 'str', expr: bt.string(v) }
        if (typeof v === 'boolean') return { kind: 'int', expr: bt.int(v ? 1 : 0, 'uint64'), go: 'bool' }
        if (typeof v === 'number' && !Number.isInteger(v)) throw new UsageError(`${v}: only integers can be used in probes`)
        return { kind: 'int', expr: bt.int(v), go: 'untyped' }
      }
      case 'arg': return this.param('arg', node.ref)
      case 'receiver': return this.receiver()
      case 'result': return this.result(node.ref)
      case 'atEntry': {
        if (this.kind !== 'return' || !this.captured) throw new UsageError(`${path}: entry values can only be read in onReturn handlers`)
        return this.captured(node.expr)
      }
      case 'field': return V.field(this.expr(node.base), node.name, describe(node.base))
      case 'deref': return V.deref(this.expr(node.base), describe(node.base))
      case 'index': {
        const constIndex = node.index.kind === 'literal' && typeof node.index.value === 'number' ? node.index.value : undefined
        return V.index(this.expr(node.base), this.expr(node.index), constIndex, describe(node.base), (e) => this.stable(e, 'uint64'))
      }
      case 'len': return V.length(this.expr(node.base), describe(node.base))
      case 'cap': return V.capacity(this.expr(node.base), describe(node.base))
      case 'isNil': return V.isNil(this.expr(node.base), describe(node.base))
      case 'binary': return this.binary(node)
      case 'not': return { kind: 'int', expr: bt.unary('!', this.condition(node.operand)), go: 'bool' }
      case 'negate': return this.arithmetic('-', { kind: 'int', expr: bt.int(0), go: 'untyped' }, this.expr(node.operand), path)
      case 'goString': {
        const max = Math.min(node.max ?? this.scope.strlen, this.scope.strlen)
        return V.goStringOf(this.expr(node.expr), max, describe(node.expr), (e) => this.temporary(e))
      }
      case 'goBytes': {
        const limit = node.length && G.asU64(V.scalar(this.expr(node.length), describe(node.length)).expr)
        return V.goBytesOf(this.expr(node.expr), node.max, describe(node.expr), limit, (e) => this.temporary(e))
      }
      case 'cast': {
        const t = this.scope.target.parseType(node.goType)
        const raw = zeroOrOne(V.scalar(this.expr(node.expr), describe(node.expr)))
        if (t.value.size > 8) throw new UsageError(`.as(${JSON.stringify(node.goType)}): only pointer-sized types can be reinterpreted; cast to a pointer type instead`)
        this.facts.push(`${describe(node.expr)} read as ${typeString(t.value)} (${t.detail})`)
        return { kind: 'parts', type: t.value, parts: [{ offset: 0, size: 8, expr: raw }] }
      }
      case 'ifaceData': {
        const v = this.expr(node.expr)
        if ((v.kind !== 'parts' && v.kind !== 'mem') || v.type.kind !== 'interface') throw new UsageError(`${describe(node.expr)}.data() needs an interface value`)
        return { kind: 'parts', type: { kind: 'unsafe.Pointer', size: 8, align: 8 }, parts: [{ offset: 0, size: 8, expr: V.word(v, 8, path) }] }
      }
      case 'builtin': return this.builtin(node.name, node.arg)
      case 'local': {
        const v = this.locals.get(node.name)
        if (!v) throw new UnknownNameError('local', node.name, suggest(node.name, this.locals.keys()))
        return v
      }
      case 'mapRead': return this.mapRead(node.map, node.keys)
      case 'usym': return { kind: 'str', expr: bt.usym(G.asU64(V.scalar(this.expr(node.expr), path).expr)) }
      case 'typeName': case 'hasType': {
        const strlen = Math.min(node.kind === 'typeName' ? node.max ?? this.scope.strlen : this.scope.strlen, this.scope.strlen)
        const site = this.typeNameSite(strlen)
        const v = this.expr(node.expr)
        const { value, fact } = node.kind === 'typeName' ? dynamicTypeName(v, site, describe(node.expr)) : dynamicTypeIs(v, node.name, site, describe(node.expr))
        if (!this.facts.includes(fact)) this.facts.push(fact)
        return value
      }
      case 'probedFunction': {
        if (!this.fn) throw new UsageError('probedFunction() is only available in uprobe handlers')
        return { kind: 'str', expr: bt.string(this.fn.name) }
      }
      case 'register': return { kind: 'int', expr: bt.reg(REGISTERS[node.name]), go: 'uint64' }
      case 'global': {
        const g = this.scope.target.globalVariable(node.name, node.goType)
        const bias = loadBias(this.typeNameSite(this.scope.strlen), `global(${JSON.stringify(node.name)})`)
        const link = bt.int(g.value.address, 'uint64', { hex: true })
        this.fact(`global ${node.name}: ${typeString(g.value.type)} at ${hex(g.value.address)}${this.scope.target.isPIE ? ' plus the load bias' : ''} (${g.detail})`)
        return { kind: 'mem', type: g.value.type, addr: this.scope.target.isPIE ? bt.binary(bias, '+', link) : link }
      }
      case 'closureContext': {
        if (this.kind !== 'entry') throw new UsageError('closureContext() is only available at entry')
        return { kind: 'parts', type: { kind: 'unsafe.Pointer', size: 8, align: 8 }, parts: [{ offset: 0, size: 8, expr: bt.reg('dx') }] }
      }
    }
  }

  /** Where this site's code runs, for reading type names in PIE binaries. */
  private typeNameSite(strlen: number): TypeNameSite {
    const fn = this.fn
    const probeOffsets = !fn ? undefined
      : this.kind === 'entry' ? [fn.entrySite.offset]
      : this.kind === 'return' ? fn.returnSites.map((s) => s.offset)
      : this.kind === 'line' ? [this.lineSite!.site.offset]
      : undefined
    const exact = this.kind === 'line' ? { exactOffset: this.lineSite!.site.offset } : {}
    return { target: this.scope.target, fn, probeOffsets, ...exact, strlen, temporary: (e: bt.Expr) => this.temporary(e) }
  }

  private binary(node: Extract<ExprNode, { kind: 'binary' }>): Val {
    const l = this.expr(node.left)
    const r = this.expr(node.right)
    const path = describe(node)
    if ((node.op === '==' || node.op === '!=') && (isText(l) || isText(r))) {
      const known = knownText(l, r) ?? knownText(r, l)
      if (known) {
        const equal = bytesEqual(this.stable(known.data, 'uint64'), this.stable(known.length, 'uint64'), known.text)
        return { kind: 'int', expr: node.op === '==' ? equal : bt.unary('!', equal), go: 'bool' }
      }
      const ls = this.asString(l, describe(node.left))
      const rs = this.asString(r, describe(node.right))
      return { kind: 'int', expr: bt.binary(ls, node.op, rs), go: 'bool' }
    }
    switch (node.op) {
      case '&&': case '||':
        return { kind: 'int', expr: bt.binary(this.truth(l, describe(node.left)), node.op, this.truth(r, describe(node.right))), go: 'bool' }
      case '==': case '!=': case '<': case '<=': case '>': case '>=': {
        const [a, b, t] = this.unify(l, r, node, path)
        if (t === 'bool' && node.op !== '==' && node.op !== '!=') throw new UsageError(`${path}: bools are not ordered; only .eq() and .ne() compare them`)
        return { kind: 'int', expr: G.compare(node.op, a, b), go: 'bool' }
      }
      default: return this.arithmetic(node.op, l, r, path, node)
    }
  }

  /** A value as a condition: bools as they are, numbers as `!= 0`. */
  private truth(v: Val, path: string): bt.Expr {
    const s = V.scalar(v, path)
    return s.go === 'bool' ? s.expr : bt.binary(G.asU64(s.expr), '!=', bt.int(0, 'uint64'))
  }

  /**
   * Both operands as expressions of one Go type, by Go's rules: an untyped constant takes the
   * other side's type (and must fit it), a map value converts to it; two different types are
   * an error.
   */
  private unify(l: Val, r: Val, node: Extract<ExprNode, { kind: 'binary' }>, path: string): [bt.Expr, bt.Expr, G.IntGoType] {
    const ls = V.scalar(l, describe(node.left))
    const rs = V.scalar(r, describe(node.right))
    const flexible = (t: G.IntGoType) => t === 'untyped' || t === 'any'
    let t: G.IntGoType
    if (!flexible(ls.go)) t = ls.go
    else if (!flexible(rs.go)) t = rs.go
    else t = ls.go === 'any' || rs.go === 'any' ? 'any' : 'untyped'
    if (!flexible(ls.go) && !flexible(rs.go) && ls.go !== rs.go) {
      throw new UsageError(`${path}: mismatched types ${ls.go} and ${rs.go}; convert one side with .as('${rs.go}') or .as('${ls.go}')`)
    }
    const typed = (s: { expr: bt.Expr; go: G.IntGoType }, side: ExprNode): bt.Expr => {
      if (s.go === t) return t === 'untyped' ? G.asI64(s.expr) : s.expr
      const target = G.concrete(t)
      if (s.go === 'untyped') {
        const value = s.expr.kind === 'IntLiteral' ? s.expr.value : undefined
        const c = value === undefined ? undefined : target === 'bool' ? undefined : G.constant(value, target)
        if (!c) throw new UsageError(`${path}: ${describe(side)} cannot be used as ${G.goTypeName(t)}${target === 'bool' ? '' : ' (it overflows)'}`)
        return c
      }
      // A map value (held as int64) converted to the other side's type.
      if (target === 'bool') return bt.binary(G.asU64(s.expr), '!=', bt.int(0, 'uint64'))
      return G.wrap(s.expr, target)
    }
    return [typed(ls, node.left), typed(rs, node.right), t]
  }

  /** Go's arithmetic on two operands (see go-int.ts); `node` for operand descriptions. */
  private arithmetic(op: G.ArithOp, left: Val, right: Val, path: string, node?: Extract<ExprNode, { kind: 'binary' }>): Val {
    // A bool in arithmetic counts as a uint64 0 or 1 (stdlib packs flags into bit sets that way).
    const numeric = (v: Val, side: string): Val => {
      const s = v.kind === 'int' || v.kind === 'parts' || v.kind === 'mem' ? V.scalar(v, side) : undefined
      return s?.go === 'bool' ? { kind: 'int', expr: G.asU64(s.expr), go: 'uint64' } : v
    }
    const l = numeric(left, path)
    const r = numeric(right, path)
    const binaryNode = node ?? { kind: 'binary' as const, op, left: { kind: 'literal' as const, value: 0 }, right: { kind: 'literal' as const, value: 0 } }
    if (op === '<<' || op === '>>') {
      const ls = V.scalar(l, describe(binaryNode.left))
      const rs = V.scalar(r, describe(binaryNode.right))
      // The result has the left operand's type; an untyped left operand becomes int, a map value int64.
      const t = G.concrete(ls.go) as Exclude<ReturnType<typeof G.concrete>, 'bool'>
      const a = ls.go === 'untyped' ? G.constant((ls.expr as bt.IntLiteral).value, t) : ls.go === 'any' ? G.wrap(ls.expr, t) : ls.expr
      if (!a) throw new UsageError(`${path}: ${describe(binaryNode.left)} overflows int`)
      if (rs.go === 'untyped' && rs.expr.kind === 'IntLiteral' && rs.expr.value < 0n) throw new UsageError(`${path}: negative shift count ${rs.expr.value}`)
      const count = rs.go === 'untyped' && rs.expr.kind === 'IntLiteral' ? bt.int(rs.expr.value, 'uint64') : G.asU64(rs.expr)
      return { kind: 'int', expr: G.shift(op, a, count, t, this.stable), go: t }
    }
    const [a, b, t] = this.unify(l, r, binaryNode, path)
    const concrete = G.concrete(t) as Exclude<ReturnType<typeof G.concrete>, 'bool'>
    return { kind: 'int', expr: G.arithmetic(op, a, b, concrete, this.stable), go: t === 'untyped' ? 'int' : t === 'any' ? 'int64' : t }
  }

  private asString(v: Val, path: string): bt.Expr {
    if (v.kind === 'str') return v.expr
    if ((v.kind === 'parts' || v.kind === 'mem') && v.type.kind === 'string') return V.goStringOf(v, this.scope.strlen, path, (e) => this.temporary(e)).expr
    throw new UsageError(`${path} is ${valueKind(v)} and cannot be compared with a string`)
  }

  private builtin(name: string, arg: number | undefined): Val {
    switch (name) {
      case 'goid':
        this.requireGoroutine('goroutineId()')
        return { kind: 'int', expr: G.typed(bt.variable('__goid'), 'uint64'), go: 'uint64' }
      case 'comm': return { kind: 'str', expr: bt.builtin('comm') }
      case 'ustack': return { kind: 'stack', expr: arg === undefined ? bt.builtin('ustack') : bt.ustack(arg) }
      // pid and tid are uint32 from 0.22: widened so that every version computes with the same type.
      case 'pid': case 'tid': return { kind: 'int', expr: bt.cast('uint64', bt.builtin(name)), go: 'uint64' }
      case 'nsecs': return { kind: 'int', expr: bt.builtin(name), go: 'uint64' }
      default: throw new UsageError(`unknown builtin ${name}`)
    }
  }

  /** printArgs()/printResults(): every value of the signature, in order, receiver first. */
  private printValues(which: 'args' | 'results'): bt.Stmt[] {
    const call = which === 'args' ? 'printArgs()' : 'printResults()'
    if (this.kind !== (which === 'args' ? 'entry' : 'return')) throw new UsageError(`${call} is only available in ${which === 'args' ? 'onEntry' : 'onReturn'} handlers`)
    const frame = this.frameFor(call)
    const values = which === 'args' ? [...(frame.receiver ? [frame.receiver] : []), ...frame.params] : frame.results
    const printer: ValuePrinter = {
      strlen: this.scope.strlen,
      typeName: (v, path) => {
        const { value, fact } = dynamicTypeName(v, this.typeNameSite(this.scope.strlen), path)
        if (!this.facts.includes(fact)) this.facts.push(fact)
        return (value as Extract<Val, { kind: 'str' }>).expr
      },
    }
    return values.flatMap((v, i) => {
      const label = v.name ?? `#${i}`
      return printValue(printer, this.placed(v, `${which === 'args' ? 'arg' : 'result'} ${label}`), label, '  ')
    })
  }

  private frameFor(what: string): NonNullable<FunctionFacts['frame']> {
    const fn = this.fn
    if (!fn || this.kind === 'plain') throw new UsageError(`${what} is only available in uprobe handlers`)
    if (!fn.frame) throw new UsageError(`${fn.name}: cannot place ${what}: ${fn.frameProblem ?? 'no signature'}`)
    return fn.frame
  }

  /** An "at entry" value at a return site that is the entry instruction itself (a one-RET function): read it now. */
  atEntryInstant(node: ExprNode): Val {
    const outer = this.argumentsLive
    this.argumentsLive = true
    try {
      return this.expr(node)
    } finally {
      this.argumentsLive = outer
    }
  }

  private param(what: 'arg', ref: ParamRef): Val {
    const fn = this.fn
    if (this.kind === 'return' && !this.argumentsLive) {
      throw new UsageError(`${fn?.name ?? 'probe'}: arg(${JSON.stringify(ref)}) at a return site reads clobbered registers; use entry.arg(${JSON.stringify(ref)})`)
    }
    const frame = this.frameFor(`arg(${JSON.stringify(ref)})`)
    const values = frame.params
    const hit = pick(values, ref, `parameter of ${fn!.name}`, fn!.signature?.value.receiver?.name)
    if (hit === 'receiver') return this.receiver()
    if (this.kind === 'line') return this.atLine(hit, `arg ${hit.name ?? ref}`)
    return this.placed(hit, `arg ${hit.name ?? ref}`)
  }

  private receiver(): Val {
    if (this.kind === 'return' && !this.argumentsLive) throw new UsageError(`${this.fn?.name ?? 'probe'}: the receiver at a return site is gone; use entry.receiver()`)
    const frame = this.frameFor('receiver()')
    if (!frame.receiver) throw new UsageError(`${this.fn!.name} is not a method: it has no receiver`)
    const label = `receiver ${frame.receiver.name ?? ''}`.trim()
    return this.kind === 'line' ? this.atLine(frame.receiver, label) : this.placed(frame.receiver, label)
  }

  private result(ref: ParamRef): Val {
    if (this.kind !== 'return') throw new UsageError(`result(${JSON.stringify(ref)}) is only available in onReturn handlers`)
    const frame = this.frameFor(`result(${JSON.stringify(ref)})`)
    const hit = pick(frame.results, ref, `result of ${this.fn!.name}`, undefined)
    if (hit === 'receiver') throw new UsageError('unreachable: results have no receiver')
    return this.placed(hit, `result ${hit.name ?? ref}`)
  }

  /**
   * An input of the function at a source line. Past the entry the ABI no longer says where
   * it is: DWARF's location list at that pc does, when the binary has one. Otherwise the
   * value is read from its stack slot (the argument itself under the stack ABI, the spill
   * slot under the register ABI), which nothing guarantees holds it, so the user is warned.
   */
  private atLine(v: AssignedValue, label: string): Val {
    const ls = this.lineSite!
    const where = `${ls.file.slice(ls.file.lastIndexOf('/') + 1)}:${ls.line}`
    if (ls.inlined) {
      throw new UsageError(`${label} at ${where}: this code${ls.inlinedFunction ? ` of ${ls.inlinedFunction}` : ''} is inlined into ${ls.function}, whose arguments are not the inlined function's; probe a copy of the line that is not inlined (goprobe lines shows them) or use line(..., { function })`)
    }
    const fromDwarf = this.scope.target.inputLocationAt(ls.function, v, ls.site.vaddr)
    if (fromDwarf && !('problem' in fromDwarf)) {
      const shown = fromDwarf.kind === 'stack' ? `stack ${fromDwarf.offset}(entry SP), at SP+${fromDwarf.offset + ls.spDelta} here` : fromDwarf.pieces.map((p) => p.reg).join(', ')
      this.fact(`${label}: ${typeString(v.type)} in ${shown} at ${hex(ls.site.vaddr)} (DWARF location list)`)
      if (fromDwarf.kind === 'stack') return { kind: 'mem', type: v.type, addr: V.add(bt.reg('sp'), fromDwarf.offset + ls.spDelta) }
      return { kind: 'parts', type: v.type, parts: fromDwarf.pieces.map((p) => ({ offset: p.offset, size: p.size, expr: bt.reg(REGISTERS[p.reg]) })) }
    }
    const slot = v.location.kind === 'stack' ? v.location.offset : v.spillOffset
    const dwarfSays = fromDwarf ? `${fromDwarf.problem}` : 'no DWARF location here'
    if (slot === undefined) throw new UnsupportedError(`${label} at ${where}: ${dwarfSays}, and it has no stack slot to read it from`)
    const why = v.location.kind === 'stack'
      ? 'its argument slot, which the function may have assigned since entry'
      : 'its register-ABI spill slot, which the function may never have written'
    const warning = `${ls.function} ${label} at ${where}: ${dwarfSays}, so it is read from ${why}: the value is not guaranteed`
    if (!this.warnings.includes(warning)) this.warnings.push(warning)
    this.fact(`${label}: ${typeString(v.type)} at stack ${slot}(entry SP), read at SP+${slot + ls.spDelta} (NOT GUARANTEED: ${dwarfSays}; ${why})`)
    return { kind: 'mem', type: v.type, addr: V.add(bt.reg('sp'), slot + ls.spDelta) }
  }

  private fact(text: string): void {
    if (!this.facts.includes(text)) this.facts.push(text)
  }

  private placed(v: AssignedValue, label: string): Val {
    const sig = this.fn?.signature
    const note = `${label}: ${typeString(v.type)} in ${describeLocation(v.location)} (${this.fn?.abi} ABI; signature: ${sig?.detail ?? 'unknown'})`
    if (!this.facts.includes(note)) this.facts.push(note)
    return V.valueAt(v.type, v.location)
  }
}

/** Find a parameter or result by position or name, with a helpful error. */
function pick(values: readonly AssignedValue[], ref: ParamRef, what: string, receiverName: string | undefined): AssignedValue | 'receiver' {
  if (typeof ref === 'number') {
    const v = values[ref]
    if (!Number.isInteger(ref) || !v) throw new UsageError(`${what}: index ${ref} out of range (it has ${values.length}: ${values.map((x, i) => x.name ?? `#${i}`).join(', ') || 'none'})`)
    return v
  }
  if (receiverName !== undefined && ref === receiverName) return 'receiver'
  const v = values.find((x) => x.name === ref)
  if (!v) throw new UnknownNameError(what, ref, suggest(ref, values.flatMap((x) => (x.name ? [x.name] : []))))
  return v
}

/** A Go string in memory or registers (`go`) compared with a literal (`other`): its words and the literal's text. */
function knownText(go: Val, other: Val): { data: bt.Expr; length: bt.Expr; text: string } | undefined {
  if (other.kind !== 'str' || other.expr.kind !== 'StringLiteral') return undefined
  if ((go.kind !== 'parts' && go.kind !== 'mem') || go.type.kind !== 'string') return undefined
  return { data: V.word(go, 0, 'string data'), length: V.word(go, 8, 'string length'), text: other.expr.value }
}

const isText = (v: Val): boolean => v.kind === 'str' || ((v.kind === 'parts' || v.kind === 'mem') && v.type.kind === 'string')

function valueKind(v: Val): string {
  switch (v.kind) {
    case 'int': return 'a number'
    case 'str': return 'a string'
    case 'bytes': return 'raw bytes'
    case 'stack': return 'a stack trace'
    default: return `of type ${typeString(v.type)}`
  }
}

/** The expression as the user wrote it, for messages: `arg("req").URL.Host`. */
export function describe(node: ExprNode): string {
  switch (node.kind) {
    case 'literal': return JSON.stringify(typeof node.value === 'bigint' ? node.value.toString() : node.value)
    case 'arg': return `arg(${JSON.stringify(node.ref)})`
    case 'receiver': return 'receiver()'
    case 'result': return `result(${JSON.stringify(node.ref)})`
    case 'atEntry': return `entry(${describe(node.expr)})`
    case 'field': return `${describe(node.base)}.${node.name}`
    case 'deref': return `*${describe(node.base)}`
    case 'index': return `${describe(node.base)}[${describe(node.index)}]`
    case 'len': return `len(${describe(node.base)})`
    case 'cap': return `cap(${describe(node.base)})`
    case 'isNil': return `${describe(node.base)} == nil`
    case 'binary': return `(${describe(node.left)} ${node.op} ${describe(node.right)})`
    case 'not': return `!${describe(node.operand)}`
    case 'negate': return `-${describe(node.operand)}`
    case 'goString': return `goString(${describe(node.expr)})`
    case 'goBytes': return `goBytes(${describe(node.expr)})`
    case 'cast': return `${describe(node.expr)}.as(${JSON.stringify(node.goType)})`
    case 'ifaceData': return `${describe(node.expr)}.data()`
    case 'builtin': return `${node.name}()`
    case 'local': return node.name
    case 'mapRead': return `@${node.map}[…]`
    case 'usym': return `usym(${describe(node.expr)})`
    case 'closureContext': return 'closureContext()'
    case 'probedFunction': return 'probedFunction()'
    case 'typeName': return `${describe(node.expr)}.typeName()`
    case 'hasType': return `${describe(node.expr)}.hasType(${JSON.stringify(node.name)})`
    case 'register': return `register(${JSON.stringify(node.name)})`
    case 'global': return `global(${JSON.stringify(node.name)})`
  }
}

/**
 * A number's bits as an integer; a bool (a bpftrace comparison) as 0 or 1. bpftrace 0.23
 * sign-extends a comparison converted to int64 or stored in a map (true becomes -1), but
 * zero-extends it converted to uint64, which every version reads as 0 or 1.
 */
function zeroOrOne(s: { expr: bt.Expr; go: G.IntGoType }): bt.Expr {
  return s.go === 'bool' ? G.asU64(s.expr) : s.expr
}

/** `@m[k1, k2]` as the probe wrote it, for messages. */
function slotText(map: string, keys: readonly ExprNode[]): string {
  return keys.length ? `@${map}[${keys.map(describe).join(', ')}]` : `@${map}`
}

/** What a value becomes when a map holds it or is keyed by it: Go strings are stored as bpftrace strings. */
function storedKind(v: Val): MapKeyKind & MapValueKind {
  if (v.kind === 'str' || ((v.kind === 'parts' || v.kind === 'mem') && v.type.kind === 'string')) return 'str'
  return v.kind === 'stack' ? 'stack' : 'int'
}

/**
 * The value a variable is declared with before its real assignments. bpftrace 0.17 gives a
 * variable the address space of its first value: a bare `(uint64)0` has none, so a read through
 * the variable later falls back to the untyped probe_read and warns "Addrspace is not set".
 * `uptr()` marks it as a user address; it keeps the integer type on 0.17 to 0.27.
 */
const declaredZero = (type: 'int64' | 'uint64'): bt.Expr => bt.uptr(bt.int(0, type))
