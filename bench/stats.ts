/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** How many times each measurement is repeated (median taken); GOPROBE_BENCH_RUNS overrides. */
export function runsFor(defaultRuns: number): number {
  const n = Number(process.env.GOPROBE_BENCH_RUNS)
  return Number.isInteger(n) && n > 0 ? n : defaultRuns
}
