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

/** Render rows as aligned columns (first row is the header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n')
}

export const writeJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
