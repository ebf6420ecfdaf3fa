/**
 * Where in a probe's source a goprobe error belongs. This looks, in order, for a stack frame
 * in the probe file (errors the DSL throws while the probe's body runs), then for where the
 * statement at fault was written (src/origin.ts: errors found while compiling or printing
 * it), then for the name the error is about written as a string literal (`'main.nope'`,
 * `'Hots'`: unknown functions and parameters), and otherwise gives the first line.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { UnknownNameError } from '../errors.ts'
import { errorOrigin } from '../origin.ts'

export interface SourcePosition {
  readonly line: number
  readonly column: number
}

export function locateError(error: Error, file: string): SourcePosition {
  const origin = errorOrigin(error)
  return fromStack(error, file) ?? (origin && fromStack(origin, file)) ?? fromQuotedName(error, readFileSync(file, 'utf8')) ?? { line: 1, column: 1 }
}

function fromStack(error: Error, file: string): SourcePosition | undefined {
  for (const m of (error.stack ?? '').matchAll(/\(?((?:file:\/\/)?\/[^\s()]+):(\d+):(\d+)\)?$/gm)) {
    const path = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!
    if (path === file) return { line: Number(m[2]), column: Number(m[3]) }
  }
  return undefined
}

/** The names an error message quotes (JSON style), the requested one first. */
function quotedNames(error: Error): string[] {
  const names = [...error.message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string)
  return error instanceof UnknownNameError ? [error.requested, ...names] : names
}

function fromQuotedName(error: Error, source: string): SourcePosition | undefined {
  for (const name of quotedNames(error)) {
    for (const quote of ["'", '"', '`']) {
      const at = source.indexOf(`${quote}${name}${quote}`)
      if (at >= 0) {
        const before = source.slice(0, at).split('\n')
        return { line: before.length, column: before[before.length - 1]!.length + 1 }
      }
    }
  }
  return undefined
}
