import * as bt from '../bpftrace/ast.ts'
import { hex } from '../binary/bytes.ts'
import type { ProbeSite, TargetFacts } from './target-facts.ts'

/** What the bpftrace that will run the program can attach to, beyond a function's first byte. */
export interface AttachCapabilities {
  /**
   * A link-time address inside a function is accepted with --unsafe: a build with
   * ALLOW_UNSAFE_PROBE or bfd (<= 0.21), or any release from 0.22.
   */
  readonly midFunctionAddress: boolean
}

export interface AttachChoice {
  readonly point: bt.AttachPoint
  readonly unsafe: boolean
  /** How the site is addressed, for the comment above the probe. */
  readonly how: string
}

/**
 * Pick the attach form for one probe site that the target bpftrace accepts and that
 * matches exactly one place (quoted symbols are wildcards: `main.(*T).M` also matches
 * `main.(*XT).M`, so symbols are never used):
 * - a function's first byte in a binary with symbols: its link address, exact and safe everywhere;
 * - mid-function, when bpftrace allows it: the link address with --unsafe;
 * - otherwise a raw file offset with --unsafe, which bpftrace uses as such only when no
 *   symbol covers that number (always true for stripped binaries).
 * Returns a reason instead when no form works.
 */
export function chooseAttach(target: TargetFacts, site: ProbeSite, caps: AttachCapabilities): AttachChoice | { problem: string } {
  if (!target.isStripped) {
    if (site.offset === 0) return { point: bt.uprobeAddress(target.path, site.vaddr), unsafe: false, how: `address ${hex(site.vaddr)}` }
    if (caps.midFunctionAddress) return { point: bt.uprobeAddress(target.path, site.vaddr), unsafe: true, how: `address ${hex(site.vaddr)} (+${hex(site.offset)})` }
  }
  if (!target.fileOffsetHitsSymbol(site.fileOffset)) {
    return { point: bt.uprobeFileOffset(target.path, site.fileOffset), unsafe: true, how: `file offset ${hex(site.fileOffset)} (address ${hex(site.vaddr)})` }
  }
  return {
    problem:
      `the probe site ${hex(site.vaddr)} is inside a function, this bpftrace cannot attach there ` +
      `(built without ALLOW_UNSAFE_PROBE or bfd, and older than 0.22), and its file offset ${hex(site.fileOffset)} ` +
      `also names a symbol's address in this binary. Use an offset-capable bpftrace (0.22 or later, or 0.17-0.21 built ` +
      `with -DALLOW_UNSAFE_PROBE=ON: see 'goprobe doctor'), or trace a stripped copy of the binary (go build -ldflags=-s -w).`,
  }
}
