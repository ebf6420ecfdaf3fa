/**
 * Go toolchain version strings as the linker records them (`runtime.buildVersion`,
 * build info): `go1.19.8`, `go1.21rc2`, `go1.20` (1.20.0 before Go 1.21 added the
 * `.0`), `devel go1.24-abcdef Tue Jan 1 ...`, and any of these followed by
 * ` X:exp1,exp2` when the toolchain was built with non-default GOEXPERIMENTs.
 */
export interface GoVersion {
  /** The string exactly as recorded in the binary. */
  readonly raw: string
  readonly major: number
  readonly minor: number
  readonly patch: number
  /** Release candidates and betas sort before the release; development builds before both. */
  readonly prerelease?: { readonly kind: 'devel' | 'beta' | 'rc'; readonly number: number }
  /** GOEXPERIMENT names from the ` X:` suffix, e.g. `['noregabi']`. */
  readonly experiments: readonly string[]
}

const RELEASE = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?$/
const DEVEL = /^devel go(\d+)\.(\d+)(?:-\S*)?/

/** Parses a recorded Go version; undefined when the string names no release (`devel +abc`, garbage). */
export function parseGoVersion(raw: string): GoVersion | undefined {
  const experiments = experimentsOf(raw)
  const devel = DEVEL.exec(raw)
  if (devel) {
    return { raw, major: Number(devel[1]), minor: Number(devel[2]), patch: 0, prerelease: { kind: 'devel', number: 0 }, experiments }
  }
  const head = raw.split(/[\s-]/, 1)[0] ?? ''
  const m = RELEASE.exec(head)
  if (!m) return undefined
  const version = { raw, major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? 0 : Number(m[3]), experiments }
  return m[4] ? { ...version, prerelease: { kind: m[4] as 'beta' | 'rc', number: Number(m[5]) } } : version
}

function experimentsOf(raw: string): string[] {
  const tag = /(?:^|[\s-])X:(\S+)/.exec(raw)
  return tag?.[1] ? tag[1].split(',').filter((e) => e.length > 0) : []
}

const PRERELEASE_RANK = { devel: 0, beta: 1, rc: 2 } as const

/** Total order: by major, minor, patch, then devel < beta < rc < release. */
export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    rank(a) - rank(b) ||
    (a.prerelease?.number ?? 0) - (b.prerelease?.number ?? 0)
  )
}

function rank(v: GoVersion): number {
  return v.prerelease ? PRERELEASE_RANK[v.prerelease.kind] : 3
}

/**
 * Whether the toolchain has the features of release major.minor.patch. Pre-releases
 * count as their release (go1.21rc2 already has Go 1.21's formats), which is what
 * format and ABI decisions need.
 */
export function atLeast(v: GoVersion, major: number, minor: number, patch = 0): boolean {
  return (v.major - major || v.minor - minor || v.patch - patch) >= 0
}
