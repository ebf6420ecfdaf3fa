import { typeString, type GoType } from '../../gotypes/types.ts'
import { Target } from '../../target.ts'
import { writeJson } from '../output.ts'

export interface LayoutField { name: string; offset: number; size: number; type: string; embedded: boolean }
export interface Layout {
  type: string
  kind: string
  size: number
  align: number
  source: string
  fields: LayoutField[]
  holes: { offset: number; size: number }[]
  /** Bytes after the last field up to the size. */
  padding: number
}

export function layoutOf(t: GoType, source: string): Layout {
  const fields = t.kind === 'struct' ? t.fields.map((f) => ({ name: f.name, offset: f.offset, size: f.type.size, type: typeString(f.type), embedded: f.embedded })) : []
  const holes: Layout['holes'] = []
  let end = 0
  for (const f of fields) {
    if (f.offset > end) holes.push({ offset: end, size: f.offset - end })
    end = Math.max(end, f.offset + f.size)
  }
  return { type: typeString(t), kind: t.kind, size: t.size, align: t.align, source, fields, holes, padding: t.kind === 'struct' ? t.size - end : 0 }
}

/** pahole-style text: one line per field with offset and size, holes and padding called out. */
export function formatLayout(l: Layout): string {
  if (l.kind !== 'struct') return `${l.type}: ${l.kind}, size ${l.size}, align ${l.align} (from ${l.source})\n`
  const nameW = Math.max(4, ...l.fields.map((f) => f.name.length))
  const typeW = Math.max(4, ...l.fields.map((f) => f.type.length))
  const lines = [`struct ${l.type} {  /* from ${l.source} */`]
  let hole = 0
  for (const f of l.fields) {
    const h = l.holes[hole]
    if (h && h.offset + h.size === f.offset) {
      lines.push(`\t/* XXX ${h.size} byte${h.size === 1 ? '' : 's'} hole */`)
      hole++
    }
    const label = f.embedded ? `${f.type.padEnd(typeW)} ${''.padEnd(nameW)}` : `${f.type.padEnd(typeW)} ${f.name.padEnd(nameW)}`
    lines.push(`\t${label} /* ${String(f.offset).padStart(5)} ${String(f.size).padStart(5)} */${f.embedded ? ' (embedded)' : ''}`)
  }
  if (l.padding > 0) lines.push(`\t/* padding: ${l.padding} */`)
  const holeBytes = l.holes.reduce((a, h) => a + h.size, 0)
  lines.push(`}; /* size: ${l.size}, align: ${l.align}, holes: ${l.holes.length} (${holeBytes} bytes) */`)
  return `${lines.join('\n')}\n`
}

export function layoutCommand(path: string, typeName: string, json: boolean): number {
  const target = Target.open(path)
  try {
    const fact = typeName.includes('*') || typeName.startsWith('[') || typeName.startsWith('map[') || typeName.startsWith('struct')
      ? target.parseType(typeName)
      : target.lookupType(typeName)
    const l = layoutOf(fact.value, fact.detail)
    if (json) writeJson(l)
    else process.stdout.write(formatLayout(l))
    return 0
  } finally {
    target.close()
  }
}
