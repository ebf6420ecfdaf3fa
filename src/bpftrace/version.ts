import { UsageError } from '../errors.ts'

/** A bpftrace release number. Release candidates ("v0.24-rc0") count as the release they precede. */
export interface BpftraceVersion {
  readonly major: number
  readonly minor: number
  readonly patch: number
}

/**
 * Reads "0.17.0", "v0.21.2", "v0.24-rc0" or "v0.23.0-12-gabc123" (git-describe builds).
 * Only the leading numbers matter: every behaviour change goprobe cares about is tied to a release.
 */
export function parseVersion(text: string): BpftraceVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim())
  if (!m) throw new UsageError(`not a bpftrace version: ${JSON.stringify(text)}`)
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) }
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: BpftraceVersion, b: BpftraceVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

/** True when `v` is `since` or newer. `since` is written "0.22" or "0.22.1". */
export function atLeast(v: BpftraceVersion, since: string): boolean {
  return compareVersions(v, parseVersion(since)) >= 0
}

export function formatVersion(v: BpftraceVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`
}
