import { dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import { atLeast } from '../bpftrace/version.ts'
import { confirmSymbolOffsetAttach, detectCapabilities, midFunctionForms, type BpftraceCapabilities } from '../bpftrace/capabilities.ts'
import type { AttachCapabilities } from '../compiler/attach.ts'
import type { Target } from '../target.ts'

/** The bpftrace to run: --bpftrace, else $GOPROBE_BPFTRACE, else `bpftrace` on PATH. */
export function bpftracePath(explicit: string | undefined): string {
  return explicit ?? process.env.GOPROBE_BPFTRACE ?? 'bpftrace'
}

export function describeCaps(caps: BpftraceCapabilities): string {
  return `${caps.path} v${caps.version.major}.${caps.version.minor}.${caps.version.patch}`
}

/** --info settles it (bfd builds, 0.22+), or it cannot be told without trying (0.17-0.21 without bfd). */
export function midFunctionKnown(caps: BpftraceCapabilities): boolean | undefined {
  if (midFunctionForms(caps).some((f) => f.kind === 'symbolOffset')) return true
  if (caps.unsafeProbeBuild === undefined && !atLeast(caps.version, '0.22')) {
    // goprobe's own setup script leaves this marker beside the bpftrace it builds with ALLOW_UNSAFE_PROBE.
    return existsSync(join(dirname(caps.path), 'BUILT_WITH_ALLOW_UNSAFE_PROBE')) ? true : undefined
  }
  return false
}

/** Attach (without running anything) one probe after main.main's prologue: does this bpftrace accept it? */
export async function confirmMidFunction(caps: BpftraceCapabilities, target: Target): Promise<boolean> {
  if (!target.findFunction(['main.main'])) return false
  const main = target.function('main.main')
  const code = await target.code(main)
  if (code.postPrologueOffset === undefined) return false
  return confirmSymbolOffsetAttach(caps, { binary: target.path, symbol: 'main.main', offset: BigInt(code.postPrologueOffset) })
}

/**
 * Whether this bpftrace takes link addresses inside functions. It matters only for
 * binaries where raw file offsets would collide with symbol addresses (PIE with symbols);
 * when --info cannot tell, it is settled there by attaching one probe.
 */
export async function attachCapabilities(caps: BpftraceCapabilities, target: Target): Promise<AttachCapabilities> {
  const known = midFunctionKnown(caps)
  if (known !== undefined) return { midFunctionAddress: known }
  if (!target.isPIE || target.isStripped) return { midFunctionAddress: false }
  return { midFunctionAddress: await confirmMidFunction(caps, target) }
}

export { detectCapabilities }
