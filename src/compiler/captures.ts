import * as bt from '../bpftrace/ast.ts'
import type { ExprNode, HandlerNode, StmtNode } from '../dsl/ir.ts'
import type { GoType } from '../gotypes/types.ts'
import { asI64, asU64, heldSigned, staticType, typed, type IntGoType } from './go-int.ts'
import type { SiteCompiler } from './site.ts'
import { wordsOf, type Val } from './values.ts'

/**
 * Values a function's return handlers read "as they were at entry". Each is evaluated
 * at the entry probe, split into words, and stored in maps keyed by the activation
 * (goroutine id, stack depth); the return probe rebuilds the value from those maps and
 * deletes them. A return without a recorded entry (tracing started mid-call) is skipped
 * instead of reading zeros: the map of a captured value that is never zero (`nsecs()`)
 * tells whether the entry was seen, else a liveness map marks the activations that were.
 */
export class Captures {
  private readonly nodes: ExprNode[] = []
  private readonly keys: string[] = []
  private readonly shapes = new Map<number, Shape>()
  private readonly maps: string[] = []
  /** The map whose non-zero value proves the entry was seen, when a capture gives one. */
  private witness: string | undefined

  constructor(private readonly prefix: string, handlers: readonly HandlerNode[]) {
    for (const h of handlers) if (h.site === 'return') for (const s of h.body) collectStmt(s, (n) => this.add(n))
  }

  get any(): boolean {
    return this.nodes.length > 0
  }

  get liveMap(): string {
    return `${this.prefix}_live`
  }

  /** Every internal map used, to clear at the end. */
  internalMaps(): string[] {
    if (!this.any) return []
    return this.witness ? [...this.maps] : [this.liveMap, ...this.maps]
  }

  private add(node: ExprNode): void {
    const key = JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
    if (!this.keys.includes(key)) {
      this.keys.push(key)
      this.nodes.push(node)
    }
  }

  /** The expressions evaluated at entry, in the order `store` evaluates them. */
  get capturedNodes(): readonly ExprNode[] {
    return this.nodes
  }

  /** Statements for the entry probe: evaluate and store every captured value, then mark the activation live. */
  store(entry: SiteCompiler): bt.Stmt[] {
    if (!this.any) return []
    return entry.inStatement(() => this.storeAll(entry))
  }

  private storeAll(entry: SiteCompiler): bt.Stmt[] {
    const key = entry.activationKey()
    const out: bt.Stmt[] = []
    this.nodes.forEach((node, id) => {
      const v = entry.expr(node)
      const words = wordsOf(v, `entry value #${id}`)
      const shape: Shape = v.kind === 'parts' || v.kind === 'mem'
        ? { kind: 'go', type: v.type, words: words.map((w) => ({ offset: w.offset, size: w.size, stored: staticType(w.expr) })) }
        : v.kind === 'int' ? { kind: 'int', go: v.go } : { kind: v.kind === 'bytes' || v.kind === 'stack' ? v.kind : 'str' }
      this.shapes.set(id, shape)
      words.forEach((w, i) => {
        const name = `${this.prefix}_v${id}_${i}`
        if (!this.maps.includes(name)) this.maps.push(name)
        out.push(bt.assignMap(bt.map(name, ...key), w.expr))
      })
    })
    // nsecs() is time since boot, never zero: its map already says whether the entry was seen,
    // which saves a map update per call and a lookup per return.
    const never0 = this.nodes.findIndex((n) => n.kind === 'builtin' && n.name === 'nsecs')
    this.witness = never0 >= 0 ? `${this.prefix}_v${never0}_0` : undefined
    if (!this.witness) out.push(bt.assignMap(bt.map(this.liveMap, ...key), bt.int(1, 'uint64')))
    return out
  }

  /** How the return site reads a captured value. */
  reader(ret: () => SiteCompiler): (node: ExprNode) => Val {
    return (node) => {
      const id = this.keys.indexOf(JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
      const shape = this.shapes.get(id)
      if (!shape) throw new Error('internal: entry value read before it was stored')
      const site = ret()
      const key = site.activationKey()
      const lookup = (i: number) => bt.map(`${this.prefix}_v${id}_${i}`, ...key)
      // Numbers are read from their maps once, into variables at the top of the probe: a map
      // lookup inside an arm of `?:` gives a wrong value on bpftrace 0.22 and 0.23 (see dialect.ts).
      const read = (i: number) => site.readOnce(`${this.prefix}_v${id}_${i}`, lookup(i))
      if (shape.kind === 'int') {
        // Typed again on reading: a map's value type is whatever bpftrace made of the first store.
        const go = shape.go
        return { kind: 'int', expr: go === 'bool' || go === 'untyped' || go === 'any' ? read(0) : heldSigned(go) ? asI64(typed(read(0), 'int64')) : asU64(typed(read(0), 'uint64')), go }
      }
      if (shape.kind !== 'go') return { kind: shape.kind, expr: lookup(0) }
      // A map's values have the type of what was stored (from 0.27 a cast to it again is warned about).
      const word = (i: number, stored: ReturnType<typeof staticType>) => (stored === undefined || stored === 'bool' ? read(i) : typed(read(i), stored))
      return { kind: 'parts', type: shape.type, parts: shape.words.map((w, i) => ({ offset: w.offset, size: w.size, expr: word(i, w.stored) })) }
    }
  }

  /** Wrap a return handler so it runs only for live activations, then forget the activation. */
  guardReturn(ret: SiteCompiler, body: bt.Stmt[]): bt.Stmt[] {
    if (!this.any) return body
    const key = ret.activationKey()
    return [
      bt.ifStmt(bt.map(this.witness ?? this.liveMap, ...key), body),
      ...this.internalMaps().map((m) => bt.del(bt.map(m, ...key))),
    ]
  }
}

type Shape =
  | { kind: 'go'; type: GoType; words: { offset: number; size: number; stored: ReturnType<typeof staticType> }[] }
  | { kind: 'int'; go: IntGoType }
  /** Stored whole, and read back as the same kind of value (`%r` takes bytes, `%s` a stack). */
  | { kind: 'str' | 'bytes' | 'stack' }

function collectStmt(s: StmtNode, visit: (n: ExprNode) => void): void {
  const e = (n: ExprNode | undefined) => n && collectExpr(n, visit)
  switch (s.kind) {
    case 'printf': s.args.forEach(e); break
    case 'mapSet': s.keys.forEach(e); e(s.value); break
    case 'mapAggregate': s.keys.forEach(e); e(s.value); break
    case 'mapDelete': s.keys.forEach(e); break
    case 'if': e(s.cond); s.then.forEach((t) => collectStmt(t, visit)); s.else.forEach((t) => collectStmt(t, visit)); break
    case 'local': e(s.value); break
    case 'snapshot': e(s.expr); break
    default: break
  }
}

function collectExpr(n: ExprNode, visit: (n: ExprNode) => void): void {
  if (n.kind === 'atEntry') {
    visit(n.expr)
    return
  }
  for (const child of Object.values(n)) {
    if (child && typeof child === 'object' && 'kind' in child) collectExpr(child as ExprNode, visit)
    if (Array.isArray(child)) for (const c of child) if (c && typeof c === 'object' && 'kind' in c) collectExpr(c as ExprNode, visit)
  }
}
