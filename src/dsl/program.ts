import * as v from 'valibot'
import { UsageError } from '../errors.ts'
import { arg, Expr, receiver, result } from './expr.ts'
import type { FunctionShape, RefOf, RefType, UntypedFunction } from './go-types.ts'
import { validateParams } from './params.ts'
import type { ExprNode, HandlerNode, ParamRef, ProbeNode, ProgramNode, Site, StmtNode } from './ir.ts'
import { collect, insideHandler } from './recorder.ts'

/** Probes are registered into the program being built while its body runs. */
let probes: ProbeNode[] | undefined

function register(p: ProbeNode): void {
  if (!probes) throw new UsageError(`${p.kind} probes can only be defined inside a program's body`)
  if (insideHandler()) throw new UsageError(`${p.kind} probes cannot be defined inside a handler`)
  probes.push(p)
}

type ReceiverOf<S extends FunctionShape> = S extends { readonly receiver: infer R } ? R : unknown

/** What a return handler can read of the function's entry: values captured when it was called. */
export interface EntryView<S extends FunctionShape = UntypedFunction> {
  arg<K extends RefOf<S['params']>>(ref: K): Expr<RefType<S['params'], K>>
  receiver(): Expr<ReceiverOf<S>>
  /** Any expression evaluated at entry (e.g. `nsecs()` for latency). */
  value<T>(e: Expr<T>): Expr<T>
}

const entryView = {
  arg: (ref: ParamRef) => new Expr({ kind: 'atEntry', expr: { kind: 'arg', ref } }),
  receiver: () => new Expr({ kind: 'atEntry', expr: { kind: 'receiver' } }),
  value: <T>(e: Expr<T>) => new Expr<T>({ kind: 'atEntry', expr: e.node as ExprNode }),
}

export interface UprobeOptions {
  /**
   * Signatures to use when the binary has no DWARF, as Go text keyed by function name:
   * `{ 'os.(*File).Read': 'func(f *os.File, b []byte) (n int, err error)' }`.
   */
  signatures?: Record<string, string>
  /** Drop this probe (with a note in the output) when the binary has none of the functions. */
  optional?: boolean
}

/** The probed function's arguments at its entry; typed by the function's shape when the probe has one (see `typedUprobe`). */
export interface EntryContext<S extends FunctionShape = UntypedFunction> {
  arg<K extends RefOf<S['params']>>(ref: K): Expr<RefType<S['params'], K>>
  receiver(): Expr<ReceiverOf<S>>
}
/** A return site: the function's results, and its entry's values. */
export interface ReturnContext<S extends FunctionShape = UntypedFunction> {
  entry: EntryView<S>
  result<K extends RefOf<S['results']>>(ref: K): Expr<RefType<S['results'], K>>
}

const entryContext = { arg, receiver }
const returnContext = { entry: entryView, result }
/** At run time every view is the untyped builders: a function's shape only narrows what TypeScript accepts. */
const typedView = <V>(untyped: object): V => untyped as V

export class Uprobe<S extends FunctionShape = UntypedFunction> {
  private readonly handlers: HandlerNode[] = []
  constructor(readonly functions: readonly string[], private readonly options: UprobeOptions, private readonly pattern?: FunctionPattern) {}

  /** Statements run at the function's entry (after the stack-check prologue). */
  onEntry(fn: (ctx: EntryContext<S>) => void): this {
    return this.add('entry', () => fn(typedView<EntryContext<S>>(entryContext)))
  }
  /** Statements run at every return site, with access to values captured at entry. */
  onReturn(fn: (ctx: ReturnContext<S>) => void): this {
    return this.add('return', () => fn(typedView<ReturnContext<S>>(returnContext)))
  }
  private add(site: Site, fn: () => void): this {
    this.handlers.push({ site, body: collect(fn) })
    return this
  }
  /** @internal the IR node, read once the program's body has run. */
  toNode(): ProbeNode {
    return {
      kind: 'uprobe',
      functions: this.functions,
      declared: this.options.signatures ?? {},
      optional: this.options.optional ?? false,
      handlers: this.handlers,
      ...(this.pattern ? { pattern: { source: this.pattern.regex.source, flags: this.pattern.regex.flags } } : {}),
    }
  }
}

export interface LineOptions {
  /** Only the line's code in this function (it may be inlined into several). */
  function?: string
  /** Signatures for `arg()` when the binary has no DWARF, as for `uprobe`. */
  signatures?: Record<string, string>
  /** Drop this probe (with a note in the output) when the binary has no code for the line. */
  optional?: boolean
}

/** What a line handler can read besides registers, goroutine id, stack and maps: the enclosing function's inputs. */
export interface LineContext {
  /**
   * An argument of the function the line's code is in, read where DWARF's location lists
   * say it is at that pc; without DWARF, from its stack slot, with a warning, since the
   * function may have overwritten it or (register ABI) never stored it there.
   */
  arg(ref: ParamRef): Expr
  receiver(): Expr
}

export class LineProbe {
  private readonly body: StmtNode[] = []
  constructor(readonly file: string, readonly line: number, private readonly options: LineOptions) {}

  /** Statements run each time the line runs: once per run of its code (a loop header once to start and once per iteration). */
  onHit(fn: (ctx: LineContext) => void): this {
    this.body.push(...collect(() => fn(entryContext)))
    return this
  }
  /** @internal the IR node, read once the program's body has run. */
  toNode(): ProbeNode {
    return {
      kind: 'line', file: this.file, line: this.line, declared: this.options.signatures ?? {}, optional: this.options.optional ?? false, body: this.body,
      ...(this.options.function === undefined ? {} : { function: this.options.function }),
    }
  }
}

/**
 * Probe a source line: `line('handler.go:42')`, the file as a path or a tail of one. The
 * probe attaches wherever a run of the line's code begins, inlined copies included;
 * `goprobe lines <binary> handler.go:42` shows where.
 */
export function line(spec: string, options: LineOptions = {}): LineProbe {
  const m = /^(.+?\.(?:go|s)):(\d+)$/.exec(spec)
  if (!m || Number(m[2]) <= 0) throw new UsageError(`line(${JSON.stringify(spec)}): expected 'file.go:LINE' (or an assembly 'file.s:LINE') with a line number from 1`)
  const list = pendingUprobes[pendingUprobes.length - 1]
  if (!list) throw new UsageError('line can only be used inside a program body')
  if (insideHandler()) throw new UsageError('line cannot be defined inside a handler')
  const probe = new LineProbe(m[1]!, Number(m[2]), options)
  list.push(probe)
  return probe
}

/** The uprobes of each program body being built; only their nodes are read. */
const pendingUprobes: Pick<Uprobe, 'toNode'>[][] = []

/** Every function of the binary whose name matches `regex`, for `uprobe(functions(/^main\./))`. */
export class FunctionPattern {
  readonly regex: RegExp
  constructor(regex: RegExp | string) {
    // A global or sticky regex remembers its last match; the compiler tests names one by one.
    this.regex = typeof regex === 'string' ? new RegExp(regex) : new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''))
  }
}

/**
 * The functions matching `regex`, resolved by the compiler against the binary: each gets its
 * own copy of the probe, in which `probedFunction()` is its name.
 */
export const functions = (regex: RegExp | string): FunctionPattern => new FunctionPattern(regex)

/**
 * Probe a Go function by name (`main.f`, `net/http.(*Client).do`), the first of several
 * alternatives the binary has, or every function matching a pattern (`functions(/re/)`).
 */
export function uprobe<S extends FunctionShape = UntypedFunction>(fn: string | readonly string[] | FunctionPattern, options: UprobeOptions = {}): Uprobe<S> {
  const pattern = fn instanceof FunctionPattern ? fn : undefined
  const names = pattern ? [] : typeof fn === 'string' ? [fn] : [...(fn as readonly string[])]
  if (!pattern && (names.length === 0 || names.some((n) => n.length === 0))) throw new UsageError('uprobe needs at least one non-empty function name')
  const list = pendingUprobes[pendingUprobes.length - 1]
  if (!list) throw new UsageError('uprobe can only be used inside a program body')
  if (insideHandler()) throw new UsageError('uprobe cannot be defined inside a handler')
  const u = new Uprobe<S>(names, options, pattern)
  list.push(u)
  return u
}

/** `uprobe` restricted to the functions of a map `goprobe types` generated, with typed arguments and results. */
export type TypedUprobe<F extends { [N in keyof F]: FunctionShape }> =
  <N extends keyof F & string>(fn: N | readonly N[], options?: UprobeOptions) => Uprobe<F[N]>

/**
 * `const uprobe = typedUprobe<Functions>()`, with `Functions` imported (as a type) from the
 * declarations `goprobe types` wrote for a binary: unknown function names, parameter names and
 * fields are then TypeScript errors. It is `uprobe` itself at run time.
 */
export function typedUprobe<F extends { [N in keyof F]: FunctionShape }>(): TypedUprobe<F> {
  return uprobe
}

export const begin = (fn: () => void): void => register({ kind: 'begin', body: collect(fn) })
export const end = (fn: () => void): void => register({ kind: 'end', body: collect(fn) })
/** Run every `every` seconds (or milliseconds with unit 'ms'). */
export function interval(every: number, fn: () => void, unit: 's' | 'ms' = 's'): void {
  if (!Number.isInteger(every) || every <= 0) throw new UsageError(`interval must be a positive integer (got ${every})`)
  register({ kind: 'interval', unit, every, body: collect(fn) })
}
/** Run when a traced process exits: the place to print and clear per-process state. */
export const onProcessExit = (fn: () => void): void => register({ kind: 'processExit', body: collect(fn) })

export type ParamsSchema = v.GenericSchema<Record<string, unknown>, Record<string, unknown>>

export interface ProgramMeta<S extends ParamsSchema> {
  name: string
  description: string
  /** valibot schema for `key=value` parameters; repeated keys arrive as arrays. */
  params?: S
  /** Example parameters shown in --help. */
  examples?: readonly string[]
}

export interface ProgramDefinition<S extends ParamsSchema = ParamsSchema> {
  readonly kind: 'goprobe-program'
  readonly meta: ProgramMeta<S>
  /** Validate raw parameters and build the IR. */
  build(raw: Record<string, string | string[]>): ProgramNode
}

/**
 * Define a probe program. Pass the module's `import.meta` so that running the module
 * directly (`tsx probes/x.ts <binary> ...`) compiles it against that binary.
 */
export function program<S extends ParamsSchema>(
  module: ImportMeta,
  meta: ProgramMeta<S>,
  body: (params: v.InferOutput<S>) => void,
): ProgramDefinition<S> {
  const def: ProgramDefinition<S> = {
    kind: 'goprobe-program',
    meta,
    build(raw) {
      const params = validateParams(meta.name, meta.params, raw) as v.InferOutput<S>
      const outer = probes
      probes = []
      pendingUprobes.push([])
      try {
        body(params)
        const ups = pendingUprobes[pendingUprobes.length - 1]!
        // Uprobes and line probes are ordered by creation; begin/end/interval by registration, after them.
        const all: ProbeNode[] = [...ups.map((u) => u.toNode()), ...probes]
        return { name: meta.name, description: meta.description, probes: all }
      } finally {
        pendingUprobes.pop()
        probes = outer
      }
    },
  }
  scheduleDirectRun(module, def as ProgramDefinition)
  return def
}

type DirectRunner = (def: ProgramDefinition) => Promise<void>
let directRunner: DirectRunner | undefined
/** The CLI registers how to run a module executed directly; the DSL itself knows nothing of argv. */
export function setDirectRunner(r: DirectRunner): void {
  directRunner = r
}

function scheduleDirectRun(module: ImportMeta, def: ProgramDefinition): void {
  const main = process.argv[1]
  if (!main || !module.filename) return
  if (module.filename !== main && module.filename !== `${main}.ts`) return
  // Run after the module finishes evaluating, so everything it defines exists.
  setImmediate(() => {
    if (!directRunner) {
      process.stderr.write('goprobe: internal error: no runner registered for direct execution\n')
      process.exitCode = 70
      return
    }
    void directRunner(def)
  })
}

