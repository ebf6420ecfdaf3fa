/**
 * `entry.arg('p').field('N')` means the field as it was at entry, not what the pointer points
 * at by the time the function returns. Before compiling a return handler, reads applied to an
 * entry value (fields, dereferences, lengths, nil tests, constant indexes, conversions) move
 * inside it, so the entry probe reads them and captures the result. A Go string captured this
 * way keeps its header (pointer and length) from entry and its bytes are read at return:
 * Go strings are immutable, so those bytes are still the string's.
 */
import type { ExprNode, HandlerNode, StmtNode } from '../dsl/ir.ts'

export function readEntryValuesAtEntry(handler: HandlerNode): HandlerNode {
  if (handler.site !== 'return') return handler
  // The same expression object stays one object, so that it keeps one value (sharing.ts).
  const memo = new Map<ExprNode, ExprNode>()
  const expr = (n: ExprNode): ExprNode => {
    const known = memo.get(n)
    if (known) return known
    const out = rewrite(n, expr)
    memo.set(n, out)
    return out
  }
  const stmt = (s: StmtNode): StmtNode => {
    switch (s.kind) {
      case 'printf': return { ...s, args: s.args.map(expr) }
      case 'mapSet': return { ...s, keys: s.keys.map(expr), value: expr(s.value) }
      case 'mapAggregate': return s.value ? { ...s, keys: s.keys.map(expr), value: expr(s.value) } : { ...s, keys: s.keys.map(expr) }
      case 'mapDelete': return { ...s, keys: s.keys.map(expr) }
      case 'if': return { ...s, cond: expr(s.cond), then: s.then.map(stmt), else: s.else.map(stmt) }
      case 'local': return { ...s, value: expr(s.value) }
      case 'snapshot': return { ...s, expr: expr(s.expr) }
      default: return s
    }
  }
  return { ...handler, body: handler.body.map(stmt) }
}

function rewrite(n: ExprNode, expr: (n: ExprNode) => ExprNode): ExprNode {
  switch (n.kind) {
    case 'field': case 'deref': case 'len': case 'cap': case 'isNil': {
      const base = expr(n.base)
      return base.kind === 'atEntry' ? { kind: 'atEntry', expr: { ...n, base: base.expr } } : { ...n, base }
    }
    case 'index': {
      const base = expr(n.base)
      const index = expr(n.index)
      if (base.kind === 'atEntry' && index.kind === 'literal') return { kind: 'atEntry', expr: { ...n, base: base.expr, index } }
      return { ...n, base, index }
    }
    case 'cast': {
      const inner = expr(n.expr)
      return inner.kind === 'atEntry' ? { kind: 'atEntry', expr: { ...n, expr: inner.expr } } : { ...n, expr: inner }
    }
    case 'binary': return { ...n, left: expr(n.left), right: expr(n.right) }
    case 'not': case 'negate': return { ...n, operand: expr(n.operand) }
    case 'goString': case 'ifaceData': case 'usym': case 'typeName': case 'hasType': return { ...n, expr: expr(n.expr) }
    case 'goBytes': return n.length ? { ...n, expr: expr(n.expr), length: expr(n.length) } : { ...n, expr: expr(n.expr) }
    case 'mapRead': return { ...n, keys: n.keys.map(expr) }
    default: return n
  }
}
