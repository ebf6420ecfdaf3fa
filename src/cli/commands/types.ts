import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { UsageError } from '../../errors.ts'
import { Target } from '../../target.ts'
import { generateDeclarations } from '../../typegen/generate.ts'
import { probeTsconfig } from '../../typegen/probe-tsconfig.ts'

export interface TypesCommandOptions {
  readonly packages: readonly string[]
  readonly types: readonly string[]
  readonly functions: readonly string[]
  readonly depth: number
  readonly importFrom: string
  /** Write here (`types.d.ts` or `types.ts`); stdout when undefined. */
  readonly output?: string
  /** Also write tsconfig.json next to the output, for editors. */
  readonly tsconfig: boolean
}

export function typesCommand(binary: string, o: TypesCommandOptions): number {
  if (!o.packages.length && !o.types.length && !o.functions.length) {
    throw new UsageError('select what to declare with at least one --package, --type or --function')
  }
  if (!Number.isInteger(o.depth) || o.depth < 0) throw new UsageError(`--depth must be a non-negative integer (got ${o.depth})`)
  if (o.tsconfig && o.output === undefined) throw new UsageError('--tsconfig needs -o: it is written next to the declarations')
  const target = Target.open(binary)
  let text: string
  try {
    text = generateDeclarations(target, o)
  } finally {
    target.close()
  }
  if (o.output === undefined) {
    process.stdout.write(text)
    return 0
  }
  writeFileSync(o.output, text)
  if (o.tsconfig) {
    const config = join(dirname(o.output), 'tsconfig.json')
    if (existsSync(config)) throw new UsageError(`${config} exists; merge these settings into it:\n${probeTsconfig()}`)
    writeFileSync(config, probeTsconfig())
  }
  return 0
}
