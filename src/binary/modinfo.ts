import { BinaryFormatError } from '../errors.ts'

/** A module as recorded by the go command: `mod`/`dep` lines, with an optional `=>` replacement. */
export interface Module {
  readonly path: string
  /** `(devel)` for the main module built from a checkout; empty for directory replacements. */
  readonly version: string
  readonly sum?: string
  readonly replace?: Module
}

export interface BuildSetting {
  readonly key: string
  readonly value: string
}

/** The module part of build info: what `go version -m` prints after the version line. */
export interface ModInfo {
  /** Import path of the main package (`path` line). */
  readonly path?: string
  readonly main?: Module
  readonly deps: readonly Module[]
  /** `build` lines in recorded order (-buildmode, -ldflags, CGO_ENABLED, GOAMD64, GOEXPERIMENT, vcs.*). */
  readonly settings: readonly BuildSetting[]
}

/**
 * Parses the tab-separated module info text the go command embeds (format of
 * `runtime/debug.BuildInfo.String`). Unknown line kinds are ignored so newer
 * toolchains can add some; malformed known lines are errors.
 */
export function parseModInfo(text: string): ModInfo {
  let path: string | undefined
  let main: Module | undefined
  const deps: Module[] = []
  const settings: BuildSetting[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const tab = line.indexOf('\t')
    const kind = tab < 0 ? line : line.slice(0, tab)
    const rest = tab < 0 ? '' : line.slice(tab + 1)
    switch (kind) {
      case 'path':
        path = rest
        break
      case 'mod':
        main = parseModule(rest, line)
        break
      case 'dep':
        deps.push(parseModule(rest, line))
        break
      case '=>': {
        const replace = parseModule(rest, line)
        const last = deps.length > 0 ? deps[deps.length - 1] : main
        if (!last) throw new BinaryFormatError(`build info: replacement ${JSON.stringify(line)} follows no module`)
        if (deps.length > 0) deps[deps.length - 1] = { ...last, replace }
        else main = { ...last, replace }
        break
      }
      case 'build':
        settings.push(parseSetting(rest))
        break
    }
  }
  return { ...(path === undefined ? {} : { path }), ...(main ? { main } : {}), deps, settings }
}

function parseModule(fields: string, line: string): Module {
  const [path, version = '', sum = ''] = fields.split('\t')
  if (!path) throw new BinaryFormatError(`build info: module line without a path: ${JSON.stringify(line)}`)
  return sum ? { path, version, sum } : { path, version }
}

/** `key=value`, where either side is a Go-quoted string when it contains spaces, quotes or `=`. */
function parseSetting(text: string): BuildSetting {
  let key: string
  let rest: string
  if (text.startsWith('"')) {
    const end = quotedEnd(text, 0)
    key = unquoteGo(text.slice(0, end))
    rest = text.slice(end)
  } else {
    const eq = text.indexOf('=')
    key = eq < 0 ? text : text.slice(0, eq)
    rest = eq < 0 ? '' : text.slice(eq)
  }
  if (!rest.startsWith('=')) throw new BinaryFormatError(`build info: build setting without '=': ${JSON.stringify(text)}`)
  const raw = rest.slice(1)
  return { key, value: raw.startsWith('"') ? unquoteGo(raw) : raw }
}

/** Index just past the closing quote of the Go string literal starting at `start`. */
function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
  throw new BinaryFormatError(`build info: unterminated quoted string ${JSON.stringify(text)}`)
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" }

/** Decodes a double-quoted Go string literal as written by strconv.Quote. */
export function unquoteGo(literal: string): string {
  if (literal.length < 2 || !literal.startsWith('"') || !literal.endsWith('"')) {
    throw new BinaryFormatError(`build info: bad quoted string ${JSON.stringify(literal)}`)
  }
  const body = literal.slice(1, -1)
  const bytes: number[] = []
  const encoder = new TextEncoder()
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (c !== '\\') {
      const cp = body.codePointAt(i)!
      if (cp > 0xffff) i++
      bytes.push(...encoder.encode(String.fromCodePoint(cp)))
      continue
    }
    const e = body[++i]
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e]
    if (simple !== undefined) {
      bytes.push(simple.charCodeAt(0))
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8
      const digits = body.slice(i + 1, i + 1 + width)
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== width) throw badEscape(literal)
      const value = parseInt(digits, 16)
      if (e === 'x') bytes.push(value)
      else if (value > 0x10ffff) throw badEscape(literal)
      else bytes.push(...encoder.encode(String.fromCodePoint(value)))
      i += width
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const digits = body.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 0xff) throw badEscape(literal)
      bytes.push(parseInt(digits, 8))
      i += 2
    } else {
      throw badEscape(literal)
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

function badEscape(literal: string): BinaryFormatError {
  return new BinaryFormatError(`build info: bad escape in ${JSON.stringify(literal)}`)
}
