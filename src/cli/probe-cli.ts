import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { buildProgram, DEFAULT_STRLEN, type BuildOptions } from '../build.ts'
import type { ProgramDefinition } from '../dsl/program.ts'
import { parameterDefault, parameterDescription, parameterKeys, validateParams } from '../dsl/params.ts'
import { UsageError } from '../errors.ts'
import { Target } from '../target.ts'
import { announceChoice, bpftraceFor } from './bpftrace-choice.ts'
import { DEFAULT_PERF_PAGES, EXIT_MARKER, runBpftrace } from './bpftrace-runner.ts'
import { pathForProcess } from './process-check.ts'
import { planCommandTracing, removeCgroup } from './traced-command.ts'

export const PROBE_OPTIONS = {
  output: { type: 'string', short: 'o' },
  run: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  bpftrace: { type: 'string' },
  'bpftrace-version': { type: 'string' },
  pid: { type: 'string', short: 'p' },
  command: { type: 'string', short: 'c' },
  strlen: { type: 'string' },
  'perf-pages': { type: 'string' },
} as const

export function probeUsage(def: ProgramDefinition, invocation: string): string {
  const keys = parameterKeys(def.meta.params)
  return [
    `${def.meta.name}: ${def.meta.description}`,
    '',
    `usage: ${invocation} <binary> ${keys.map((k) => `[${k}=...]`).join(' ')} [options]`,
    '',
    ...(keys.length ? ['parameters:', ...keys.map((k) => parameterLine(def, k))] : ['parameters: none']),
    ...(def.meta.examples?.length ? ['', 'examples:', ...def.meta.examples.map((e) => `  ${invocation} ./binary ${e}`)] : []),
    '',
    'options:',
    '  -o, --output FILE          write the program to FILE instead of stdout',
    '  --run                      run it under bpftrace (as root) instead of printing it',
    '  -c, --command CMD          with --run: start CMD (a shell command) and trace the binary wherever CMD runs it',
    '  -p, --pid PID              trace only this process',
    '  --bpftrace PATH            the bpftrace to run or print for (default $GOPROBE_BPFTRACE, else the most',
    '                             capable found on PATH and in goprobe\'s cache; see goprobe doctor)',
    '  --bpftrace-version V       print for this release (0.22.0) or range (0.17.0..latest); default: the chosen',
    '                             bpftrace\'s, or 0.17.0..latest when none is installed',
    `  --strlen N                 bytes read for Go strings (default ${DEFAULT_STRLEN})`,
    `  --perf-pages N             with --run: bpftrace's output buffer in 4 KiB pages, a power of 2 (default ${DEFAULT_PERF_PAGES});`,
    '                             per CPU before bpftrace 0.22, in all since; raise it when events are lost',
    '  -h, --help                 this help',
  ].join('\n')
}

/** `  key=...   what it does (default X)`, from the schema's `v.description(...)` and `v.optional` default. */
function parameterLine(def: ProgramDefinition, key: string): string {
  const description = parameterDescription(def.meta.params, key) ?? ''
  const fallback = parameterDefault(def.meta.params, key)
  return `  ${`${key}=...`.padEnd(26)} ${description}${fallback === undefined ? '' : ` (default ${fallback})`}`.trimEnd()
}

/** Split `key=value` arguments; repeated keys become arrays. */
export function parseParams(args: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const a of args) {
    const eq = a.indexOf('=')
    if (eq <= 0) throw new UsageError(`expected key=value, got ${JSON.stringify(a)}`)
    const key = a.slice(0, eq)
    const value = a.slice(eq + 1)
    const prev = out[key]
    out[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value]
  }
  return out
}

/** bpftrace's perf and ring buffers are a power of two pages long. */
export function perfPagesOption(text: string | undefined): number | undefined {
  const n = positiveInt(text, '--perf-pages')
  if (n !== undefined && (n & (n - 1)) !== 0) throw new UsageError(`--perf-pages must be a power of 2 (64, 256, 1024, ...), got ${n}`)
  return n
}

function positiveInt(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive integer, got ${JSON.stringify(text)}`)
  return n
}

/** Compile (and optionally run) a probe program from command-line arguments. Returns the exit code. */
export async function probeMain(def: ProgramDefinition, argv: readonly string[], invocation: string): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options: PROBE_OPTIONS, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${probeUsage(def, invocation)}`)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(`${probeUsage(def, invocation)}\n`)
    return 0
  }
  const [binary, ...rest] = positionals
  if (!binary) throw new UsageError(`missing the binary to probe\n${probeUsage(def, invocation)}`)
  const pid = positiveInt(values.pid, '--pid')
  const strlen = positiveInt(values.strlen, '--strlen')
  const perfPages = perfPagesOption(values['perf-pages'])
  const params = parseParams(rest)
  // The user's own mistakes come first, before goprobe looks for a bpftrace and says which.
  validateParams(def.meta.name, def.meta.params, params)
  let target = Target.open(binary)
  if (values.run && pid !== undefined) {
    // Before anything is attached: the process must run this very build.
    const through = pathForProcess(pid, target.path, target.buildId)
    if (through !== target.path) {
      target.close()
      target = Target.open(through)
    }
  }
  try {
    const options: BuildOptions = {
      params,
      ...(strlen === undefined ? {} : { strlen }),
      ...(pid !== undefined ? { pid } : values.command ? { pid: 'child' as const } : {}),
    }
    const choice = await bpftraceFor({ bpftrace: values.bpftrace, bpftraceVersion: values['bpftrace-version'], run: values.run ?? false }, target)
    const bpftrace = choice.target
    if (!values.run) {
      const built = await buildProgram(def, target, { ...options, ...bpftrace })
      announceChoice(choice)
      if (values.output) writeFileSync(values.output, built.text)
      else process.stdout.write(built.text)
      for (const n of built.notes) process.stderr.write(`goprobe: note: ${n}\n`)
      return 0
    }
    const tracing = values.command !== undefined && pid === undefined ? planCommandTracing(values.command, target.path) : undefined
    try {
      const built = await buildProgram(def, target, {
        ...options,
        ...bpftrace,
        ...(tracing?.kind === 'cgroup' ? { pid: { cgroup: tracing.directory } } : {}),
        exitMarker: EXIT_MARKER,
      })
      announceChoice(choice)
      if (values.output) writeFileSync(values.output, built.text)
      for (const n of built.notes) process.stderr.write(`goprobe: note: ${n}\n`)
      return await runBpftrace({
        // bpftraceFor names the bpftrace whenever it is to run (or throws).
        bpftrace: bpftrace.bpftracePath!, text: built.text, requirements: built.requirements,
        midFunctionSites: built.midFunctionSites, exitMarker: EXIT_MARKER, target,
        ...(values.command ? { command: values.command } : {}), ...(pid ? { pid } : {}),
        ...(tracing?.kind === 'cgroup' ? { cgroup: tracing.directory } : {}),
        ...(perfPages === undefined ? {} : { perfPages }),
      })
    } finally {
      const left = tracing?.kind === 'cgroup' ? removeCgroup(tracing.directory) : undefined
      if (left) process.stderr.write(`goprobe: warning: ${left}\n`)
    }
  } finally {
    target.close()
  }
}
