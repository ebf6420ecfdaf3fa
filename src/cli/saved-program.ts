/**
 * `goprobe run saved.bt`: a program written by `goprobe compile`, run only against the build
 * it was compiled for. Its header names the binary and its build id; the binary at that path
 * is checked first, since a rebuilt binary moves code and a probe address computed for the old
 * one can land inside an instruction (the service then dies with SIGILL).
 */
import { readFileSync } from 'node:fs'
import { UsageError } from '../errors.ts'
import { buildIdOf } from './process-check.ts'

export interface SavedProgram {
  readonly text: string
  readonly binary: string
  readonly buildId: string
  /** What bpftrace needs (the header's `needs:` line). */
  readonly unsafe: boolean
  readonly env: Readonly<Record<string, string>>
  /** The bpftrace it was printed for. */
  readonly bpftrace: string
}

/** The header's `// key: value` line, or undefined. */
function headerValue(text: string, key: string): string | undefined {
  return new RegExp(`^// ${key}:\\s+(.*)$`, 'm').exec(text)?.[1]?.trim()
}

/** Read a saved program and its header; a file without goprobe's header is refused. */
export function readSavedProgram(file: string): SavedProgram {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  const binary = headerValue(text, 'binary')
  const buildId = headerValue(text, 'build id')
  const needs = headerValue(text, 'needs')
  if (!binary || !buildId || needs === undefined) {
    throw new UsageError(`${file} has no goprobe header (binary:, build id: and needs: lines): only programs written by goprobe compile can be run this way`)
  }
  const words = needs.split(/\s+/).filter(Boolean)
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]))
  const bpftrace = words.find((w) => !/^[A-Z_]+=/.test(w) && w !== '--unsafe') ?? 'bpftrace'
  return { text, binary, buildId, unsafe: words.includes('--unsafe'), env, bpftrace }
}

/** Refuse, in one line, to run `saved` unless the binary at its path is the build it names. */
export function checkSavedBinary(file: string, saved: SavedProgram): void {
  let onDisk: string
  try {
    onDisk = buildIdOf(saved.binary)
  } catch (e) {
    throw new UsageError(`${file} is for ${saved.binary}, which cannot be read as a Go program (${(e as Error).message})`)
  }
  if (onDisk !== saved.buildId) {
    throw new UsageError(`${file} was compiled for another build of ${saved.binary} (build id ${saved.buildId}, now ${onDisk}): compile it again; running it could crash the program`)
  }
}
