import { existsSync, readdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ProgramDefinition } from '../dsl/program.ts'
import { UsageError } from '../errors.ts'
import { suggest } from '../util/suggest.ts'
import { moduleLoadError } from './user-code.ts'

/** The bundled probes folder of this installation. */
export const PROBES_DIR = fileURLToPath(new URL('../../probes/', import.meta.url))

export function bundledProbeNames(): string[] {
  return readdirSync(PROBES_DIR).filter((f) => f.endsWith('.ts')).map((f) => basename(f, '.ts')).sort()
}

/** A probe module by bundled name (`httpsnoop`) or by path (`./my-probe.ts`), loaded and checked. */
export async function loadProbe(nameOrPath: string): Promise<ProgramDefinition> {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.ts') || nameOrPath.endsWith('.js')
  const file = looksLikePath ? resolve(nameOrPath) : join(PROBES_DIR, `${nameOrPath}.ts`)
  if (!existsSync(file)) {
    if (looksLikePath) throw new UsageError(`no probe module at ${file}`)
    const names = bundledProbeNames()
    throw new UsageError(`no bundled probe named ${JSON.stringify(nameOrPath)}${hint(suggest(nameOrPath, names))} (goprobe list shows them)`)
  }
  let mod: { default?: unknown }
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  } catch (e) {
    // A bundled probe that fails to load is goprobe's bug, not the user's mistake.
    const mistake = looksLikePath ? moduleLoadError(e, file) : undefined
    throw mistake ?? e
  }
  const def = mod.default
  if (!isProgram(def)) throw new UsageError(`${file} does not default-export a program(...) definition`)
  return def
}

function isProgram(x: unknown): x is ProgramDefinition {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'goprobe-program'
}

const hint = (s: string[]): string => (s.length ? `; did you mean ${s.join(', ')}?` : '')
