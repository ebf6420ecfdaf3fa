/** A plain-text table: the first `leftColumns` columns left-aligned (names), the rest right-aligned (figures). */
export function formatTable(rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n')
}

export const ms = (x: number | undefined): string => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1))
export const mb = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(0))
