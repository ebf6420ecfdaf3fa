import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import * as v from 'valibot'
import { buildProgram, DEFAULT_STRLEN, type BuildOptions } from '../build.ts'
import type { ProgramDefinition } from '../dsl/program.ts'
import { UsageError } from '../errors.ts'
import { atLeast, parseVersion } from '../bpftrace/version.ts'
import { Target } from '../target.ts'
import { attachCapabilities, bpftracePath, detectCapabilities } from './bpftrace-choice.ts'
import { EXIT_MARKER, runBpftrace } from './bpftrace-runner.ts'
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
} as const

export function probeUsage(def: ProgramDefinition, invocation: string): string {
  const schema = def.meta.params as unknown as { entries?: Record<string, unknown> } | undefined
  const keys = schema?.entries ? Object.keys(schema.entries) : []
  return [
    `${def.meta.name}: ${def.meta.description}`,
    '',
    `usage: ${invocation} <binary> ${keys.map((k) => `[${k}=...]`).join(' ')} [options]`,
    '',
    ...(keys.length ? ['parameters (repeat a key to give several values):', ...keys.map((k) => parameterLine(k, schema?.entries?.[k]))] : ['parameters: none']),
    ...(def.meta.examples?.length ? ['', 'examples:', ...def.meta.examples.map((e) => `  ${invocation} ./binary ${e}`)] : []),
    '',
    'options:',
    '  -o, --output FILE          write the program to FILE instead of stdout',
    '  --run                      run it under bpftrace (as root) instead of printing it',
    '  -c, --command CMD          with --run: start CMD (a shell command) and trace the binary wherever CMD runs it',
    '  -p, --pid PID              trace only this process',
    '  --bpftrace PATH            the bpftrace to run or target (default $GOPROBE_BPFTRACE or bpftrace on PATH)',
    '  --bpftrace-version V       print for this bpftrace version (default: what 0.17 and every later version accept)',
    `  --strlen N                 bytes read for Go strings (default ${DEFAULT_STRLEN})`,
    '  -h, --help                 this help',
  ].join('\n')
}

/** `  key=...   what it does`, from the schema's `v.description(...)` (looked up through `v.optional`). */
function parameterLine(key: string, entry: unknown): string {
  let schema = entry as { wrapped?: unknown } | undefined
  let description: string | undefined
  while (schema && description === undefined) {
    description = v.getDescription(schema as v.GenericSchema)
    schema = schema.wrapped as { wrapped?: unknown } | undefined
  }
  return `  ${`${key}=...`.padEnd(26)} ${description ?? ''}`.trimEnd()
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
  const target = Target.open(binary)
  try {
    const options: BuildOptions = {
      params: parseParams(rest),
      ...(strlen === undefined ? {} : { strlen }),
      ...(pid !== undefined ? { pid } : values.command ? { pid: 'child' as const } : {}),
    }
    if (!values.run) {
      // Printing for a named version: from 0.22 every release takes addresses inside functions.
      const version = values['bpftrace-version']
      const target22 = version !== undefined && atLeast(parseVersion(version), '0.22')
      const built = await buildProgram(def, target, { ...options, ...(version ? { bpftraceVersion: version, capabilities: { midFunctionAddress: target22 } } : {}) })
      if (values.output) writeFileSync(values.output, built.text)
      else process.stdout.write(built.text)
      for (const n of built.notes) process.stderr.write(`goprobe: note: ${n}\n`)
      return 0
    }
    const caps = await detectCapabilities(bpftracePath(values.bpftrace))
    const v = caps.version
    const tracing = values.command !== undefined && pid === undefined ? planCommandTracing(values.command, target.path) : undefined
    try {
      const built = await buildProgram(def, target, {
        ...options,
        ...(tracing?.kind === 'cgroup' ? { pid: { cgroup: tracing.directory } } : {}),
        exitMarker: EXIT_MARKER,
        bpftraceVersion: values['bpftrace-version'] ?? `${v.major}.${v.minor}.${v.patch}`,
        capabilities: await attachCapabilities(caps, target),
      })
      if (values.output) writeFileSync(values.output, built.text)
      for (const n of built.notes) process.stderr.write(`goprobe: note: ${n}\n`)
      return await runBpftrace({
        bpftrace: caps.path, text: built.text, requirements: built.requirements,
        midFunctionSites: built.midFunctionSites, exitMarker: EXIT_MARKER, target,
        ...(values.command ? { command: values.command } : {}), ...(pid ? { pid } : {}),
        ...(tracing?.kind === 'cgroup' ? { cgroup: tracing.directory } : {}),
      })
    } finally {
      const left = tracing?.kind === 'cgroup' ? removeCgroup(tracing.directory) : undefined
      if (left) process.stderr.write(`goprobe: warning: ${left}\n`)
    }
  } finally {
    target.close()
  }
}
