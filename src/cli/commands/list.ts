import { parameterDefault, parameterDescription, parameterKeys } from '../../dsl/params.ts'
import { bundledProbeNames, loadProbe } from '../probe-modules.ts'
import { terminalWidth, table, writeJson } from '../output.ts'

interface ParameterRow {
  name: string
  description: string
  default?: string
}

/** `goprobe list`: each bundled probe with what it prints, then each parameter with what it does. */
export async function listCommand(json: boolean): Promise<number> {
  const rows: { name: string; description: string; parameters: ParameterRow[] }[] = []
  for (const name of bundledProbeNames()) {
    const def = await loadProbe(name)
    const schema = def.meta.params
    const parameters = parameterKeys(schema).map((key): ParameterRow => {
      const fallback = parameterDefault(schema, key)
      return { name: key, description: parameterDescription(schema, key) ?? '', ...(fallback === undefined ? {} : { default: fallback }) }
    })
    rows.push({ name, description: def.meta.description, parameters })
  }
  if (json) {
    writeJson(rows)
    return 0
  }
  const lines = rows.flatMap((r) => [
    [r.name, r.description],
    ...r.parameters.map((p) => [`  ${p.name}=`, `${p.description}${p.default === undefined ? '' : ` (default ${p.default})`}`.trim()]),
  ])
  process.stdout.write(`${table([['PROBE / PARAMETER', 'DESCRIPTION'], ...lines], { width: terminalWidth(), wrap: [1] })}\n`)
  return 0
}
