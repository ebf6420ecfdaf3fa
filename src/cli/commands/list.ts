import { bundledProbeNames, loadProbe } from '../probe-modules.ts'
import { table, writeJson } from '../output.ts'

export async function listCommand(json: boolean): Promise<number> {
  const rows: { name: string; description: string; parameters: string[] }[] = []
  for (const name of bundledProbeNames()) {
    const def = await loadProbe(name)
    const schema = def.meta.params as unknown as { entries?: Record<string, unknown> } | undefined
    rows.push({ name, description: def.meta.description, parameters: schema?.entries ? Object.keys(schema.entries) : [] })
  }
  if (json) writeJson(rows)
  else process.stdout.write(`${table([['PROBE', 'PARAMETERS', 'DESCRIPTION'], ...rows.map((r) => [r.name, r.parameters.join(',') || '-', r.description])])}\n`)
  return 0
}
