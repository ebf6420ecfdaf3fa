import { isAbsolute, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SourceError } from '../errors.ts'

/** goprobe's own code: an exception whose nearest frame is here is a bug in goprobe. */
const INSTALL_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const OWN_FOLDERS = ['src', 'stdlib', 'probes', 'bin'].map((d) => `${INSTALL_ROOT}${d}${sep}`)

interface Frame {
  file: string
  line: number
  column: number
}

// `    at fn (/path/x.ts:4:5)` or `    at /path/x.ts:4:5` or `    at async file:///path/x.ts:4:5`
const FRAME = /^\s+at (?:.*\(|async )?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/

function frames(stack: string): Frame[] {
  const out: Frame[] = []
  for (const lineText of stack.split('\n')) {
    const m = FRAME.exec(lineText)
    if (!m) continue
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!
    out.push({ file, line: Number(m[2]), column: Number(m[3]) })
  }
  return out
}

/** Node's own modules and installed packages (tsx, esbuild, valibot) are no one's probe code. */
const isLibrary = (file: string): boolean => file.includes(`${sep}node_modules${sep}`) || !isAbsolute(file)
const isGoprobe = (file: string): boolean => OWN_FOLDERS.some((d) => file.startsWith(d))

/** A path as the user would write it: relative when it lies under the working directory. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel
}

const describe = (e: Error): string => `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`

/**
 * An exception thrown while a user's probe module ran (its evaluation or its program's body)
 * as a `SourceError` at the user's line, when the nearest frame outside libraries is in a
 * file that is not goprobe's; otherwise undefined: the error is goprobe's (a bug) or unknown.
 */
export function userCodeError(e: unknown): SourceError | undefined {
  if (!(e instanceof Error) || !e.stack) return undefined
  const top = frames(e.stack).find((f) => !isLibrary(f.file))
  if (!top || isGoprobe(top.file)) return undefined
  return new SourceError(shown(top.file), top.line, top.column, describe(e))
}

/**
 * esbuild's report of source it cannot transform, as tsx passes it on (a `TransformError`
 * whose message lists `file:line:column: ERROR: text`, the column counted from 0).
 */
const TRANSFORM_ERROR = /^(.+):(\d+):(\d+): ERROR: (.*)$/gm

/**
 * A failure to load the user's module `file` as a `SourceError`: a syntax error found by
 * esbuild (through tsx) or by node, or an exception its top-level code threw.
 */
export function moduleLoadError(e: unknown, file: string): SourceError | undefined {
  if (e instanceof Error && e.name === 'TransformError') {
    const [first, ...more] = [...e.message.matchAll(TRANSFORM_ERROR)]
    if (first) {
      const also = more.length ? ` (and ${more.length} more error${more.length > 1 ? 's' : ''})` : ''
      return new SourceError(shown(first[1]!), Number(first[2]), Number(first[3]) + 1, `${first[4]}${also}`)
    }
  }
  const thrown = userCodeError(e)
  if (thrown) return thrown
  // node's module linker (`does not provide an export named 'x'`) gives no position.
  if (e instanceof SyntaxError) return new SourceError(shown(file), undefined, undefined, describe(e))
  return undefined
}
