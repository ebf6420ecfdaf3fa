/**
 * "Did you mean" suggestions: the candidates closest to a misspelled name, by edit
 * distance, preferring candidates that contain the request or share its last path
 * element (users often type `Client.do` for `net/http.(*Client).do`).
 */
export function suggest(requested: string, candidates: Iterable<string>, max = 3): string[] {
  const want = requested.toLowerCase()
  const tail = lastElement(want)
  const scored: { name: string; score: number }[] = []
  for (const name of candidates) {
    const lower = name.toLowerCase()
    let score: number
    if (lower === want) score = 0
    else if (lower.endsWith(want) || lastElement(lower) === tail) score = 1
    else {
      // Only pay for the edit distance when lengths make a close match possible.
      if (Math.abs(lower.length - want.length) > Math.max(3, want.length / 3)) continue
      score = 2 + editDistance(want, lower)
    }
    if (score <= 2 + Math.max(2, Math.floor(want.length / 4))) scored.push({ name, score })
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
  return scored.slice(0, max).map((s) => s.name)
}

function lastElement(name: string): string {
  const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('/'))
  return name.slice(cut + 1)
}

/** Levenshtein distance with two rolling rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  let cur = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
    }
    ;[prev, cur] = [cur, prev]
  }
  return prev[b.length]!
}
