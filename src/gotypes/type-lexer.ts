/**
 * Tokens of Go type and signature text. A qualified name with its import path
 * (`net/http.Request`, `gopkg.in/yaml.v3.Node`) is one `name` token, because that is
 * how Go tools print type names and a path cannot be told apart from selectors later.
 * Newlines become `;` where Go's automatic semicolon insertion would put one, and
 * comments are skipped, so text copied from source parses like the source.
 */
import { UsageError } from '../errors.ts'

export type TokenKind = 'name' | 'number' | 'string' | 'punct' | 'eof'

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  /** Offset of the first character in the source text. */
  readonly start: number
  readonly end: number
}

const PUNCTUATION = ['...', '<-', '(', ')', '[', ']', '{', '}', ',', ';', '*', '|', '~']
const NAME_START = /[\p{L}_]/u
const NAME_PART = /[\p{L}\p{N}_]/u
/** Characters an import path may hold besides identifier characters. */
const PATH_PART = /[./\-~%+]/

/** A syntax error naming the 1-based column, so the user can find it in a long signature. */
export function syntaxError(source: string, offset: number, problem: string): UsageError {
  return new UsageError(`${problem} at column ${offset + 1} in ${JSON.stringify(source)}`)
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, start: number, end: number, text = source.slice(start, end)) => tokens.push({ kind, text, start, end })
  while (i < source.length) {
    const c = source[i]!
    if (c === '\n') {
      if (endsStatement(tokens[tokens.length - 1])) push('punct', i, i + 1, ';')
      i++
      continue
    }
    if (/\s/.test(c)) { i++; continue }
    if (source.startsWith('//', i)) {
      // A line comment ends at the newline, which the next round still sees.
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) throw syntaxError(source, i, 'unterminated comment')
      i = end + 2
      continue
    }
    const start = i
    if (NAME_START.test(c)) {
      i = scanName(source, i)
      push('name', start, i)
    } else if (/[0-9]/.test(c)) {
      while (i < source.length && /[0-9a-fA-FxX_]/.test(source[i]!)) i++
      push('number', start, i)
    } else if (c === '"' || c === '`') {
      i = scanString(source, i)
      push('string', start, i)
    } else {
      const p = PUNCTUATION.find((s) => source.startsWith(s, i))
      if (p === undefined) throw syntaxError(source, i, `unexpected character ${JSON.stringify(c)}`)
      i += p.length
      push('punct', start, i)
    }
  }
  tokens.push({ kind: 'eof', text: '', start: source.length, end: source.length })
  return tokens
}

/** An identifier, continued through path characters as long as an identifier character follows them. */
function scanName(source: string, i: number): number {
  for (;;) {
    while (i < source.length && NAME_PART.test(source[i]!)) i++
    let j = i
    while (j < source.length && PATH_PART.test(source[j]!) && !source.startsWith('...', j)) j++
    if (j === i || j >= source.length || !NAME_PART.test(source[j]!)) return i
    i = j
  }
}

function scanString(source: string, i: number): number {
  const quote = source[i]!
  for (let j = i + 1; j < source.length; j++) {
    if (quote === '"' && source[j] === '\\') { j++; continue }
    if (source[j] === quote) return j + 1
  }
  throw syntaxError(source, i, 'unterminated string')
}

function endsStatement(t: Token | undefined): boolean {
  if (t === undefined) return false
  return t.kind === 'name' || t.kind === 'number' || t.kind === 'string' || t.text === ')' || t.text === ']' || t.text === '}'
}
