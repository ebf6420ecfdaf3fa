import { hex } from '../../binary/bytes.ts'
import { UsageError } from '../../errors.ts'
import { Target } from '../../target.ts'
import { table, writeJson } from '../output.ts'

export interface SymbolRow {
  name: string
  entry: string
  size: number
  returns: number
  /** Offsets of RET instructions from the entry. */
  retOffsets: number[]
  /** First instruction after the stack-check branch; null for functions without a stack check. */
  postPrologue: number | null
  /** False when disassembly stopped early (data in code): sites past that point are not reported. */
  decoded: boolean
}

export async function symbolRows(target: Target, pattern: RegExp | undefined): Promise<SymbolRow[]> {
  const fns = pattern ? target.binary.functions.matching(pattern) : target.binary.functions.functions
  const rows: SymbolRow[] = []
  for (const fn of fns) {
    const code = await target.code(fn)
    rows.push({
      name: fn.name,
      entry: hex(fn.entry),
      size: fn.end - fn.entry,
      returns: code.retOffsets.length,
      retOffsets: [...code.retOffsets],
      postPrologue: code.postPrologueOffset ?? null,
      decoded: code.complete,
    })
  }
  return rows
}

export async function symbolsCommand(path: string, regex: string | undefined, json: boolean): Promise<number> {
  let pattern: RegExp | undefined
  try {
    pattern = regex === undefined ? undefined : new RegExp(regex)
  } catch (e) {
    throw new UsageError(`bad regular expression ${JSON.stringify(regex)}: ${(e as Error).message}`)
  }
  const target = Target.open(path)
  try {
    const rows = await symbolRows(target, pattern)
    if (json) {
      writeJson(rows)
      return 0
    }
    const lines = [['NAME', 'ENTRY', 'SIZE', 'RETS', 'POST-PROLOGUE'], ...rows.map((r) => [
      r.name, r.entry, String(r.size), `${r.returns}${r.decoded ? '' : '+?'}`, r.postPrologue === null ? '-' : `+${hex(r.postPrologue)}`,
    ])]
    process.stdout.write(`${table(lines)}\n`)
    if (regex !== undefined && rows.length === 0) {
      process.stderr.write(`goprobe: no function matches ${JSON.stringify(regex)}\n`)
      return 1
    }
    return 0
  } finally {
    target.close()
  }
}
