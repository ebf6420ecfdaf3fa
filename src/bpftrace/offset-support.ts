/**
 * Whether a bpftrace attaches uprobes inside a function (`"sym"+0x12`, or an address there):
 * the one rule that `run`, `compile`, `check`, `doctor` and the tests share.
 *
 * The build facts settle it where they can: a libbfd build checks the offset itself, every
 * release from 0.22 takes it with --unsafe, and 0.18-0.21 say in `--info` whether they were
 * built with ALLOW_UNSAFE_PROBE. 0.17 cannot say (its "unsafe uprobe" line tests a macro the
 * build never defines), so there one real attach settles it, and the answer is remembered on
 * disk per bpftrace executable, keyed by the sha256 of its bytes: a rebuilt or upgraded
 * bpftrace is tried again, the same one never twice.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GoprobeError } from '../errors.ts'
import { confirmSymbolOffsetAttach, type BpftraceCapabilities } from './capabilities.ts'
import { atLeast } from './version.ts'

/** A place inside a function of an ELF binary with symbols, at an instruction boundary (offset > 0). */
export interface OffsetWitness {
  readonly binary: string
  readonly symbol: string
  readonly offset: bigint
}

/** What is known about one bpftrace's probes inside functions, and how it is known. */
export type OffsetSupport =
  | { readonly accepted: boolean; readonly how: 'build' | 'attached' | 'remembered'; readonly detail: string }
  | { readonly accepted: undefined; readonly how: 'unknown'; readonly detail: string }

/** What `--version` and `--info` tell alone: undefined where only an attach can (0.17 without bfd). */
export function offsetSupportFromBuild(caps: BpftraceCapabilities): boolean | undefined {
  if (caps.bfd || atLeast(caps.version, '0.22')) return true
  return caps.unsafeProbeBuild
}

/** The sha256 of an executable's bytes (for a wrapper script, of the script). */
export function executableHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

interface Remembered {
  readonly accepted: boolean
  /** For a reader of the file: which executable and which binary the attach was tried with. */
  readonly bpftrace: string
  readonly witness: string
}

const rememberedFile = (cacheDir: string, hash: string) => join(cacheDir, 'bpftrace-offset-support', `${hash}.json`)

function recall(cacheDir: string, hash: string): Remembered | undefined {
  try {
    const r = JSON.parse(readFileSync(rememberedFile(cacheDir, hash), 'utf8')) as Partial<Remembered>
    return typeof r.accepted === 'boolean' ? (r as Remembered) : undefined
  } catch {
    return undefined // not tried yet, or a file this version cannot read: try again
  }
}

/** Written to a private name, then renamed: concurrent goprobes never read half a file. */
function remember(cacheDir: string, hash: string, r: Remembered): void {
  const file = rememberedFile(cacheDir, hash)
  mkdirSync(join(file, '..'), { recursive: true })
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, `${JSON.stringify(r)}\n`)
  renameSync(tmp, file)
}

export interface SettleOptions {
  /** goprobe's cache directory (`$GOPROBE_CACHE`, default ~/.cache/goprobe). */
  readonly cacheDir: string
  /** The executable bpftrace runs as (caps.path resolved through PATH), for the hash. */
  readonly executable: string
  /** A place to attach to; asked for only when the build facts and the remembered answers cannot tell. */
  readonly witness: () => Promise<OffsetWitness | undefined>
}

/** Settles whether this bpftrace takes probes inside functions: build facts, else remembered, else one attach. */
export async function settleOffsetSupport(caps: BpftraceCapabilities, o: SettleOptions): Promise<OffsetSupport> {
  const fromBuild = offsetSupportFromBuild(caps)
  if (fromBuild !== undefined) {
    const why = caps.bfd ? 'libbfd build' : atLeast(caps.version, '0.22') ? '0.22 or later, with --unsafe' : `--info says "unsafe uprobe: ${fromBuild ? 'yes' : 'no'}"`
    return { accepted: fromBuild, how: 'build', detail: why }
  }
  const hash = executableHash(o.executable)
  const known = recall(o.cacheDir, hash)
  if (known) return { accepted: known.accepted, how: 'remembered', detail: `attached once to ${known.witness}, remembered by sha256 ${hash.slice(0, 12)}` }
  const witness = await o.witness()
  if (!witness) return { accepted: undefined, how: 'unknown', detail: '--info cannot tell and there was no Go binary with symbols to try one attach on' }
  let accepted: boolean
  try {
    accepted = await confirmSymbolOffsetAttach(caps, witness)
  } catch (e) {
    if (!(e instanceof GoprobeError)) throw e
    return { accepted: undefined, how: 'unknown', detail: `--info cannot tell and the attach to try it failed: ${e.message}` }
  }
  remember(o.cacheDir, hash, { accepted, bpftrace: o.executable, witness: witness.binary })
  return { accepted, how: 'attached', detail: `attached to ${witness.binary}` }
}
