/**
 * Go releases newer than every one goprobe has checked. Their runtime type metadata is
 * read with the newest checked layout only where the binary confirms that layout: the
 * runtime.g descriptor, found by name, must decode to the fields the newest version
 * table declares for runtime.g (the fields up to goid), with the same names, offsets and
 * sizes. Decoding it touches every part of the format a probe relies on (the moduledata
 * ranges, the walk over descriptors, headers, struct field records, names), and the
 * declared offsets are the ones the goroutine id is read with. Anything else is refused
 * with what did not match; the version tables themselves are never stretched to a
 * newer release.
 */
import type { GoVersion } from './binary/go-version.ts'
import type { RuntimeTypes } from './binary/runtime-types.ts'
import { UnsupportedError } from './errors.ts'
import { NEWEST_TABLED_MINOR, VersionTable } from './gotypes/tables/version-table.ts'
import type { GoType } from './gotypes/types.ts'

/**
 * Throws UnsupportedError unless `types`, read with a layout assumed from an older release
 * (`types.layout.assumedFrom`), holds a runtime.g equal to the newest table's declaration.
 */
export function confirmAssumedLayout(types: RuntimeTypes, version: GoVersion): void {
  const assumed = types.layout.assumedFrom
  if (assumed === undefined) return
  const expected = new VersionTable(NEWEST_TABLED_MINOR).declaredLayout('runtime.g')
  const problem = expected ? mismatch(types.lookupType('runtime.g'), expected) : `the version table of Go 1.${NEWEST_TABLED_MINOR} declares no runtime.g`
  if (problem) {
    throw new UnsupportedError(`runtime type metadata of Go ${version.raw} is newer than goprobe knows, and the binary does not confirm that ${assumed}'s layout still holds: ${problem}`)
  }
}

/** Why runtime.g as decoded differs from the declared leading fields, or undefined when it does not. */
function mismatch(got: GoType | undefined, expected: GoType): string | undefined {
  if (!got) return 'its runtime type metadata has no runtime.g to check'
  if (got.kind !== 'struct' || expected.kind !== 'struct') return `its runtime.g is a ${got.kind}, not a struct`
  const release = `Go 1.${NEWEST_TABLED_MINOR}`
  for (const [i, want] of expected.fields.entries()) {
    const have = got.fields[i]
    const wanted = `${want.name} at ${want.offset} (${want.type.size} bytes)`
    if (!have) return `its runtime.g ends after ${got.fields.length} fields, where ${release} has ${wanted}`
    if (have.name !== want.name || have.offset !== want.offset || have.type.size !== want.type.size) {
      return `field ${i} of its runtime.g is ${have.name} at ${have.offset} (${have.type.size} bytes), where ${release} has ${wanted}`
    }
  }
  return undefined
}
