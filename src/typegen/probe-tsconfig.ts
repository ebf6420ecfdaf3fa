/**
 * The TypeScript settings probes are checked with, anywhere on disk: 'goprobe' and
 * 'goprobe/stdlib/*' map to this installation (as bin/resolve-goprobe.js does at run
 * time), and probe files are ES modules (import.meta) whatever package.json says.
 * `goprobe check` uses them, and `goprobe types --tsconfig` writes them next to the
 * declarations so the editor checks probes the same way.
 */
import { fileURLToPath } from 'node:url'

/** This installation's root folder. */
export const GOPROBE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** compilerOptions as tsconfig.json spells them. */
export function probeCompilerOptions(): Record<string, unknown> {
  return {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'preserve',
    moduleResolution: 'bundler',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    typeRoots: [`${GOPROBE_ROOT}node_modules/@types`],
    types: ['node'],
    paths: {
      goprobe: [`${GOPROBE_ROOT}src/index.ts`],
      'goprobe/stdlib/*': [`${GOPROBE_ROOT}stdlib/*.ts`],
    },
  }
}

/** goprobe's own declarations for dependencies whose typings their packages do not expose (types/). */
export const AMBIENT_DECLARATIONS = `${GOPROBE_ROOT}types/*.d.ts`

/** A tsconfig.json for a folder of probes. */
export const probeTsconfig = (): string =>
  `${JSON.stringify({ compilerOptions: probeCompilerOptions(), include: ['**/*.ts', AMBIENT_DECLARATIONS] }, null, 2)}\n`
