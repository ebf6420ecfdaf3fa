/**
 * One value per expression per hit. An expression object the probe uses in several places
 * (`const took = nsecs().sub(...)`, printed and put in a histogram) must have one value each
 * time its handler runs, so it is evaluated once into a scratch variable and reused. This
 * pass finds those expressions in a handler (by object identity: two calls of `nsecs()` are
 * two values) and where to evaluate each: before the statement of its first use, in the
 * innermost block that holds every use, so the variable is set on every path that reads it.
 */
import type { ExprNode, StmtNode } from '../dsl/ir.ts'

export interface SharingPlan {
  /** Expressions used more than once. */
  readonly shared: ReadonlySet<ExprNode>
  /** Shared expressions to evaluate right before a statement, in order of first use. */
  readonly before: ReadonlyMap<StmtNode, readonly ExprNode[]>
}

/** One step of the path from a handler's top level to a use: a statement and which part of it holds the use. */
interface Step { readonly stmt: StmtNode | 'trailing'; readonly part: 'self' | 'then' | 'else' }

/**
 * Plans the handler `body` followed by `trailing` expressions evaluated after it at the top
 * level (values captured at entry for the return probes).
 */
export function planSharing(body: readonly StmtNode[], trailing: readonly ExprNode[] = []): SharingPlan {
  const uses = new Map<ExprNode, Step[][]>()
  const visit = (n: ExprNode, path: Step[]): void => {
    const seen = uses.get(n)
    if (seen) {
      // Its parts are evaluated once, with it: only the first occurrence counts for them.
      seen.push(path)
      return
    }
    uses.set(n, [path])
    for (const child of children(n)) visit(child, path)
  }
  const walk = (stmts: readonly StmtNode[], prefix: Step[]): void => {
    for (const s of stmts) {
      const here = [...prefix, { stmt: s, part: 'self' as const }]
      for (const e of stmtExprs(s)) visit(e, here)
      if (s.kind === 'if') {
        walk(s.then, [...prefix, { stmt: s, part: 'then' }])
        walk(s.else, [...prefix, { stmt: s, part: 'else' }])
      }
    }
  }
  walk(body, [])
  for (const e of trailing) visit(e, [{ stmt: 'trailing', part: 'self' }])

  const shared = new Set<ExprNode>()
  const before = new Map<StmtNode, ExprNode[]>()
  for (const [node, paths] of uses) {
    if (paths.length < 2 || isConstant(node)) continue
    shared.add(node)
    const target = hoistTarget(paths)
    // Uses only among the trailing expressions: evaluated at the first of them.
    if (target === 'trailing') continue
    const list = before.get(target) ?? []
    list.push(node)
    before.set(target, list)
  }
  return { shared, before }
}

/** The statement before which every path's use is reachable: where the paths part, at the first path's statement. */
function hoistTarget(paths: readonly Step[][]): StmtNode | 'trailing' {
  const first = paths[0]!
  for (let level = 0; ; level++) {
    const step = first[level]!
    const together = paths.every((p) => p[level] && p[level]!.stmt === step.stmt && p[level]!.part === step.part)
    if (!together || step.part === 'self' || level === first.length - 1) return step.stmt
  }
}

const isConstant = (n: ExprNode): boolean => n.kind === 'literal' || n.kind === 'probedFunction'

function stmtExprs(s: StmtNode): ExprNode[] {
  switch (s.kind) {
    case 'printf': return [...s.args]
    case 'mapSet': return [...s.keys, s.value]
    case 'mapAggregate': return s.value ? [...s.keys, s.value] : [...s.keys]
    case 'mapDelete': return [...s.keys]
    case 'if': return [s.cond]
    case 'local': return [s.value]
    case 'snapshot': return [s.expr]
    default: return []
  }
}

/** The sub-expressions evaluated with `n` (not those of `atEntry`, which were evaluated at entry). */
function children(n: ExprNode): ExprNode[] {
  switch (n.kind) {
    case 'atEntry': return []
    case 'field': case 'deref': case 'len': case 'isNil': case 'cap': return [n.base]
    case 'index': return [n.base, n.index]
    case 'binary': return [n.left, n.right]
    case 'not': case 'negate': return [n.operand]
    case 'goString': case 'cast': case 'ifaceData': case 'usym': case 'typeName': case 'hasType': return [n.expr]
    case 'goBytes': return n.length ? [n.expr, n.length] : [n.expr]
    case 'mapRead': return [...n.keys]
    default: return []
  }
}
