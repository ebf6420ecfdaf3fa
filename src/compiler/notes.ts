/** Something the user should know about one probe, or about one function (its subject). */
export interface Note {
  readonly text: string
  /** The function (or other name) the note is about; notes with the same text group by it. */
  readonly subject?: string
}

/** Names listed in a grouped note before "and N more". */
const LISTED = 3

/**
 * One line per distinct note text: a note that many functions share (a pattern matching a
 * hundred functions, each probed the same way) says how many and names the first few.
 */
export function groupNotes(notes: readonly Note[]): string[] {
  const byText = new Map<string, string[]>()
  for (const n of notes) {
    const subjects = byText.get(n.text) ?? []
    if (n.subject !== undefined && !subjects.includes(n.subject)) subjects.push(n.subject)
    byText.set(n.text, subjects)
  }
  return [...byText].map(([text, subjects]) => {
    if (subjects.length === 0) return text
    if (subjects.length === 1) return `${subjects[0]}: ${text}`
    const named = subjects.slice(0, LISTED).join(', ')
    const more = subjects.length > LISTED ? `, and ${subjects.length - LISTED} more` : ''
    return `${subjects.length} functions: ${text} (${named}${more})`
  })
}
