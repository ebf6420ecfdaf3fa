import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../errors.ts'
import { VERSION } from '../version.ts'
import { runCommand } from './output.ts'

// Commands are loaded when used: `types` and `check` bring in the TypeScript compiler, and
// the compiler and its dependencies are not needed to print a binary's info.

const USAGE = `goprobe ${VERSION}: bpftrace programs for Go binaries, from probes written in TypeScript

usage: goprobe <command> [arguments]

commands:
  info <binary> [--json]                 Go version, ABI, PIE, stripped, DWARF, build id, module
  symbols <binary> [regex] [--json]      functions with entry, size, RET sites, post-prologue offset
  layout <binary> <type> [--json]        a type's memory layout (offsets, sizes, holes) and its source
  func <binary> <function> [--json]      a function's signature and where each argument and result lives
       [--signature 'func(...) ...']     (declare the signature when the binary has no DWARF)
  lines <binary> <file.go>[:line] [--json]
                                         the functions and pcs a source file or line compiles to
  compile <probe> <binary> [key=value ...] [--bpftrace PATH] [--bpftrace-version V] [options]
                                         print the bpftrace program (probe: bundled name or path to a .ts module)
                                         for the bpftrace goprobe would run (see doctor)
  run <probe> <binary> [key=value ...] [-c CMD | -p PID] [--bpftrace PATH] [--bpftrace-version V]
                                         compile and run it under bpftrace (as root)
  run <file.bt> [-c CMD | -p PID] [--bpftrace PATH]
                                         run a program saved by compile, after checking that the binary
                                         it names is still the build it was compiled for
  list [--json]                          the bundled probes and their parameters
  types <binary> [--package P] [--type T] [--function F] [--depth N] [-o FILE] [--tsconfig]
                                         TypeScript declarations of the binary's Go types and functions
  check <probe> [--binary B] [key=value ...] [--bpftrace PATH] [--bpftrace-version V]
                                         type-check a probe module (and compile it for B) and list its errors
  doctor [binary] [--bpftrace PATH]      what works on this machine: every bpftrace found and what it can
                                         do, the one goprobe uses; privileges, tracefs, BTF

'goprobe compile <probe> --help' shows a probe's parameters and options. The bpftrace used is
--bpftrace, else $GOPROBE_BPFTRACE, else the most capable on PATH and in goprobe's cache.`

type Handler = (args: string[]) => Promise<number>

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, min: number, usage: string) {
  let parsed
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${usage}`)
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`usage: ${usage}\n`)
    return undefined
  }
  if (parsed.positionals.length < min) throw new UsageError(`missing arguments\nusage: ${usage}`)
  return parsed
}

const json = { json: { type: 'boolean' } } as const
const bpftraceOptions = { bpftrace: { type: 'string' }, 'bpftrace-version': { type: 'string' } } as const

const commands: Record<string, Handler> = {
  async info(args) {
    const p = parse(args, json, 1, 'goprobe info <binary> [--json]')
    return p ? (await import('./commands/info.ts')).infoCommand(p.positionals[0]!, p.values.json ?? false) : 0
  },
  async symbols(args) {
    const p = parse(args, json, 1, 'goprobe symbols <binary> [regex] [--json]')
    return p ? (await import('./commands/symbols.ts')).symbolsCommand(p.positionals[0]!, p.positionals[1], p.values.json ?? false) : 0
  },
  async layout(args) {
    const p = parse(args, json, 2, 'goprobe layout <binary> <type> [--json]')
    return p ? (await import('./commands/layout.ts')).layoutCommand(p.positionals[0]!, p.positionals[1]!, p.values.json ?? false) : 0
  },
  async func(args) {
    const p = parse(args, { ...json, signature: { type: 'string' } }, 2, "goprobe func <binary> <function> [--json] [--signature 'func(...)']")
    return p ? (await import('./commands/func.ts')).funcCommand(p.positionals[0]!, p.positionals[1]!, p.values.json ?? false, p.values.signature) : 0
  },
  async lines(args) {
    const p = parse(args, json, 2, 'goprobe lines <binary> <file.go>[:line] [--json]')
    return p ? (await import('./commands/lines.ts')).linesCommand(p.positionals[0]!, p.positionals[1]!, p.values.json ?? false) : 0
  },
  async compile(args) {
    const [probe, ...rest] = args
    if (!probe || probe.startsWith('-')) throw new UsageError('usage: goprobe compile <probe> <binary> [key=value ...] [options]')
    const [{ probeMain }, { loadProbe }] = await Promise.all([import('./probe-cli.ts'), import('./probe-modules.ts')])
    return probeMain(await loadProbe(probe), rest, `goprobe compile ${probe}`)
  },
  async run(args) {
    const [probe, ...rest] = args
    if (!probe || probe.startsWith('-')) throw new UsageError('usage: goprobe run <probe> <binary> [key=value ...] [-c CMD | -p PID] [--bpftrace PATH] [--bpftrace-version V]')
    // A program saved by `goprobe compile`: checked against the build its header names, then run.
    if (probe.endsWith('.bt')) return (await import('./commands/run-saved.ts')).runSavedCommand(probe, rest)
    const [{ probeMain }, { loadProbe }] = await Promise.all([import('./probe-cli.ts'), import('./probe-modules.ts')])
    return probeMain(await loadProbe(probe), [...rest, '--run'], `goprobe run ${probe}`)
  },
  async list(args) {
    const p = parse(args, json, 0, 'goprobe list [--json]')
    return p ? (await import('./commands/list.ts')).listCommand(p.values.json ?? false) : 0
  },
  async types(args) {
    const usage = 'goprobe types <binary> [--package P ...] [--type T ...] [--function F ...] [--depth N] [--import-from M] [-o FILE] [--tsconfig]'
    const many = { type: 'string', multiple: true } as const
    const p = parse(args, { package: many, type: many, function: many, depth: { type: 'string' }, 'import-from': { type: 'string' }, output: { type: 'string', short: 'o' }, tsconfig: { type: 'boolean' } }, 1, usage)
    if (!p) return 0
    const v = p.values
    return (await import('./commands/types.ts')).typesCommand(p.positionals[0]!, {
      packages: v.package ?? [], types: v.type ?? [], functions: v.function ?? [], depth: Number(v.depth ?? '1'),
      importFrom: v['import-from'] ?? 'goprobe', tsconfig: v.tsconfig ?? false, ...(v.output === undefined ? {} : { output: v.output }),
    })
  },
  async check(args) {
    const p = parse(args, { binary: { type: 'string' }, ...bpftraceOptions }, 1, 'goprobe check <probe.ts> [--binary B] [key=value ...] [--bpftrace PATH] [--bpftrace-version V]')
    if (!p) return 0
    const bpftrace = { bpftrace: p.values.bpftrace, bpftraceVersion: p.values['bpftrace-version'] }
    return (await import('./commands/check.ts')).checkCommand(p.positionals[0]!, p.values.binary, (await import('./probe-cli.ts')).parseParams(p.positionals.slice(1)), bpftrace)
  },
  async doctor(args) {
    const p = parse(args, { bpftrace: { type: 'string' } }, 0, 'goprobe doctor [go-binary] [--bpftrace PATH]')
    return p ? (await import('./commands/doctor.ts')).doctorCommand(p.values.bpftrace, p.positionals[0]) : 0
  },
}

export async function main(argv: string[]): Promise<void> {
  await runCommand(async () => {
    const [name, ...args] = argv
    if (!name || name === '-h' || name === '--help' || name === 'help') {
      process.stdout.write(`${USAGE}\n`)
      return name ? 0 : 2
    }
    if (name === '--version' || name === 'version') {
      process.stdout.write(`goprobe ${VERSION}\n`)
      return 0
    }
    const handler = commands[name]
    if (!handler) throw new UsageError(`unknown command ${JSON.stringify(name)}\n${USAGE}`)
    return handler(args)
  })
}
