/**
 * Parsers for the external tools goprobe's tests compare against: `go tool nm`,
 * `objdump -d` (GNU binutils) and `go version -m`. They parse the tools' text exactly
 * and throw on any line they do not understand, so a format change cannot pass silently.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { FixtureBuild, Toolchain } from './fixtures.ts'

const execFileAsync = promisify(execFile)

/** A binary to ask about: a fixture build (its own toolchain answers) or a path (the `go` on PATH answers). */
export type OracleTarget = FixtureBuild | string

async function runGo(target: OracleTarget, args: string[]): Promise<string> {
  const path = typeof target === 'string' ? target : target.path
  const tc: Pick<Toolchain, 'goBin' | 'env'> = typeof target === 'string' ? { goBin: 'go', env: { GOTOOLCHAIN: 'local' } } : target.toolchain
  const { stdout } = await execFileAsync(tc.goBin, [...args, path], { env: { ...process.env, ...tc.env }, maxBuffer: 256 * 1024 * 1024 })
  return stdout
}

export interface NmSymbol {
  name: string
  /** Virtual address; 0 for undefined (`U`) symbols, which nm prints without an address. */
  addr: number
  size: number
  /** nm's one-letter type: T/t text, D/d data, B/b bss, R/r read-only, U undefined, _ other. */
  type: string
}

// "  5eb900         10 T main.(*Counter).Inc": address (blank for U), size, type, then the name,
// which may itself contain spaces (e.g. generic instantiations over interface shapes).
const NM_LINE = /^ *([0-9a-f]*) +(\d+) (\S) (.+)$/

/** `go tool nm -size` of the binary. A binary without a symbol table (stripped) gives []. */
export async function goToolNm(target: OracleTarget): Promise<NmSymbol[]> {
  let text: string
  try {
    text = await runGo(target, ['tool', 'nm', '-size'])
  } catch (err) {
    if (hasStderr(err) && /: no symbols\s*$/.test(err.stderr)) return []
    throw err
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = NM_LINE.exec(line)
      if (!m) throw new Error(`go tool nm: cannot parse line ${JSON.stringify(line)}`)
      const [, addr = '', size = '', type = '', name = ''] = m
      return { name, addr: addr === '' ? 0 : parseInt(addr, 16), size: Number(size), type }
    })
}

export interface ObjdumpInstruction {
  addr: number
  /** The mnemonic, with any prefix (e.g. 'ret', 'call', 'rep stos'). */
  mnemonic: string
  /** Operand text as objdump prints it (AT&T syntax), '' when none. */
  operands: string
}

// "  5ebb59:\tret" or "  5ebae0:\tcmp    0x10(%r14),%rsp" (with --no-show-raw-insn).
const INSN_LINE = /^ *([0-9a-f]+):\t(.*)$/
const PREFIXES = new Set(['rep', 'repz', 'repe', 'repnz', 'repne', 'lock', 'notrack', 'bnd', 'data16', 'cs', 'ds'])

/** Every instruction objdump decodes in [startAddr, endAddr). */
export async function objdumpInstructions(binaryPath: string, startAddr: number, endAddr: number): Promise<ObjdumpInstruction[]> {
  const { stdout } = await execFileAsync(
    'objdump',
    ['-d', '--no-show-raw-insn', `--start-address=0x${startAddr.toString(16)}`, `--stop-address=0x${endAddr.toString(16)}`, binaryPath],
    { maxBuffer: 256 * 1024 * 1024 },
  )
  const instructions: ObjdumpInstruction[] = []
  for (const line of stdout.split('\n')) {
    const m = INSN_LINE.exec(line)
    if (!m) continue // headers, "Disassembly of section", "<symbol>:" labels, blank lines
    const [, addr = '', text = ''] = m
    instructions.push({ addr: parseInt(addr, 16), ...splitInstruction(text.replace(/\s+#.*$/, '').trim()) })
  }
  return instructions
}

function splitInstruction(text: string): { mnemonic: string; operands: string } {
  const words = text.split(/\s+/)
  let i = 0
  while (i < words.length - 1 && PREFIXES.has(words[i] ?? '')) i++
  const mnemonic = words.slice(0, i + 1).join(' ')
  return { mnemonic, operands: words.slice(i + 1).join(' ') }
}

/** Addresses of the RET instructions (`ret`, `retq`, with or without prefix or immediate) in [startAddr, endAddr). */
export async function objdumpRets(binaryPath: string, startAddr: number, endAddr: number): Promise<number[]> {
  const instructions = await objdumpInstructions(binaryPath, startAddr, endAddr)
  return instructions.filter((i) => /^(\S+ )*retq?$/.test(i.mnemonic)).map((i) => i.addr)
}

export interface GoModule {
  path: string
  version: string
  /** The go.sum hash; undefined when `go version -m` prints none (e.g. the main module). */
  sum?: string
  replace?: GoModule
}

export interface GoVersionM {
  /** The file name as `go version -m` printed it. */
  file: string
  /** e.g. 'go1.26.8' */
  goVersion: string
  /** The main package path. */
  path?: string
  mod?: GoModule
  deps: GoModule[]
  /** The `build` lines, e.g. { '-buildmode': 'pie', CGO_ENABLED: '0', '-ldflags': '-s -w' }. */
  settings: Record<string, string>
}

/** `go version -m` of the binary, parsed. */
export async function goVersionM(target: OracleTarget): Promise<GoVersionM> {
  return parseGoVersionM(await runGo(target, ['version', '-m']))
}

/** Parses the text of `go version -m <one file>`. */
export function parseGoVersionM(text: string): GoVersionM {
  const [header = '', ...lines] = text.split('\n').filter((l) => l !== '')
  const sep = header.lastIndexOf(': ')
  if (sep < 0) throw new Error(`go version -m: cannot parse header ${JSON.stringify(header)}`)
  const info: GoVersionM = { file: header.slice(0, sep), goVersion: header.slice(sep + 2), deps: [], settings: {} }
  let last: GoModule | undefined
  for (const line of lines) {
    const [kind, ...fields] = line.replace(/^\t/, '').split('\t')
    switch (kind) {
      case 'path':
        info.path = fields[0]
        break
      case 'mod':
        info.mod = last = parseModule(fields, line)
        break
      case 'dep':
        last = parseModule(fields, line)
        info.deps.push(last)
        break
      case '=>':
        if (!last) throw new Error(`go version -m: replacement without a module: ${JSON.stringify(line)}`)
        last.replace = parseModule(fields, line)
        break
      case 'build': {
        const [key, value] = parseSetting(fields.join('\t'))
        info.settings[key] = value
        break
      }
      default:
        throw new Error(`go version -m: cannot parse line ${JSON.stringify(line)}`)
    }
  }
  return info
}

function parseModule(fields: string[], line: string): GoModule {
  const [path, version, sum] = fields
  if (!path || version === undefined) throw new Error(`go version -m: cannot parse module line ${JSON.stringify(line)}`)
  return sum ? { path, version, sum } : { path, version }
}

/** A build setting is `key=value`; key and value are Go-quoted when they contain spaces, quotes or '='. */
function parseSetting(text: string): [string, string] {
  let key: string
  let rest: string
  if (text.startsWith('"')) {
    const end = quotedLength(text)
    key = goUnquote(text.slice(0, end))
    rest = text.slice(end)
  } else {
    const eq = text.indexOf('=')
    if (eq < 0) throw new Error(`go version -m: cannot parse build setting ${JSON.stringify(text)}`)
    key = text.slice(0, eq)
    rest = text.slice(eq)
  }
  if (!rest.startsWith('=')) throw new Error(`go version -m: cannot parse build setting ${JSON.stringify(text)}`)
  const value = rest.slice(1)
  return [key, value.startsWith('"') ? goUnquote(value) : value]
}

/** Length of the double-quoted Go string literal at the start of text, quotes included. */
function quotedLength(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
  throw new Error(`go version -m: unterminated quoted string ${JSON.stringify(text)}`)
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" }

/** Undoes Go's strconv.Quote (which `go version -m` uses), including \x, \u and \U escapes. */
export function goUnquote(literal: string): string {
  if (literal.length < 2 || !literal.startsWith('"') || !literal.endsWith('"')) throw new Error(`not a Go string literal: ${literal}`)
  const body = literal.slice(1, -1)
  const bytes: number[] = []
  const encoder = new TextEncoder()
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? ''
    if (c !== '\\') {
      const cp = body.codePointAt(i) ?? 0
      bytes.push(...encoder.encode(String.fromCodePoint(cp)))
      if (cp > 0xffff) i++
      continue
    }
    const e = body[++i] ?? ''
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    if (width > 0) {
      const hexDigits = body.slice(i + 1, i + 1 + width)
      if (!/^[0-9a-fA-F]+$/.test(hexDigits) || hexDigits.length !== width) throw new Error(`bad escape in Go string literal: ${literal}`)
      const n = parseInt(hexDigits, 16)
      if (e === 'x') bytes.push(n)
      else bytes.push(...encoder.encode(String.fromCodePoint(n)))
      i += width
    } else if (/[0-7]/.test(e)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8))
      i += 2
    } else if (e in SIMPLE_ESCAPES) {
      bytes.push(...encoder.encode(SIMPLE_ESCAPES[e]))
    } else {
      throw new Error(`bad escape \\${e} in Go string literal: ${literal}`)
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

function hasStderr(err: unknown): err is { stderr: string } {
  return typeof err === 'object' && err !== null && 'stderr' in err && typeof err.stderr === 'string'
}
