/**
 * The bpftrace a command prints for or runs, chosen by src/bpftrace/discovery.ts, with the
 * Go side of the choice: what kind of binary is probed, and a place inside one of its
 * functions where one attach can settle what `--info` cannot tell (0.17).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { atLeast } from '../bpftrace/version.ts'
import { dialectFromText } from '../bpftrace/dialect.ts'
import { chooseBpftrace, goprobeCache } from '../bpftrace/discovery.ts'
import type { OffsetWitness } from '../bpftrace/offset-support.ts'
import type { AttachCapabilities } from '../compiler/attach.ts'
import { UsageError } from '../errors.ts'
import { Target } from '../target.ts'

/**
 * Where to try one attach inside a function: the second instruction (or the first after the
 * stack check) of main.main in the probed binary when it has symbols, else in the demo that
 * `npm start` builds into the cache. Both are Go binaries whose instruction boundaries goprobe
 * knows by disassembly; a probe attached there for a moment changes nothing for a running
 * process. Undefined when neither exists. Computed at most once per call of the returned function.
 */
export function offsetWitness(target: Target | undefined): () => Promise<OffsetWitness | undefined> {
  let found: Promise<OffsetWitness | undefined> | undefined
  return () => (found ??= findWitness(target))
}

async function findWitness(target: Target | undefined): Promise<OffsetWitness | undefined> {
  if (target) {
    const w = await witnessIn(target)
    if (w) return w
  }
  for (const demo of builtDemos()) {
    const t = Target.open(demo)
    try {
      const w = await witnessIn(t)
      if (w) return w
    } finally {
      t.close()
    }
  }
  return undefined
}

async function witnessIn(target: Target): Promise<OffsetWitness | undefined> {
  if (target.isStripped || !target.findFunction(['main.main'])) return undefined
  const code = await target.code(target.function('main.main'))
  const offset = code.postPrologueOffset ?? [...code.instructionOffsets].filter((o) => o > 0).sort((a, b) => a - b)[0]
  return offset === undefined ? undefined : { binary: target.path, symbol: 'main.main', offset: BigInt(offset) }
}

/** `$GOPROBE_CACHE/demo/<source hash>/demo`, as scripts/start.ts builds it. */
function builtDemos(): string[] {
  const dir = join(goprobeCache(), 'demo')
  try {
    return readdirSync(dir).map((h) => join(dir, h, 'demo'))
  } catch {
    return []
  }
}

/** What a command was told: `--bpftrace`, `--bpftrace-version`, and whether it runs the program. */
export interface BpftraceRequest {
  readonly bpftrace?: string | undefined
  readonly bpftraceVersion?: string | undefined
  readonly run: boolean
}

/** The bpftrace a program is printed for (and run with, when `path` is set). */
export interface BpftraceTarget {
  /** Undefined: the portable subset every release from 0.17 accepts. */
  readonly bpftraceVersion?: string
  readonly bpftracePath?: string
  readonly bpftraceNote?: string
  readonly capabilities: AttachCapabilities
}

export interface BpftraceChoice {
  /** What the compile needs to know of the bpftrace (spread into BuildOptions). */
  readonly target: BpftraceTarget
  /** Which bpftrace was chosen and why, for one line once the program is built; undefined when none was looked for. */
  readonly explanation?: string
}

/** Says the choice in one line on stderr (after the build, so that the user's own mistakes come alone). */
export function announceChoice(choice: BpftraceChoice): void {
  if (choice.explanation) process.stderr.write(`goprobe: ${choice.explanation}\n`)
}

/**
 * Chooses the bpftrace for this binary, with the one line that says which and why.
 * `--bpftrace-version` alone (printing, nothing named) prints for that version without looking
 * for a bpftrace: only 0.22 and later are known to take probes inside functions from the
 * version alone. With no bpftrace installed, printing keeps the portable default and says so.
 */
export async function bpftraceFor(request: BpftraceRequest, target: Target): Promise<BpftraceChoice> {
  const version = request.bpftraceVersion
  if (version !== undefined) dialectFromText(version) // a bad version is the user's mistake: say it before anything runs
  const named = request.bpftrace ?? process.env.GOPROBE_BPFTRACE
  if (version !== undefined && !request.run && !named) {
    return { target: { bpftraceVersion: version, capabilities: { midFunctionAddress: atLeast(dialectFromText(version).oldest, '0.22') } } }
  }
  const choice = await chooseBpftrace(request.bpftrace, target.fileOffsetsMayHitSymbols, offsetWitness(target))
  if (!choice) {
    if (request.run) throw new UsageError('no bpftrace found on PATH or in goprobe\'s cache: install it (apt-get install bpftrace, or scripts/setup-system.sh) or pass --bpftrace PATH')
    return { target: { capabilities: { midFunctionAddress: false }, bpftraceNote: 'no bpftrace installed here: printed for every release from 0.17; --bpftrace-version V targets one' } }
  }
  const v = choice.chosen.caps.version
  return {
    target: {
      bpftraceVersion: version ?? `${v.major}.${v.minor}.${v.patch}`,
      bpftracePath: choice.chosen.path,
      capabilities: { midFunctionAddress: choice.chosen.offsets.accepted === true },
    },
    explanation: choice.explanation,
  }
}
