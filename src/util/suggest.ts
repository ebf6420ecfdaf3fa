/**
 * "Did you mean" suggestions: the candidates closest to a misspelled name.
 *
 * A request is compared with the same number of trailing elements of each candidate
 * (users type `Client.do` or `(*Clinet).do` for `net/http.(*Client).do`), with the
 * method punctuation `(*` `)` ignored, so the candidate nearest the user's own spelling
 * ranks first; a common last element alone (`.do`, `.Do`) earns nothing.
 */
export function suggest(requested: string, candidates: Iterable<string>, max = 3): string[] {
  const want = normalize(requested)
  const elements = want.split(/[./]/).length
  const limit = Math.max(2, Math.floor(want.length / 4))
  const scored: { name: string; distance: number; exactCase: number; length: number }[] = []
  for (const name of candidates) {
    const tail = normalize(trailingElements(name, elements))
    if (Math.abs(tail.length - want.length) > limit) continue
    const distance = editDistance(want.toLowerCase(), tail.toLowerCase())
    if (distance > limit) continue
    // Among equally near names, the one spelled in the user's case, then the shorter full name.
    scored.push({ name, distance, exactCase: editDistance(want, tail), length: name.length })
  }
  scored.sort((a, b) => a.distance - b.distance || a.exactCase - b.exactCase || a.length - b.length || a.name.localeCompare(b.name))
  return scored.slice(0, max).map((s) => s.name)
}

const normalize = (name: string): string => name.replace(/[(*)]/g, '')

/** The last `n` elements of a name split at `.` and `/`, with the separators between them. */
function trailingElements(name: string, n: number): string {
  let at = name.length
  for (let seen = 0; seen < n; seen++) {
    const cut = Math.max(name.lastIndexOf('.', at - 1), name.lastIndexOf('/', at - 1))
    if (cut < 0) return name
    at = cut
  }
  return name.slice(at + 1)
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
