import { basename } from 'node:path'
import * as bt from './bpftrace/ast.ts'
import { dialectFromText, dialectRange, describeDialect, type Dialect } from './bpftrace/dialect.ts'
import { printProgram, StackBudgetError, type Requirements } from './bpftrace/printer.ts'
import type { AttachCapabilities } from './compiler/attach.ts'
import { compileProgram, type ProcessFilter } from './compiler/compile.ts'
import type { ProgramDefinition } from './dsl/program.ts'
import { Target } from './target.ts'
import { VERSION } from './version.ts'

export interface BuildOptions {
  /** Raw `key=value` parameters (repeated keys as arrays). */
  readonly params?: Record<string, string | string[]>
  /** Target bpftrace version (`0.17.0`) or range (`0.17.0..latest`); default: the subset every version from 0.17 accepts. */
  readonly bpftraceVersion?: string
  /** The bpftrace the program is for, named in the header's run line; default `bpftrace`. */
  readonly bpftracePath?: string
  /** Why this bpftrace version, appended to the header's bpftrace line. */
  readonly bpftraceNote?: string
  /** What the bpftrace can attach to; default: raw file offsets for mid-function probes (works on every version). */
  readonly capabilities?: AttachCapabilities
  /** Bytes read for Go strings; default 128 (within 0.17's cap of 200 and its printf stack budget). */
  readonly strlen?: number
  /** Only trace this pid, the child started with -c, or the processes of a cgroup. */
  readonly pid?: ProcessFilter
  /** A line the program prints last in END (see CompileOptions.exitMarker). */
  readonly exitMarker?: string
}

export interface BuiltProgram {
  readonly text: string
  readonly requirements: Requirements
  readonly notes: readonly string[]
  readonly dialect: Dialect
  /** Uprobes placed inside functions, each at an instruction boundary found by disassembly. */
  readonly midFunctionSites: readonly (bt.UprobeAddress | bt.UprobeSymbol)[]
}

export const DEFAULT_STRLEN = 128

/**
 * String lengths tried, longest first, when the caller sets none: bpftrace < 0.22 builds each
 * printf on a 512-byte stack, so a program printing several strings may need shorter ones.
 */
const STRLEN_STEPS = [DEFAULT_STRLEN, 64, 56, 48, 40, 32, 24, 16, 8]

/** Compile a probe program for one binary (a path, or a Target the caller owns) into bpftrace text. */
export async function buildProgram(def: ProgramDefinition, binary: string | Target, options: BuildOptions = {}): Promise<BuiltProgram> {
  const ir = def.build(options.params ?? {})
  const target = typeof binary === 'string' ? Target.open(binary) : binary
  try {
    await target.prepare()
    const dialect = options.bpftraceVersion ? dialectFromText(options.bpftraceVersion) : dialectRange()
    const steps = options.strlen === undefined ? STRLEN_STEPS : [options.strlen]
    for (const [i, strlen] of steps.entries()) {
      const compiled = await compileProgram(ir, target, {
        capabilities: options.capabilities ?? { midFunctionAddress: false },
        strlen,
        aggregationsReadable: dialect.readsAggregations,
        ...(options.pid === undefined ? {} : { pid: options.pid }),
        ...(options.exitMarker === undefined ? {} : { exitMarker: options.exitMarker }),
      })
      const notes = i === 0 ? compiled.notes : [...compiled.notes, `strings are read up to ${strlen} bytes so that every printf fits the 512-byte stack of ${describeDialect(dialect)} (--strlen sets it)`]
      // Only the compiler knows that a link address lies inside a function (and so needs --unsafe).
      const withUnsafe = (r: Requirements): Requirements => ({ ...r, unsafe: r.unsafe || compiled.unsafe })
      let first
      try {
        first = printProgram(compiled.program, dialect)
      } catch (e) {
        if (e instanceof StackBudgetError && i < steps.length - 1) continue
        throw e
      }
      // Print again with a header that says how to run the program.
      const header = headerLines(def, target, dialect, withUnsafe(first.requirements), notes, { path: options.bpftracePath, note: options.bpftraceNote })
      const printed = printProgram(bt.program(compiled.program.probes, { header, strlen }), dialect)
      return { text: printed.text, requirements: withUnsafe(printed.requirements), notes, dialect, midFunctionSites: midFunctionSites(compiled.program) }
    }
    throw new Error('unreachable: the last string length either prints or throws')
  } finally {
    if (typeof binary === 'string') target.close()
  }
}

function midFunctionSites(program: bt.Program): (bt.UprobeAddress | bt.UprobeSymbol)[] {
  return program.probes.flatMap((p) => p.attachPoints).filter((a): a is bt.UprobeAddress | bt.UprobeSymbol =>
    a.kind === 'UprobeAddress' || (a.kind === 'UprobeSymbol' && a.offset !== 0n))
}

function headerLines(def: ProgramDefinition, target: Target, dialect: Dialect, req: Requirements, notes: readonly string[], bpftrace: { path?: string; note?: string }): string[] {
  const env = Object.entries(req.env).map(([k, v]) => `${k}=${v} `).join('')
  const file = `${def.meta.name}.bt`
  return [
    `${def.meta.name}: ${def.meta.description}`,
    `generated by goprobe ${VERSION} for ${basename(target.path)}`,
    `binary:   ${target.path}`,
    `build id: ${target.buildId}`,
    `go:       ${target.goVersion}, ${target.abi.value} ABI (${target.abi.detail})${target.isPIE ? ', PIE' : ''}${target.isStripped ? ', stripped' : ''}`,
    `bpftrace: ${describeDialect(dialect)}${req.kernelBtf ? '; needs kernel BTF' : ''}${bpftrace.note ? ` (${bpftrace.note})` : ''}`,
    // goprobe checks the build id before it runs the file: bpftrace run by hand would not.
    `run:      goprobe run ${file} [-p PID | -c CMD]`,
    `needs:    ${env}${bpftrace.path ?? 'bpftrace'}${req.unsafe ? ' --unsafe' : ''}`,
    ...notes.map((n) => `note: ${n}`),
  ]
}
