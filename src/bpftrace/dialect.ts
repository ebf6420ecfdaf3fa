/**
 * What a range of bpftrace versions accepts, derived from release numbers alone (the facts come
 * from docs/bpftrace-compat.md and bpftrace's source at each tag). A dialect covering several
 * versions offers only what every one of them accepts, so one printed program runs on all.
 */
import { UsageError } from '../errors.ts'
import { atLeast, compareVersions, formatVersion, parseVersion, type BpftraceVersion } from './version.ts'

/** How `str(p, n)` treats n: copies n bytes (<= 0.22), n-1 bytes (>= 0.23), or either. */
export type StrLengthSemantics = 'n-bytes' | 'n-minus-one-bytes' | 'mixed'

export interface Dialect {
  /** Oldest version the printed program must run on. */
  readonly oldest: BpftraceVersion
  /** Newest version, or undefined for "every later release too". */
  readonly newest: BpftraceVersion | undefined
  /** `let $x = ...;` declarations (0.22, with block scoping). */
  readonly letDeclarations: boolean
  /** `config = { ... }` blocks (0.20; 0.21 for empty blocks and a trailing `;`). */
  readonly configBlock: boolean
  /** `for ($kv : @map)` loops (0.21). */
  readonly forLoops: boolean
  /**
   * The value of a count(), sum(), min(), max() or avg() map can be read in an expression.
   * 0.17 refuses it ("Casts are not supported for type: count"); 0.23 and later accept it. The
   * issue tracker puts the change at 0.21; only 0.17 and 0.23+ were run here.
   */
  readonly readsAggregations: boolean
  /** `delete(@m, key)` (0.22); `delete(@m[key])` works everywhere. */
  readonly twoArgDelete: boolean
  /**
   * `delete` returns whether the key was there, and a statement that drops a value is warned
   * about ("Return value discarded", 0.25): its value goes to a variable. Before 0.24 it
   * returns nothing, and assigning that is an error.
   */
  readonly deleteValueKept: boolean
  /**
   * Registers are read once into variables at the top of a probe whose if/else branches both
   * read registers (before 0.22): 0.17's code can merge those loads into one through a ctx
   * pointer chosen by the branch, which the kernel's verifier refuses ("dereference of modified
   * ctx ptr"). See lower.ts.
   */
  readonly registersInVariables: boolean
  /**
   * `%%` in a printf format means a literal `%` (0.24). Before, formats were split with a regex
   * that counts the second `%` of `%%d` as a conversion and prints text after the last
   * conversion unformatted, so `%%` there stays `%%`.
   */
  readonly percentEscape: boolean
  /** `exit(code)` (0.22). */
  readonly exitCode: boolean
  /**
   * Bytes of BPF stack a printf's arguments may take, for versions that build the whole payload
   * on the 512-byte stack (< 0.22); undefined when large arguments go through scratch maps.
   */
  readonly printfStackLimit: number | undefined
  readonly strLength: StrLengthSemantics
  /** Environment variables that set the string length on every version of the range. */
  readonly strlenEnvVars: readonly string[]
  /** Largest accepted string length (200 up to 0.20), undefined when uncapped. */
  readonly maxStrlen: number | undefined
  /** The smallest default string length in the range (64 before 0.23, 1024 after). */
  readonly defaultStrlen: number
  /**
   * An integer `?:` may have an arm that branches itself (a map lookup, another `?:`, `&&`,
   * `||`). On 0.22 and 0.23 the result is joined from the arms' first blocks instead of their
   * last, so such an arm gives a wrong value (bpftrace #4577, fixed in 0.24): a Go string's
   * length clamped that way printed up to the whole string limit.
   */
  readonly branchingTernaryArms: boolean
  /**
   * Bytes of the string length that `buf()` keeps for its own length header: from 0.22 a
   * buffer holds at most the string length minus 4, before all of it.
   */
  readonly bufHeaderBytes: number
  /**
   * The smallest string length the program may configure. From 0.25 `delete` expands a macro
   * of bpftrace's own library holding a 61-byte literal, refused ("String is too long") when
   * the string length is shorter.
   */
  readonly minStrlen: number
  /** Some version of the range reads BPFTRACE_MAX_STRLEN and builds printf records on the stack (0.20, 0.21). */
  readonly readsMaxStrlenWithStackLimit: boolean
  /**
   * Bytes a string `?:` (such as the truncation marker's) takes whatever its arms, when some
   * version of the range gives it a fixed size: 0.17 makes it 64, later releases size it by its
   * arms or the string length.
   */
  readonly stringTernaryBytes: number | undefined
}

/** The oldest release goprobe targets: Debian 12's bpftrace. */
export const OLDEST_SUPPORTED = '0.17.0'

/** A dialect for exactly one bpftrace release. */
export function dialectFor(version: string | BpftraceVersion): Dialect {
  const v = typeof version === 'string' ? parseVersion(version) : version
  return dialectRange(v, v)
}

/**
 * A dialect from what a user writes: one release (`0.22.0`) or a range as program headers
 * print it (`0.17.0..latest`, `0.17..0.21`).
 */
export function dialectFromText(text: string): Dialect {
  const cut = text.indexOf('..')
  if (cut < 0) return dialectFor(text)
  const newest = text.slice(cut + 2)
  return dialectRange(text.slice(0, cut), newest === 'latest' ? undefined : newest)
}

/**
 * A dialect for every release from `oldest` to `newest` (inclusive; omitted = no upper bound).
 * The default, `dialectRange()`, is the conservative subset accepted from 0.17 to the latest.
 */
export function dialectRange(
  oldest: string | BpftraceVersion = OLDEST_SUPPORTED,
  newest?: string | BpftraceVersion,
): Dialect {
  const lo = typeof oldest === 'string' ? parseVersion(oldest) : oldest
  const hi = typeof newest === 'string' ? parseVersion(newest) : newest
  if (compareVersions(lo, parseVersion(OLDEST_SUPPORTED)) < 0) {
    throw new UsageError(`bpftrace ${formatVersion(lo)} is older than the oldest supported (${OLDEST_SUPPORTED})`)
  }
  if (hi && compareVersions(hi, lo) < 0) {
    throw new UsageError(`empty bpftrace version range ${formatVersion(lo)}..${formatVersion(hi)}`)
  }
  /** Some version of the range is older than `release`. */
  const reachesBelow = (release: string) => !atLeast(lo, release)
  /** Some version of the range is `release` or newer. */
  const reachesFrom = (release: string) => hi === undefined || atLeast(hi, release)

  const strlenEnvVars: string[] = []
  // BPFTRACE_STRLEN is the only name up to 0.19, deprecated 0.20-0.23, ignored from 0.24.
  if (reachesBelow('0.20')) strlenEnvVars.push('BPFTRACE_STRLEN')
  if (reachesFrom('0.20')) strlenEnvVars.push('BPFTRACE_MAX_STRLEN')

  return {
    oldest: lo,
    newest: hi,
    letDeclarations: atLeast(lo, '0.22'),
    configBlock: atLeast(lo, '0.20'),
    forLoops: atLeast(lo, '0.21'),
    readsAggregations: atLeast(lo, '0.21'),
    twoArgDelete: atLeast(lo, '0.22'),
    deleteValueKept: atLeast(lo, '0.25'),
    registersInVariables: reachesBelow('0.22'),
    percentEscape: atLeast(lo, '0.24'),
    exitCode: atLeast(lo, '0.22'),
    printfStackLimit: reachesBelow('0.22') ? 512 : undefined,
    strLength: !reachesFrom('0.23') ? 'n-bytes' : atLeast(lo, '0.23') ? 'n-minus-one-bytes' : 'mixed',
    strlenEnvVars,
    maxStrlen: reachesBelow('0.21') ? 200 : undefined,
    defaultStrlen: reachesBelow('0.23') ? 64 : 1024,
    branchingTernaryArms: !(reachesFrom('0.22') && reachesBelow('0.24')),
    bufHeaderBytes: reachesFrom('0.22') ? 4 : 0,
    minStrlen: reachesFrom('0.25') ? 64 : 1,
    readsMaxStrlenWithStackLimit: reachesFrom('0.20') && reachesBelow('0.22'),
    stringTernaryBytes: reachesBelow('0.18') ? 64 : undefined,
  }
}

export function describeDialect(d: Dialect): string {
  if (d.newest && compareVersions(d.oldest, d.newest) === 0) return `bpftrace ${formatVersion(d.oldest)}`
  return `bpftrace ${formatVersion(d.oldest)}..${d.newest ? formatVersion(d.newest) : 'latest'}`
}
