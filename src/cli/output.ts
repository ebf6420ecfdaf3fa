import { GoprobeError, SourceError } from '../errors.ts'
import { userCodeError } from './user-code.ts'

/**
 * The CLI's error boundary: goprobe's own errors, and exceptions thrown by the user's probe
 * code, become one line on stderr and their exit code; anything else is a bug in goprobe and
 * keeps its stack trace so it can be reported.
 */
export async function runCommand(fn: () => Promise<number | void>): Promise<void> {
  try {
    const code = await fn()
    if (typeof code === 'number') process.exitCode = code
  } catch (thrown) {
    const e = thrown instanceof GoprobeError ? thrown : (userCodeError(thrown) ?? thrown)
    if (e instanceof GoprobeError) {
      // A position in the user's file leads the line, as compilers print it, so editors can jump there.
      process.stderr.write(e instanceof SourceError ? `${e.message}\n` : `goprobe: ${e.message}\n`)
      process.exitCode = e.exitCode
      return
    }
    process.stderr.write(`goprobe: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exitCode = 70
  }
}

/** Columns to keep output within: the terminal's, or $COLUMNS, or 100 when output is not a terminal. */
export function terminalWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns
  const env = Number(process.env.COLUMNS)
  return Number.isInteger(env) && env > 0 ? env : 100
}

export interface TableLayout {
  /** The widest a line may be; unlimited when not given. */
  readonly width?: number
  /** Columns of running text, wrapped at spaces to fit; other columns are shortened in the middle with "…". */
  readonly wrap?: readonly number[]
}

const GAP = 2
/** Running text is narrowed to this first; names keep their width as long as text can give. */
const MIN_TEXT = 24
/** No column is narrowed below this (a table wider than the terminal beats unreadable cells). */
const MIN_COLUMN = 12

/** Render rows as aligned columns (first row is the header), within `layout.width` where possible. */
export function table(rows: readonly (readonly string[])[], layout: TableLayout = {}): string {
  const wrap = new Set(layout.wrap ?? [])
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  if (layout.width !== undefined) narrow(widths, wrap, layout.width)
  const out: string[] = []
  for (const row of rows) {
    const cells = row.map((cell, i) => (wrap.has(i) ? wrapText(cell, widths[i]!) : [shortenMiddle(cell, widths[i]!)]))
    const height = Math.max(...cells.map((c) => c.length))
    for (let l = 0; l < height; l++) {
      out.push(cells.map((c, i) => (i === cells.length - 1 ? (c[l] ?? '') : (c[l] ?? '').padEnd(widths[i]!))).join(' '.repeat(GAP)).trimEnd())
    }
  }
  return out.join('\n')
}

/** Take columns in, widest first, until the line fits `width`: running text down to MIN_TEXT, then any column down to MIN_COLUMN. */
function narrow(widths: number[], wrap: ReadonlySet<number>, width: number): void {
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) - width
  const passes = [(i: number) => (wrap.has(i) ? MIN_TEXT : Infinity), () => MIN_COLUMN]
  for (const floor of passes) {
    while (excess > 0) {
      let widest = -1
      widths.forEach((w, i) => {
        if (w > floor(i) && (widest < 0 || w > widths[widest]!)) widest = i
      })
      if (widest < 0) break
      widths[widest]!--
      excess--
    }
  }
}

/** `net/http.(*conn).se…ServeHTTP`: the start and the end of a name, which say most about it. */
function shortenMiddle(text: string, width: number): string {
  if (text.length <= width) return text
  const head = Math.ceil((width - 1) / 2)
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`
}

/** Lines of at most `width`, broken after spaces; a word longer than a line is cut. */
function wrapText(text: string, width: number): string[] {
  const lines: string[] = []
  let current = ''
  for (const word of text.split(/(?<= )/)) {
    if (current.length + word.trimEnd().length > width && current !== '') {
      lines.push(current.trimEnd())
      current = ''
    }
    current += word
    while (current.length > width) {
      lines.push(current.slice(0, width))
      current = current.slice(width)
    }
  }
  if (current.trimEnd() !== '' || lines.length === 0) lines.push(current.trimEnd())
  return lines
}

export const writeJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
