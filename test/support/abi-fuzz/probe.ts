/**
 * The goprobe program of the ABI fuzz, written with the public API only: for every probed
 * function, an entry handler printing the receiver and every argument and a return handler
 * printing every result, in the line format the Go program logs (leaves.ts).
 */
import { arg, goBytes, printf, program, receiver, result, uprobe, when, type Expr, type ProgramDefinition } from '../../../src/index.ts'
import { MAX_BYTES, printNodes, type PrintNode, type Step } from './leaves.ts'
import type { FuzzFunction } from './model.ts'
import { paramList, resultList } from './signatures.ts'

/**
 * The function's name in the binary. Generic instantiations are named after their shape
 * (`main.G3[go.shape.int8]`; `main.G3[go.shape.int8_0]` with go1.19), so they are looked up.
 */
export function symbolName(f: FuzzFunction, functionNames: readonly string[]): string | undefined {
  if (f.typeArg) return functionNames.find((n) => n.startsWith(`main.${f.ident}[`))
  if (!f.receiver) return `main.${f.ident}`
  return f.receiver.pointer ? `main.(*${f.receiver.struct.name}).${f.ident}` : `main.${f.receiver.struct.name}.${f.ident}`
}

/** The signature as Go text for binaries without DWARF (and generic instantiations, which DWARF lists incompletely). */
export function declaredSignature(f: FuzzFunction): string {
  const recv = f.receiver ? `(recv ${f.receiver.pointer ? '*' : ''}main.${f.receiver.struct.name}) ${f.ident}` : ''
  return `func ${recv}(${paramList(f, 'declared')}) ${resultList(f, 'declared')}`.trimEnd()
}

export function fuzzProbe(functions: readonly { fn: FuzzFunction; symbol: string }[]): ProgramDefinition {
  return program(import.meta, { name: 'abi-fuzz', description: 'every argument at entry and every result at every RET of the fuzz functions' }, () => {
    for (const { fn, symbol } of functions) {
      const probe = uprobe(symbol, { signatures: { [symbol]: declaredSignature(fn) } })
      const entryPrints = [
        ...(fn.receiver ? [{ root: receiver(), prefix: `${fn.ident} recv`, nodes: printNodes({ kind: fn.receiver.pointer ? 'pointer' : 'named', struct: fn.receiver.struct }) }] : []),
        // Odd arguments by name, even ones by position: both ways of naming must agree.
        ...fn.params.map((p, k) => ({ root: arg(k % 2 ? p.name : k), prefix: `${fn.ident} ${p.name}`, nodes: printNodes(p.type) })),
      ]
      const resultPrints = fn.results.map((r, k) => ({ root: result(fn.namedResults && k % 2 ? r.name : k), prefix: `${fn.ident} ${r.name}`, nodes: printNodes(r.type) }))
      if (entryPrints.length) probe.onEntry(() => emitAll(entryPrints))
      if (resultPrints.length) probe.onReturn(() => emitAll(resultPrints))
    }
  })
}

/** A probe that reads one float argument or result: the compiler must refuse it (XMM registers are not in pt_regs). */
export function floatProbe(fn: FuzzFunction, symbol: string, which: { param: number } | { result: number }): ProgramDefinition {
  return program(import.meta, { name: 'abi-fuzz-float', description: 'reads a float' }, () => {
    const probe = uprobe(symbol, { signatures: { [symbol]: declaredSignature(fn) } })
    if ('param' in which) probe.onEntry(() => printf('%d\n', arg(which.param)))
    else probe.onReturn(() => printf('%d\n', result(which.result)))
  })
}

const apply = (root: Expr, path: readonly Step[]): Expr => path.reduce((e, s) => s.dsl(e), root)
const labelOf = (prefix: string, path: readonly Step[]) => prefix + path.map((s) => s.label).join('')

/**
 * Lines per printf: several lines share one printf (fewer records for bpftrace to compile), few
 * enough that the record stays well inside bpftrace 0.17's 512-byte stack (the printer
 * refuses a probe that would not fit), and at most two buffers each.
 */
const LINES_PER_PRINTF = 6
const BUFFERS_PER_PRINTF = 2

class LineBatch {
  private format = ''
  private args: Expr[] = []
  private lines = 0
  private buffers = 0

  add(line: string, value: Expr, bytes: boolean): void {
    if (this.lines === LINES_PER_PRINTF || (bytes && this.buffers === BUFFERS_PER_PRINTF)) this.flush()
    this.format += `${line}\n`
    this.args.push(bytes ? goBytes(value, MAX_BYTES) : value)
    this.lines++
    if (bytes) this.buffers++
  }

  flush(): void {
    if (this.lines) printf(this.format, ...this.args)
    this.format = ''
    this.args = []
    this.lines = 0
    this.buffers = 0
  }
}

/** Print lines of several values: `prefix` starts each value's lines (`F3 a0`). */
function emitAll(values: readonly { root: Expr; prefix: string; nodes: readonly PrintNode[] }[]): void {
  const batch = new LineBatch()
  for (const v of values) emit(v.nodes, v.root, v.prefix, batch)
  batch.flush()
}

/** Statements printing the nodes' lines; conditional lines get their own batch inside the condition. */
function emit(nodes: readonly PrintNode[], root: Expr, prefix: string, batch: LineBatch): void {
  for (const n of nodes) {
    const e = apply(root, n.path)
    const label = labelOf(prefix, n.path)
    switch (n.kind) {
      case 'value':
        if (n.format === 'bytes') batch.add(`${label}=[%rx]`, e, true)
        else batch.add(`${label}=${n.format === 'signed' ? '%d' : '%u'}`, e, false)
        break
      case 'len':
        batch.add(`${label}.len=%d`, e.len(), false)
        break
      case 'element':
        batch.flush()
        when(e.len().gt(n.index), () => emitAll([{ root, prefix, nodes: n.body }]))
        break
      case 'nilOr':
        batch.flush()
        when(e.isNil(), () => printf(`${label}=nil\n`)).otherwise(() => emitAll([{ root, prefix, nodes: n.body }]))
        break
    }
  }
  batch.flush()
}
