/**
 * goprobe's public API: everything a probe module or a stdlib helper may use.
 * Probe modules import from here ('goprobe' when installed) and nothing else of goprobe.
 */
import { relative } from 'node:path'
import { probeMain } from './cli/probe-cli.ts'
import { runCommand } from './cli/output.ts'
import { setDirectRunner } from './dsl/program.ts'

export {
  arg, receiver, result, goString, goBytes, usym, closureContext, goroutineId, pid, tid, comm, nsecs, ustack,
  probedFunction, register, global, Expr, type Value,
} from './dsl/expr.ts'
export { printf, printArgs, printResults, map, when, local, exit, MapRef, MapSlot } from './dsl/statements.ts'
export {
  program, uprobe, line, begin, end, interval, onProcessExit, Uprobe, LineProbe,
  type LineOptions, type LineContext,
  type EntryView, type UprobeOptions, type ProgramDefinition, type ProgramMeta, type ParamsSchema,
} from './dsl/program.ts'
export { typedUprobe, type TypedUprobe, type EntryContext, type ReturnContext } from './dsl/program.ts'
export { functions, FunctionPattern } from './dsl/program.ts'
/** Go type descriptions for typed probes (`goprobe types` writes them for a binary). */
export type * from './dsl/go-types.ts'
export { buildProgram, type BuildOptions, type BuiltProgram } from './build.ts'
/** For helpers that reject a bad call the way goprobe does (one clear line, no stack trace). */
export { UsageError } from './errors.ts'
export * as v from 'valibot'

setDirectRunner(async (def) => {
  const script = process.argv[1] ?? def.meta.name
  await runCommand(() => probeMain(def, process.argv.slice(2), `tsx ${relative(process.cwd(), script)}`))
})
