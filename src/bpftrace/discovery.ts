/**
 * Which bpftrace goprobe uses: the one named by `--bpftrace`, else `$GOPROBE_BPFTRACE`, else
 * the most capable of those it knows: `bpftrace` on PATH and the ones its setup installs as
 * `$GOPROBE_CACHE/bpftrace-<name>/bpftrace`. Most capable means: attaches every probe a program
 * for this kind of binary may need (probes inside functions where raw file offsets collide
 * with symbols), then the newest release, then the one that takes probes inside functions
 * anyway, then PATH before the setup's.
 */
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { GoprobeError, UsageError } from '../errors.ts'
import { detectCapabilities, type BpftraceCapabilities } from './capabilities.ts'
import { settleOffsetSupport, type OffsetSupport, type OffsetWitness } from './offset-support.ts'
import { compareVersions, formatVersion } from './version.ts'

export type BpftraceOrigin = '--bpftrace' | '$GOPROBE_BPFTRACE' | 'PATH' | 'setup'

export interface Candidate {
  readonly path: string
  readonly origin: BpftraceOrigin
}

export interface FoundBpftrace extends Candidate {
  readonly caps: BpftraceCapabilities
  readonly offsets: OffsetSupport
}

export interface BrokenBpftrace extends Candidate {
  readonly problem: string
}

/** goprobe's cache: `$GOPROBE_CACHE`, default ~/.cache/goprobe. */
export function goprobeCache(): string {
  return process.env.GOPROBE_CACHE || join(homedir(), '.cache', 'goprobe')
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** A command name looked up in $PATH as the shell does; a path with a slash is taken as is. */
export function resolveCommand(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined
  for (const dir of searchPath.split(delimiter)) {
    if (dir && isExecutableFile(join(dir, name))) return join(dir, name)
  }
  return undefined
}

/** `bpftrace` on PATH, then the setup's installs (`bpftrace-*` directories, by name); one path per executable. */
export function knownBpftraces(cacheDir = goprobeCache()): Candidate[] {
  const out: Candidate[] = []
  const onPath = resolveCommand('bpftrace')
  if (onPath) out.push({ path: onPath, origin: 'PATH' })
  let dirs: string[] = []
  try {
    dirs = readdirSync(cacheDir).filter((d) => d.startsWith('bpftrace-')).sort()
  } catch {
    // No cache yet: nothing installed by the setup.
  }
  for (const d of dirs) {
    const path = join(cacheDir, d, 'bpftrace')
    if (isExecutableFile(path)) out.push({ path, origin: 'setup' })
  }
  const seen = new Set<string>()
  return out.filter((c) => {
    const real = realpathSync(c.path)
    if (seen.has(real)) return false
    seen.add(real)
    return true
  })
}

/** Runs `--version` and `--info` and settles probes inside functions (see offset-support.ts). */
export async function inspectBpftrace(c: Candidate, witness: () => Promise<OffsetWitness | undefined>, cacheDir = goprobeCache()): Promise<FoundBpftrace | BrokenBpftrace> {
  const executable = resolveCommand(c.path)
  if (!executable) return { ...c, problem: `${c.path} is not an executable file` }
  try {
    const caps = await detectCapabilities(executable)
    return { ...c, caps, offsets: await settleOffsetSupport(caps, { cacheDir, executable, witness }) }
  } catch (e) {
    if (!(e instanceof GoprobeError)) throw e
    return { ...c, problem: e.message }
  }
}

export const isFound = (b: FoundBpftrace | BrokenBpftrace): b is FoundBpftrace => 'caps' in b

/**
 * Best first. `insideFunctionsNeeded`: the binary's raw file offsets may name symbols, so a
 * probe inside a function needs a bpftrace that takes addresses there.
 */
export function rankBpftraces(found: readonly FoundBpftrace[], insideFunctionsNeeded: boolean): FoundBpftrace[] {
  const takes = (b: FoundBpftrace) => (b.offsets.accepted === true ? 1 : 0)
  const serves = (b: FoundBpftrace) => (insideFunctionsNeeded ? takes(b) : 1)
  return found
    .map((b, order) => ({ b, order }))
    .sort((x, y) => serves(y.b) - serves(x.b) || compareVersions(y.b.caps.version, x.b.caps.version) || takes(y.b) - takes(x.b) || x.order - y.order)
    .map(({ b }) => b)
}

/** "takes probes inside functions", or why not, in a few words. */
export function describeOffsetSupport(o: OffsetSupport): string {
  if (o.accepted === true) return 'takes probes inside functions'
  if (o.accepted === false) return 'takes no probes inside functions'
  return 'cannot tell whether it takes probes inside functions'
}

/** How a runner-up differs, said after "which". */
const OTHERS_SUPPORT: Record<string, string> = { true: 'takes them', false: 'does not', undefined: 'could not be tried' }

export const describeBpftrace = (b: FoundBpftrace): string => `bpftrace ${formatVersion(b.caps.version)} at ${b.path}`

export interface Choice {
  readonly chosen: FoundBpftrace
  /** The others found, best first (empty when the user named the bpftrace). */
  readonly others: readonly (FoundBpftrace | BrokenBpftrace)[]
  /** One line: which and why. */
  readonly explanation: string
}

/**
 * The bpftrace to use, or undefined when none is installed (only possible without
 * `--bpftrace` and `$GOPROBE_BPFTRACE`: a named bpftrace that does not run is an error).
 */
export async function chooseBpftrace(
  explicit: string | undefined,
  insideFunctionsNeeded: boolean,
  witness: () => Promise<OffsetWitness | undefined>,
): Promise<Choice | undefined> {
  const named: Candidate | undefined =
    explicit !== undefined ? { path: explicit, origin: '--bpftrace' } : process.env.GOPROBE_BPFTRACE ? { path: process.env.GOPROBE_BPFTRACE, origin: '$GOPROBE_BPFTRACE' } : undefined
  if (named) {
    const b = await inspectBpftrace(named, witness)
    if (!isFound(b)) throw new UsageError(`the bpftrace named by ${named.origin} does not run: ${b.problem}`)
    return { chosen: b, others: [], explanation: `${describeBpftrace(b)} (named by ${named.origin}; ${describeOffsetSupport(b.offsets)})` }
  }
  const all = await Promise.all(knownBpftraces().map((c) => inspectBpftrace(c, witness)))
  const [chosen, ...rest] = rankBpftraces(all.filter(isFound), insideFunctionsNeeded)
  if (!chosen) return undefined
  const broken = all.filter((b) => !isFound(b))
  const over = rest.length ? `; chosen over ${rest.map((b) => `${b.path} ${formatVersion(b.caps.version)}${b.offsets.accepted === chosen.offsets.accepted ? '' : `, which ${OTHERS_SUPPORT[String(b.offsets.accepted)]}`}`).join('; ')}` : ''
  return { chosen, others: [...rest, ...broken], explanation: `${describeBpftrace(chosen)} (${describeOffsetSupport(chosen.offsets)}${over})` }
}
