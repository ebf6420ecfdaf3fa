import { existsSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { buildProgram } from '../../build.ts'
import { GoprobeError, UsageError } from '../../errors.ts'
import { locateError } from '../../typegen/error-location.ts'
import { typeCheckProbe, type SourceDiagnostic } from '../../typegen/type-check.ts'
import { Target } from '../../target.ts'
import { announceChoice, bpftraceFor, type BpftraceRequest } from '../bpftrace-choice.ts'
import { loadProbe } from '../probe-modules.ts'

/**
 * `goprobe check`: the probe's TypeScript errors, then (with a binary, once the types are
 * right) goprobe's own, one `file:line:col message` each. Exit 1 when there are any.
 */
export async function checkCommand(probe: string, binary: string | undefined, params: Record<string, string | string[]>, bpftrace: Omit<BpftraceRequest, 'run'> = {}): Promise<number> {
  const file = resolve(probe)
  if (!existsSync(file)) throw new UsageError(`no probe module at ${file}`)
  const diagnostics = typeCheckProbe(file)
  if (binary !== undefined) {
    if (diagnostics.length) process.stderr.write(`goprobe: not compiled for ${binary}: fix the type errors first\n`)
    else {
      const error = await compileError(file, binary, params, bpftrace)
      if (error) diagnostics.push({ file, ...locateError(error, file), message: `error goprobe: ${error.message}` })
    }
  }
  for (const d of diagnostics) process.stdout.write(`${format(d)}\n`)
  return diagnostics.length ? 1 : 0
}

/** Compiles the probe for the binary and the bpftrace `goprobe compile` would print for. */
async function compileError(file: string, binary: string, params: Record<string, string | string[]>, bpftrace: Omit<BpftraceRequest, 'run'>): Promise<GoprobeError | undefined> {
  if (!existsSync(binary)) throw new UsageError(`no binary at ${resolve(binary)}`)
  const def = await loadProbe(file)
  const target = Target.open(binary)
  try {
    // A bpftrace that does not run is the command line's problem, not the probe's: it is thrown.
    const chosen = await bpftraceFor({ ...bpftrace, run: false }, target)
    try {
      await buildProgram(def, target, { params, ...chosen.target })
      announceChoice(chosen)
      return undefined
    } catch (e) {
      // Errors about the binary itself (not ELF, not Go) are not the probe's: they stay CLI errors.
      if (e instanceof GoprobeError && !isBinaryProblem(e)) return e
      throw e
    }
  } finally {
    target.close()
  }
}

const isBinaryProblem = (e: GoprobeError): boolean => e.name === 'BinaryFormatError' || e.name === 'NotGoBinaryError' || e.name === 'DwarfFormatError'

function format(d: SourceDiagnostic): string {
  const rel = relative(process.cwd(), d.file)
  const shown = rel.startsWith('..') || isAbsolute(rel) ? d.file : rel
  const [first, ...rest] = d.message.split('\n')
  return [`${shown}:${d.line}:${d.column} ${first}`, ...rest.map((l) => `  ${l}`)].join('\n')
}
