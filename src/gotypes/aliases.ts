/**
 * The other spellings a Go type name may have in a declared signature or type text: Go's
 * own alias declarations (`os.FileMode` is `io/fs.FileMode`), and a package written by its
 * name rather than its path (`fs.FileMode` for `io/fs.FileMode`), as Go source writes it.
 */
import { UsageError } from '../errors.ts'

/**
 * Exported aliases across packages of the standard library, as Go's source declares them
 * (`type FileMode = fs.FileMode` in os/types.go); test/unit/type-aliases.test.ts checks
 * each against the installed Go's source.
 */
export const STDLIB_ALIASES: Readonly<Record<string, string>> = {
  'os.DirEntry': 'io/fs.DirEntry',
  'os.FileInfo': 'io/fs.FileInfo',
  'os.FileMode': 'io/fs.FileMode',
  'os.PathError': 'io/fs.PathError',
  'html/template.FuncMap': 'text/template.FuncMap',
  'debug/buildinfo.BuildInfo': 'runtime/debug.BuildInfo',
}

/** `io/fs.FileMode` -> [`io/fs`, `FileMode`]; undefined for a name without a package. */
function splitPackage(name: string): [pkg: string, rest: string] | undefined {
  const bracket = name.indexOf('[')
  const head = bracket < 0 ? name : name.slice(0, bracket)
  const dot = head.indexOf('.', head.lastIndexOf('/') + 1)
  return dot <= 0 ? undefined : [head.slice(0, dot), name.slice(dot + 1)]
}

/**
 * The names to look `name` up by, in order: itself; then, when its package is written by
 * name only (no `/`) and one package path of the binary ends in that name, the full path;
 * each followed by the type it aliases. `packagePaths` lists the binary's package paths.
 */
export function typeNameSpellings(name: string, packagePaths: () => Iterable<string>): string[] {
  const out = [name]
  const parts = splitPackage(name)
  if (parts && !parts[0].includes('/')) {
    const [pkg, rest] = parts
    const paths = [...packagePaths()].filter((p) => p !== pkg && p.endsWith(`/${pkg}`)).sort()
    if (paths.length > 1) {
      throw new UsageError(`type ${name}: this binary has ${paths.length} packages named ${pkg} (${paths.join(', ')}); write the full path, e.g. ${paths[0]}.${rest}`)
    }
    if (paths.length === 1) out.push(`${paths[0]}.${rest}`)
  }
  for (const spelling of [...out]) {
    const aliased = STDLIB_ALIASES[spelling]
    if (aliased !== undefined) out.push(aliased)
  }
  return out
}

/**
 * The package path of each function name (`net/http.(*Client).do` -> `net/http`), without the
 * compiler's generated functions (`type:.eq.io/fs.PathError`, `type..eq.` before Go 1.21).
 */
export function packagePathsOf(functionNames: Iterable<string>): Set<string> {
  const out = new Set<string>()
  for (const n of functionNames) {
    const pkg = splitPackage(n)?.[0]
    if (pkg !== undefined && !pkg.startsWith('type.') && !pkg.startsWith('type:') && !pkg.includes(':')) out.add(pkg)
  }
  return out
}
