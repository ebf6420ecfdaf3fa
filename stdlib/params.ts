/** valibot schemas shared by the bundled probes' parameters. */
import { v } from '../src/index.ts'

/** A parameter that may be repeated (`symbol=a symbol=b`): always an array of non-empty strings. */
export const oneOrMore = v.pipe(
  v.union([v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1))]),
  v.transform((s: string | string[]) => (typeof s === 'string' ? [s] : s)),
)

/** `true` or `false`, as a boolean. */
export const flag = (fallback: boolean) =>
  v.pipe(v.optional(v.picklist(['true', 'false']), fallback ? 'true' : 'false'), v.transform((s: 'true' | 'false') => s === 'true'))
