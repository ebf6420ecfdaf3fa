import { groupNotes, type Note } from './notes.ts'
import * as bt from '../bpftrace/ast.ts'
import { hex } from '../binary/bytes.ts'
import type { HandlerNode, ProgramNode, UprobeNode } from '../dsl/ir.ts'
import { GoprobeError, UnknownNameError, UnsupportedError, UsageError } from '../errors.ts'
import { chooseAttach, type AttachCapabilities, type AttachChoice } from './attach.ts'
import { Captures } from './captures.ts'
import { readEntryValuesAtEntry } from './entry-reads.ts'
import { minus } from './go-int.ts'
import { compileLine } from './line-probe.ts'
import { expandPatterns } from './patterns.ts'
import { KindNotKnownYet, MapUses } from './map-uses.ts'
import { SiteCompiler, type ProgramScope } from './site.ts'
import type { FunctionFacts, TargetFacts } from './target-facts.ts'

export interface CompileOptions {
  readonly capabilities: AttachCapabilities
  /** Bytes read for Go strings (and the bpftrace string length to configure). */
  readonly strlen: number
  /** Only trace these processes. */
  readonly pid?: ProcessFilter
  /**
   * A line the END probe prints after everything else, so that whoever runs the program can
   * tell the program's own output from what bpftrace prints after END (the maps).
   */
  readonly exitMarker?: string
  /** The bpftrace(s) printed for can read count()/sum()/min()/max()/avg() maps in expressions (0.21+). */
  readonly aggregationsReadable: boolean
}

/**
 * A pid; the child bpftrace starts with `-c` (`cpid`); or every process in a cgroup v2
 * directory (`cgroupid(path)`), which follows a command through wrappers and shells.
 */
export type ProcessFilter = number | 'child' | { readonly cgroup: string }

export interface CompiledProgram {
  readonly program: bt.Program
  /** The program needs `bpftrace --unsafe`. */
  readonly unsafe: boolean
  /** Things the user should know (probes dropped, fallbacks taken), one line each; a note many functions share is one line. */
  readonly notes: readonly string[]
}

const OPTIONAL_LEFT_OUT = 'optional probe left out'

/**
 * Compile a probe program's IR against one binary into a bpftrace AST. Map kinds are a
 * property of the whole program (map-uses.ts): survey passes learn them, skipping what
 * cannot compile yet, until a pass learns nothing new; then the real pass compiles with all
 * of them known.
 */
export async function compileProgram(ir: ProgramNode, target: TargetFacts, options: CompileOptions): Promise<CompiledProgram> {
  let known = new MapUses(true)
  // Each pass learns at least one more map or gives up: a map's kind can depend on another's
  // (`@b = @a`), so chains need as many passes as they are long.
  for (let pass = 0; pass < SURVEY_PASSES; pass++) {
    const survey = new MapUses(true, known)
    try {
      await compilePass(ir, target, options, survey)
    } catch (e) {
      // Outside a statement (a value captured at entry) nothing is skipped: keep what was
      // learned; the real pass reports the error if it still stands.
      if (!(e instanceof GoprobeError || e instanceof KindNotKnownYet)) throw e
    }
    if (!survey.learnedMoreThan(known)) break
    known = survey
  }
  return compilePass(ir, target, options, new MapUses(false, known))
}

/** Enough for maps whose kinds depend on each other in chains of this length. */
const SURVEY_PASSES = 8

async function compilePass(ir: ProgramNode, target: TargetFacts, options: CompileOptions, maps: MapUses): Promise<CompiledProgram> {
  const scope: ProgramScope = { target, strlen: options.strlen, maps, aggregationsReadable: options.aggregationsReadable, longKeys: new Map() }
  const notes: Note[] = []
  const internalMaps: string[] = []
  let unsafe = false
  const needPids = !options.pid && ir.probes.some((p) => p.kind === 'processExit')
  const uprobePredicate = pidPredicate(options.pid)

  const begins: bt.Probe[] = []
  const uprobes: bt.Probe[] = []
  const others: bt.Probe[] = []
  const ends: bt.Stmt[] = []
  let endSite: SiteCompiler | undefined

  let index = 0
  for (const p of expandPatterns(ir.probes, target)) {
    if (p.kind === 'uprobe') {
      const compiled = await compileUprobe(p, index++, scope, options, uprobePredicate, needPids)
      if (!compiled) {
        notes.push({ text: `${OPTIONAL_LEFT_OUT}: not in this binary`, subject: p.functions.join(' | ') })
        continue
      }
      uprobes.push(...compiled.probes)
      internalMaps.push(...compiled.internalMaps)
      unsafe ||= compiled.unsafe
      notes.push(...compiled.notes)
      continue
    }
    if (p.kind === 'line') {
      const pidStmt = needPids ? [bt.assignMap(bt.map('__pids', bt.builtin('pid')), bt.int(1, 'uint64'))] : []
      const compiled = await compileLine(p, scope, options.capabilities, uprobePredicate, pidStmt)
      if (!compiled) {
        notes.push({ text: `${OPTIONAL_LEFT_OUT}: no code for it in this binary`, subject: `${p.file}:${p.line}` })
        continue
      }
      uprobes.push(...compiled.probes)
      unsafe ||= compiled.unsafe
      notes.push(...compiled.notes.map((text) => ({ text })))
      continue
    }
    // Every END handler goes into one END probe, so they share one compiler: one set of
    // scratch variables, declared once at the top of that probe.
    const site = p.kind === 'end' ? (endSite ??= new SiteCompiler(scope, 'plain', undefined)) : new SiteCompiler(scope, 'plain', undefined)
    site.label = p.kind === 'begin' ? 'BEGIN' : p.kind === 'end' ? 'END' : p.kind === 'interval' ? `the handler run every ${p.every}${p.unit}` : 'the process-exit handler'
    const body = site.handler([p.body])
    const vars = site.declarations()
    switch (p.kind) {
      case 'begin': begins.push(bt.probe([bt.begin()], body, { vars })); break
      case 'end': ends.push(...body); break
      case 'interval': others.push(bt.probe([bt.interval(p.unit, p.every)], body, { vars, comments: [`every ${p.every}${p.unit}`] })); break
      case 'processExit': {
        // The tracepoint fires for every thread; the thread group leader's exit is the process's.
        const leader = bt.binary(bt.builtin('tid'), '==', bt.builtin('pid'))
        const traced = needPids ? bt.map('__pids', bt.builtin('pid')) : pidPredicate(options.pid)
        others.push(bt.probe([bt.tracepoint('sched', 'sched_process_exit')], needPids ? [...body, bt.del(bt.map('__pids', bt.builtin('pid')))] : body, {
          predicate: traced ? bt.binary(traced, '&&', leader) : leader,
          vars,
          comments: ['a traced process exits'],
        }))
        break
      }
    }
  }
  const leftOut = notes.filter((n) => n.text.startsWith(OPTIONAL_LEFT_OUT)).map((n) => n.subject)
  if (leftOut.length && uprobes.length === 0) {
    // Every part was optional and none is in the binary: nothing would be traced.
    throw new UsageError(`${ir.name}: this binary has none of what the probe traces (${leftOut.join(', ')})`)
  }
  if (needPids) internalMaps.push('__pids')
  // bpftrace prints every map at exit; goprobe's bookkeeping maps are not for the user.
  const marker = options.exitMarker === undefined ? [] : [bt.printf(`${options.exitMarker}\n`)]
  // The names behind long-name labels are printed from the program text, before the maps.
  const legend = [...scope.longKeys].map(([name, label]) => bt.printf(`${label} = ${name}\n`))
  const endBody = [...ends, ...legend, ...internalMaps.map((m) => bt.clear(bt.map(m))), ...marker]
  if (endBody.length) others.push(bt.probe([bt.end()], endBody, { vars: endSite?.declarations() ?? [] }))

  return {
    program: bt.program([...begins, ...uprobes, ...others], { strlen: options.strlen }),
    unsafe,
    notes: groupNotes(notes),
  }
}

/** A name from the binary as it can be shown in a comment: quoted when it has unusual characters. */
function shown(name: string): string {
  return /^[\x21-\x7e]+$/.test(name) ? name : JSON.stringify(name)
}

function pidPredicate(pid: CompileOptions['pid']): bt.Expr | undefined {
  if (pid === undefined) return undefined
  if (typeof pid === 'object') return bt.binary(bt.builtin('cgroup'), '==', bt.cgroupId(pid.cgroup))
  return bt.binary(bt.builtin('pid'), '==', pid === 'child' ? bt.builtin('cpid') : bt.int(pid, 'uint64'))
}

interface CompiledUprobe {
  probes: bt.Probe[]
  internalMaps: string[]
  unsafe: boolean
  notes: Note[]
}

async function compileUprobe(
  p: UprobeNode, index: number, scope: ProgramScope, options: CompileOptions,
  predicate: bt.Expr | undefined, trackPids: boolean,
): Promise<CompiledUprobe | undefined> {
  const { target } = scope
  const name = target.findFunction(p.functions)
  if (!name) {
    if (p.optional) return undefined
    const first = p.functions[0]!
    const others = p.functions.length > 1 ? ` (nor ${p.functions.slice(1).join(', ')})` : ''
    throw new UnknownNameError(`function${others}`, first, target.suggestFunctions(first))
  }
  const fn = await target.functionFacts(name, p.declared[name])
  const prefix = `__p${index}`
  const handlers = p.handlers.map(readEntryValuesAtEntry)
  // A function whose body is one RET (its argument already in the result register) has its
  // entry and return probes at one address, run in an order bpftrace does not define: its
  // return reads "entry" values where it is, the same instant, and nothing is stored.
  const returnIsEntry = fn.returnSites.length > 0 && fn.returnSites.every((rs) => rs.vaddr === fn.entrySite.vaddr)
  const captures = new Captures(prefix, returnIsEntry ? [] : handlers)
  const entryHandlers = handlers.filter((h) => h.site === 'entry')
  const returnHandlers = handlers.filter((h) => h.site === 'return')
  const out: CompiledUprobe = { probes: [], internalMaps: [], unsafe: false, notes: [] }
  const pidStmt = trackPids ? [bt.assignMap(bt.map('__pids', bt.builtin('pid')), bt.int(1, 'uint64'))] : []

  // Entry: compile the user's statements and the captures in one site, so they share locals.
  if (entryHandlers.length || captures.any) {
    const site = new SiteCompiler(scope, 'entry', fn)
    const attach = entryAttach(fn, target, options.capabilities)
    // The captured values are evaluated last, in the same handler: an expression both used at entry and captured has one value.
    const userBody = site.handler(entryHandlers.map((h: HandlerNode) => h.body), captures.capturedNodes)
    let body = [...pidStmt, ...userBody, ...captures.store(site)]
    if (attach.guarded) {
      // At the first instruction, evaluate the stack check the function is about to make: a hit
      // that will call morestack runs again from the first instruction on the new stack, so only
      // the hit whose check passes is the call. (A preemption request fails the check too.)
      const check = fn.stackCheck!
      site.activationKey()
      const sp = check.spAdjust ? minus(bt.reg('sp'), bt.int(check.spAdjust, 'uint64')) : bt.reg('sp')
      const stackguard = bt.deref('uint64', bt.binary(bt.variable('__g'), '+', bt.int(check.guardOffset, 'uint64')))
      body = [bt.ifStmt(bt.binary(sp, '>', stackguard), body)]
      out.notes.push({ subject: fn.name, text: 'entry probed at the first instruction, skipping the hit that grows the stack (this bpftrace cannot attach after the prologue)' })
    }
    const vars = site.declarations()
    const comments = [`${shown(fn.name)} entry: ${attach.choice.how}${attach.note}`]
    comments.push(...site.facts)
    if (site.usesGoroutine()) comments.push(site.goroutineNote())
    out.probes.push(bt.probe([attach.choice.point], body, { predicate, vars, comments }))
    out.unsafe ||= attach.choice.unsafe
  }

  if (returnHandlers.length) {
    if (fn.returnSites.length === 0) {
      throw new UnsupportedError(`${fn.name} has no RET instruction${fn.tailJumps ? ` (it returns only through ${fn.tailJumps} tail call(s))` : ''}: return probes cannot be placed`)
    }
    const site: SiteCompiler = new SiteCompiler(scope, 'return', fn, returnIsEntry ? (node) => site.atEntryInstant(node) : captures.reader(() => site))
    const points: bt.AttachPoint[] = []
    const hows: string[] = []
    for (const rs of fn.returnSites) {
      const choice = chooseAttach(target, rs, options.capabilities)
      if ('problem' in choice) throw new UnsupportedError(`${fn.name}: cannot probe its return at +${hex(rs.offset)}: ${choice.problem}`)
      points.push(choice.point)
      hows.push(`+${hex(rs.offset)}`)
      out.unsafe ||= choice.unsafe
    }
    const userBody = site.handler(returnHandlers.map((h) => h.body))
    const body = [...pidStmt, ...captures.guardReturn(site, userBody)]
    const comments = [`${shown(fn.name)} returns: ${fn.returnSites.length} RET site(s) at ${hows.join(', ')} (disassembly; never uretprobe: Go stacks move)`]
    if (returnIsEntry) comments.push('the return is the entry instruction: values "at entry" are read where they are')
    if (fn.tailJumps) comments.push(`${shown(fn.name)} also leaves through ${fn.tailJumps} tail jump(s), which return through the callee and are not probed`)
    comments.push(...site.facts)
    if (site.usesGoroutine()) comments.push(site.goroutineNote())
    out.probes.push(bt.probe(points, body, { predicate, vars: site.declarations(), comments }))
  }
  for (const w of fn.locationWarnings) out.notes.push({ subject: fn.name, text: w })
  // Known only now: the entry site decided how many words each captured value takes.
  out.internalMaps.push(...captures.internalMaps())
  return out
}

/**
 * The entry site: after the stack check when the function has one (a probe at the
 * first byte fires again when morestack restarts the function), else the first byte.
 * When the bpftrace cannot attach mid-function, fall back to the first byte with a guard.
 */
function entryAttach(fn: FunctionFacts, target: TargetFacts, caps: AttachCapabilities): { choice: AttachChoice; guarded: boolean; note: string } {
  const choice = chooseAttach(target, fn.entrySite, caps)
  if (!('problem' in choice)) {
    return { choice, guarded: false, note: fn.hasStackCheck ? ', after the stack-check prologue (disassembly)' : ' (no stack check: leaf function)' }
  }
  if (!fn.stackCheck) throw new UnsupportedError(`${fn.name}: cannot probe its entry: ${choice.problem} (and its stack check has a shape goprobe cannot evaluate at the first instruction)`)
  const first = { offset: 0, vaddr: fn.entry, fileOffset: fn.entrySite.fileOffset - fn.entrySite.offset }
  const fallback = chooseAttach(target, first, caps)
  if ('problem' in fallback) throw new UnsupportedError(`${fn.name}: cannot probe its entry: ${fallback.problem}`)
  return { choice: fallback, guarded: true, note: `, at the first instruction, counted only when SP${fn.stackCheck.spAdjust ? `-${hex(fn.stackCheck.spAdjust)}` : ''} > g+${hex(fn.stackCheck.guardOffset)} (the stack check passes; otherwise morestack re-runs the entry)` }
}

