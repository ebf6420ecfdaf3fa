import type { Conversion } from '../bpftrace/ast.ts'
import { UsageError } from '../errors.ts'

export interface Directive {
  readonly conversion: Conversion
  readonly width: number | undefined
  readonly leftAlign: boolean
  /** `%08x`: pad with zeros to the width (integers only). */
  readonly zeroPad: boolean
}

/** The printf conversions goprobe accepts; C length modifiers (`l`, `ll`, `z`) are accepted and ignored. */
const DIRECTIVE = /%(-?)(0?)(\d*)(?:ll|l|z|h|hh)?(rx|rh|d|u|x|X|s|r|p|c|%)/y

const INTEGER_CONVERSIONS: ReadonlySet<string> = new Set(['d', 'u', 'x', 'X'])

/**
 * Split a printf format into literal text and directives. Unknown conversions are an
 * error naming the position, so a typo never reaches bpftrace as a confusing message.
 */
export function parseFormat(format: string): (string | Directive)[] {
  const out: (string | Directive)[] = []
  let text = ''
  for (let i = 0; i < format.length; ) {
    if (format[i] !== '%') {
      text += format[i]
      i++
      continue
    }
    DIRECTIVE.lastIndex = i
    const m = DIRECTIVE.exec(format)
    if (!m) throw new UsageError(`printf format ${JSON.stringify(format)}: unsupported conversion at column ${i + 1} (use %d %u %x %X %s %r %rx %rh %p %c or %%)`)
    const conversion = m[4] as Conversion | '%'
    if (conversion === '%') text += '%'
    else {
      const zeroPad = m[2] === '0'
      if (zeroPad && (!m[3] || m[1] === '-' || !INTEGER_CONVERSIONS.has(conversion))) {
        throw new UsageError(`printf format ${JSON.stringify(format)}: the 0 flag at column ${i + 1} needs a width and an integer conversion, without '-' (e.g. %08x)`)
      }
      if (text) out.push(text)
      text = ''
      out.push({ conversion, width: m[3] ? Number(m[3]) : undefined, leftAlign: m[1] === '-', zeroPad })
    }
    i += m[0].length
  }
  if (text) out.push(text)
  return out
}
