/**
 * What an installed bpftrace can do, learned from `--version` and `--info` (formats of 0.17 to
 * 0.26 read from their source): its version, whether it can attach uprobes in the middle of a
 * function, kernel BTF, and the DWARF library that makes 0.21-0.23 move symbol probes past the
 * prologue. Everything here parses text or runs bpftrace; nothing guesses from the host.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { UsageError } from '../errors.ts'
import { quoteAttachPath, quoteAttachSymbol } from './escape.ts'
import { atLeast, parseVersion, type BpftraceVersion } from './version.ts'

const run = promisify(execFile)

/** The `key: value` facts of `bpftrace --info`, keys as printed ("bfd", "btf", "unsafe uprobe", ...). */
export type InfoFacts = ReadonlyMap<string, string>

export interface BpftraceCapabilities {
  readonly path: string
  readonly version: BpftraceVersion
  /** Built with libbfd, so offsets inside a function are checked against instruction boundaries. */
  readonly bfd: boolean
  /**
   * Built with ALLOW_UNSAFE_PROBE (0.17-0.21), so `--unsafe` permits unchecked offsets.
   * Undefined when `--info` cannot tell: 0.17 prints "unsafe uprobe" from a macro its build never
   * defines, so it says "no" even for such builds (offset-support.ts settles it by attaching).
   */
  readonly unsafeProbeBuild: boolean | undefined
  /** The kernel exposes BTF (needed for `curtask`, and for tracepoint args from 0.25). */
  readonly btf: boolean
  /** Built with liblldb (0.21-0.23): symbol probes at offset 0 are moved past the prologue. */
  readonly liblldb: boolean
}

/** Reads `bpftrace --version` ("bpftrace v0.17.0"). */
export function parseVersionOutput(text: string): BpftraceVersion {
  const m = /bpftrace\s+(v?\d+\.\d+\S*)/.exec(text)
  if (!m) throw new UsageError(`cannot read a version from bpftrace --version output ${JSON.stringify(text.trim())}`)
  return parseVersion(m[1]!)
}

/**
 * Reads `bpftrace --info`. Up to 0.21 each line holds one `key: value`; from 0.22 the kernel
 * sections are tabulated two per line, separated by runs of spaces. Keys may themselves contain
 * ": " (e.g. "uprobe refcount (depends on Build:bcc ...)"), so the value is what follows the last one.
 */
export function parseInfoOutput(text: string): InfoFacts {
  const facts = new Map<string, string>()
  for (const line of text.split('\n')) {
    for (const cell of line.trim().split(/\s{2,}/)) {
      const cut = cell.lastIndexOf(': ')
      if (cut <= 0) continue
      const key = cell.slice(0, cut).trim()
      // The first occurrence wins: "version" in Build must not be shadowed by later sections.
      if (!facts.has(key)) facts.set(key, cell.slice(cut + 2).trim())
    }
  }
  return facts
}

/** Combines the two outputs into capabilities. */
export function capabilitiesFrom(path: string, versionText: string, infoText: string): BpftraceCapabilities {
  const version = parseVersionOutput(versionText)
  const info = parseInfoOutput(infoText)
  const yes = (key: string) => info.get(key) === 'yes'
  const unsafeLine = info.get('unsafe probe') ?? info.get('unsafe uprobe')
  let unsafeProbeBuild: boolean | undefined
  if (atLeast(version, '0.22')) unsafeProbeBuild = undefined // the build option no longer exists
  else if (!atLeast(version, '0.18')) unsafeProbeBuild = unsafeLine === 'yes' ? true : undefined
  else unsafeProbeBuild = unsafeLine === 'yes'
  return {
    path,
    version,
    bfd: yes('bfd'),
    unsafeProbeBuild,
    btf: yes('btf'),
    liblldb: yes('liblldb (DWARF support)'),
  }
}

/** Runs `<path> --version` and `<path> --info`. */
export async function detectCapabilities(path = 'bpftrace'): Promise<BpftraceCapabilities> {
  const versionText = await runText(path, ['--version'])
  const infoText = await runText(path, ['--info'])
  return capabilitiesFrom(path, versionText, infoText)
}

async function runText(path: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(path, args, { timeout: 60_000 })
    return stdout + stderr
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string; message?: string }
    const why = e.code === 'ENOENT' ? 'not found' : (e.stderr || e.message || 'failed').trim().split('\n')[0]
    throw new UsageError(`cannot run ${path} ${args.join(' ')}: ${why}`)
  }
}

/**
 * Whether a probe on a symbol (offset 0) fires at the symbol's first byte. 0.21-0.23 built with
 * liblldb move it past the prologue when the binary has DWARF; the address form is always exact.
 */
export function symbolEntryIsExact(caps: BpftraceCapabilities): boolean {
  return !(caps.liblldb && atLeast(caps.version, '0.21') && !atLeast(caps.version, '0.24'))
}

/**
 * Arguments that make this version parse, check and compile a program without loading or
 * attaching it (0.17-0.23 `--test codegen`, 0.24 `--test-mode codegen`, 0.25+ `--mode codegen`).
 */
export function compileOnlyArgs(version: BpftraceVersion): string[] {
  if (atLeast(version, '0.25')) return ['--mode', 'codegen']
  if (atLeast(version, '0.24')) return ['--test-mode', 'codegen']
  return ['--test', 'codegen']
}

/**
 * Settles what `--info` cannot tell on 0.17: attaches (without running anything) a probe at
 * `symbol+offset` of `binary` with --unsafe and reports whether bpftrace accepted the offset.
 * The offset must be an instruction boundary (the caller knows it from disassembly): an
 * offset-capable build inserts the breakpoint there unchecked.
 */
export async function confirmSymbolOffsetAttach(
  caps: BpftraceCapabilities,
  target: { readonly binary: string; readonly symbol: string; readonly offset: bigint },
): Promise<boolean> {
  if (target.offset <= 0n) throw new UsageError('confirmSymbolOffsetAttach needs an offset inside the function')
  const probe = `uprobe:${quoteAttachPath(target.binary)}:${quoteAttachSymbol(target.symbol)}+0x${target.offset.toString(16)}`
  const program = `${probe} { } interval:ms:100 { exit(); }`
  try {
    await run(caps.path, ['--unsafe', '-e', program], { timeout: 60_000 })
    return true
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '')
    if (stderr.includes('compiled without (k|u)probe offset support')) return false
    throw new UsageError(`cannot check offset probes with ${caps.path}: ${stderr.trim().split('\n')[0] ?? 'failed'}`)
  }
}
