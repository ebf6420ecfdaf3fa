import * as bt from '../bpftrace/ast.ts'
import { hex } from '../binary/bytes.ts'
import type { LineNode } from '../dsl/ir.ts'
import { NoCodeError } from '../binary/line-table.ts'
import { UnknownNameError, UnsupportedError, UsageError } from '../errors.ts'
import { chooseAttach, type AttachCapabilities } from './attach.ts'
import { SiteCompiler, type ProgramScope } from './site.ts'
import type { LineSite } from './target-facts.ts'

export interface CompiledLine {
  readonly probes: bt.Probe[]
  unsafe: boolean
  readonly notes: string[]
}

const base = (file: string): string => file.slice(file.lastIndexOf('/') + 1)

/**
 * A line probe: the same statements wherever a run of the line's code begins (inlined
 * copies included; see lineEntries), one bpftrace probe per site because values such as
 * stack slots are addressed differently at each. Undefined when an optional probe's line
 * has no code here.
 */
export async function compileLine(
  p: LineNode, scope: ProgramScope, caps: AttachCapabilities, predicate: bt.Expr | undefined, prelude: readonly bt.Stmt[],
): Promise<CompiledLine | undefined> {
  const { target } = scope
  const spec = `${p.file}:${p.line}`
  let sites: LineSite[]
  try {
    sites = await target.lineSites(p.file, p.line)
  } catch (e) {
    // Only the absence of the file or line makes an optional probe go away; an ambiguous
    // file name or an unreadable binary is still an error.
    if (p.optional && (e instanceof NoCodeError || e instanceof UnknownNameError)) return undefined
    throw e
  }
  if (p.function !== undefined) {
    const all = sites
    sites = sites.filter((s) => s.function === p.function)
    if (sites.length === 0) {
      if (p.optional) return undefined
      throw new UsageError(`${spec} has no code in ${p.function}; it has code in ${[...new Set(all.map((s) => s.function))].join(', ')}`)
    }
  }
  const out: CompiledLine = { probes: [], unsafe: false, notes: [] }
  const placed: string[] = []
  for (const ls of sites) {
    const fn = await target.functionFacts(ls.function, p.declared[ls.function])
    const site = new SiteCompiler(scope, 'line', fn, undefined, ls)
    const body = [...prelude, ...site.handler([p.body])]
    const attach = chooseAttach(target, ls.site, caps)
    if ('problem' in attach) throw new UnsupportedError(`${spec}: cannot probe its code in ${ls.function} at +${hex(ls.site.offset)}: ${attach.problem}`)
    const where = `${ls.function}+${hex(ls.site.offset)}`
    const inlined = ls.inlined ? ` (inlined${ls.inlinedFunction ? ` ${ls.inlinedFunction}` : ''})` : ''
    placed.push(`${where}${inlined}`)
    const comments = [
      `${base(ls.file)}:${ls.line} in ${ls.function}${inlined}: range ${hex(ls.rangeStart)}-${hex(ls.rangeEnd)}, ` +
        `probed at ${attach.how}${ls.afterPrologue ? ', after the stack check (the range starts at the entry, which runs again when the stack grows)' : ''} (pclntab line table and the function's control flow)`,
      ...site.facts,
    ]
    if (site.usesGoroutine()) comments.push(site.goroutineNote())
    out.probes.push(bt.probe([attach.point], body, { predicate, vars: site.declarations(), comments }))
    out.unsafe ||= attach.unsafe
    out.notes.push(...site.warnings)
  }
  out.notes.unshift(`${spec}: ${sites.length} probe(s), where runs of its code begin: ${placed.join(', ')}`)
  return out
}
