/**
 * The last-resort source of layouts: standard-library types as the Go sources of each
 * release define them (one file per package here), laid out by the layout engine.
 * Only the types probes need are declared; a Go version outside the declared range of
 * a type gets an error that says so, never the nearest range.
 */
import type { GoVersion } from '../../binary/go-version.ts'
import { UnsupportedError, UsageError } from '../../errors.ts'
import { withName } from '../layout.ts'
import { parseType } from '../parse.ts'
import type { GoType } from '../types.ts'
import type { TypeDeclaration } from './declaration.ts'
import { interfaceDeclarations } from './interfaces.ts'
import { netHttpDeclarations } from './net-http.ts'
import { netUrlDeclarations } from './net-url.ts'
import { netDeclarations } from './net.ts'
import { osDeclarations } from './os.ts'
import { cryptoTlsDeclarations } from './crypto-tls.ts'
import { databaseSqlDeclarations } from './database-sql.ts'
import { syncDeclarations } from './sync.ts'
import { bytesDeclarations } from './bytes.ts'
import { runtimeDeclarations } from './runtime.ts'

export const ALL_DECLARATIONS: readonly TypeDeclaration[] = [
  ...runtimeDeclarations, ...interfaceDeclarations, ...netUrlDeclarations, ...netHttpDeclarations, ...netDeclarations, ...osDeclarations,
  ...syncDeclarations, ...bytesDeclarations, ...cryptoTlsDeclarations, ...databaseSqlDeclarations,
]

/** The newest release the tables have been checked against; newer ones get no table rather than a guess. */
export const NEWEST_TABLED_MINOR = 27

/**
 * The table for a binary's Go version, or why there is none. Only the Go version
 * matters: the tables hold standard-library types, which come with the toolchain
 * whatever the main module's version, `(devel)` or `replace` directives say.
 * Release candidates and betas count as their release; a development toolchain
 * (`devel go1.24-abc`) sits between two releases, so it gets no table.
 */
export function versionTableFor(v: GoVersion | undefined): VersionTable | string {
  if (!v) return 'the Go version is unknown'
  if (v.prerelease?.kind === 'devel') return `${v.raw} is a development toolchain, whose layouts may be those of no release`
  if (v.major !== 1 || v.minor > NEWEST_TABLED_MINOR) return `Go ${v.raw} is newer than every version table (Go 1.${NEWEST_TABLED_MINOR} is the newest known)`
  return new VersionTable(v.minor)
}

const span = (d: TypeDeclaration) => (d.go[0] === d.go[1] ? `Go 1.${d.go[0]}` : `Go 1.${d.go[0]}–1.${d.go[1]}`)

/** The declarations in force for one Go 1.x release. */
export class VersionTable {
  private readonly current = new Map<string, TypeDeclaration>()
  private readonly built = new Map<string, GoType>()
  /** Types being laid out; a reference back to one (through a pointer) gets this node, filled when it is done. */
  private readonly inProgress = new Map<string, GoType>()

  /** `minor` is x in Go 1.x; the Go version must be a Go 1 release. */
  constructor(readonly minor: number, declarations: readonly TypeDeclaration[] = ALL_DECLARATIONS) {
    for (const d of declarations) {
      if (minor < d.go[0] || minor > d.go[1]) continue
      if (this.current.has(d.name)) throw new UsageError(`version table: ${d.name} is declared twice for Go 1.${minor}`)
      this.current.set(d.name, d)
    }
  }

  /** Names of the complete declarations (prefix-only ones are not types one can hand out). */
  typeNames(): string[] {
    return [...this.current.values()].filter((d) => !d.prefix).map((d) => d.name)
  }

  declaration(name: string): TypeDeclaration | undefined {
    return this.current.get(name)
  }

  /** A complete declared type, or undefined when none is in force for this release. */
  lookupType(name: string): GoType | undefined {
    return this.current.get(name)?.prefix ? undefined : this.build(name)
  }

  /**
   * The declared layout, prefix-only declarations included (whose size is not the type's:
   * use their field offsets only).
   */
  declaredLayout(name: string): GoType | undefined {
    return this.build(name)
  }

  /** A field's offset in a declared struct, prefix-only declarations included. */
  fieldOffset(struct: string, field: string): number | undefined {
    const t = this.build(struct)
    return t?.kind === 'struct' ? t.fields.find((f) => f.name === field)?.offset : undefined
  }

  /**
   * Why a type is not available for this release: the ranges it is declared for, or
   * that it is not declared at all. For error messages.
   */
  explainMissing(name: string): string {
    const ranges = ALL_DECLARATIONS.filter((d) => d.name === name)
    if (ranges.length === 0) return `the version table does not declare ${name}`
    return `the version table declares ${name} for ${ranges.map(span).join(', ')}, not Go 1.${this.minor}`
  }

  private build(name: string): GoType | undefined {
    const done = this.built.get(name) ?? this.inProgress.get(name)
    if (done) return done
    const decl = this.current.get(name)
    if (!decl) return undefined
    const node = {} as GoType
    this.inProgress.set(name, node)
    try {
      const laidOut = withName(parseType(decl.text, (n) => this.build(n)), name)
      if (!Number.isSafeInteger(laidOut.size)) throw new UnsupportedError(`version table: ${name} (${span(decl)}) contains itself by value`)
      Object.assign(node, laidOut)
      this.built.set(name, node)
      return node
    } finally {
      this.inProgress.delete(name)
    }
  }
}
