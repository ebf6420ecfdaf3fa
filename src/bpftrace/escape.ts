/**
 * Everything that puts outside text (symbol names from a binary, paths, user strings, comments)
 * into bpftrace source goes through here. Strings are escaped with the escapes every version's
 * lexer understands (\n \t \r \" \\ \xHH); attach-point parts that quoting cannot make safe are
 * refused with an error naming the text, so a hostile name can never become code.
 */
import { UnsupportedError, UsageError } from '../errors.ts'

const encoder = new TextEncoder()

/**
 * A bpftrace string literal (with its quotes) whose value is exactly `value`'s UTF-8 bytes.
 * Non-ASCII and control bytes become `\xHH` with two digits, so a following hex digit can never
 * extend the escape. NUL is refused: bpftrace keeps strings as C strings and would cut it there.
 */
export function quoteString(value: string, what = 'string'): string {
  let out = '"'
  for (const byte of encoder.encode(value)) {
    if (byte === 0) throw new UsageError(`${what} ${JSON.stringify(value)} contains a NUL byte, which bpftrace cannot hold`)
    out += escapeByte(byte)
  }
  return out + '"'
}

function escapeByte(byte: number): string {
  switch (byte) {
    case 0x0a: return '\\n'
    case 0x09: return '\\t'
    case 0x0d: return '\\r'
    case 0x22: return '\\"'
    case 0x5c: return '\\\\'
  }
  if (byte < 0x20 || byte >= 0x7f) return '\\x' + byte.toString(16).padStart(2, '0')
  return String.fromCharCode(byte)
}

/** Literal text for a printf format: every `%` doubled so user text cannot add a conversion. */
export function formatText(text: string): string {
  return text.replaceAll('%', '%%')
}

/**
 * `//` comment lines for arbitrary text: one per line of the text, with every character outside
 * printable ASCII written as an escape. Only a newline ends a `//` comment, and none survives.
 */
export function commentLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/).map((line) => (line === '' ? '//' : `// ${printableAscii(line)}`))
}

function printableAscii(text: string): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code >= 0x20 && code < 0x7f) out += ch
    else if (code < 0x100) out += '\\x' + code.toString(16).padStart(2, '0')
    else out += `\\u{${code.toString(16)}}`
  }
  return out
}

/** Characters no attach-point part may hold: quote and backslash end or escape the quoting. */
function forbiddenInAttachPoint(text: string): string | undefined {
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return 'a control character'
    if (ch === '"') return 'a double quote'
    if (ch === '\\') return 'a backslash'
    // bpftrace splits attach points on ':' outside quotes; the 0.26 parser's handling of it
    // inside quotes differs from 0.17's, so stay clear of it.
    if (ch === ':') return "a ':'"
  }
  if (text.includes('*') || text.includes('?')) return 'a wildcard character (* or ?)'
  // has_wildcard() in every version treats a string holding both brackets as a pattern.
  if (text.includes('[') && text.includes(']')) return "both '[' and ']' (a wildcard pattern)"
  return undefined
}

/** The quoted binary path of a uprobe. It must be absolute: a bare "lib..." is looked up in ld.so.cache. */
export function quoteAttachPath(path: string): string {
  const bad = path.startsWith('/') ? forbiddenInAttachPoint(path) : 'no leading / (it must be absolute)'
  if (bad) throw new UsageError(`cannot use ${JSON.stringify(path)} as a uprobe path: it has ${bad}`)
  return `"${path}"`
}

/**
 * The quoted symbol of a uprobe. Quotes cannot hide wildcards, and a '+' is always read as the
 * start of an offset, so such symbols must be probed by address instead.
 */
export function quoteAttachSymbol(symbol: string): string {
  let bad = forbiddenInAttachPoint(symbol)
  if (!bad && symbol.includes('+')) bad = "a '+' (read as an offset)"
  if (!bad && /^[0-9]/.test(symbol)) bad = 'a leading digit (read as an address)'
  if (!bad && symbol === '') bad = 'no characters'
  if (bad) {
    throw new UnsupportedError(
      `symbol ${JSON.stringify(symbol)} cannot be written in a bpftrace attach point: it has ${bad}; probe it by address`,
    )
  }
  return `"${symbol}"`
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Variable, map and tracepoint names: plain identifiers only, never escaped text. */
export function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new UsageError(`invalid ${what} name ${JSON.stringify(name)}`)
  return name
}
