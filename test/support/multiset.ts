/** Lines in `a` missing from `b`, as multisets: a line twice in `a` and once in `b` is missing once. */
export function missing(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>()
  for (const l of b) counts.set(l, (counts.get(l) ?? 0) + 1)
  const out: string[] = []
  for (const l of a) {
    const n = counts.get(l) ?? 0
    if (n === 0) out.push(l)
    else counts.set(l, n - 1)
  }
  return out
}
