/** Supplies a DWARF section's (decompressed) bytes by name, or undefined when absent. */
export type SectionSource = (name: string) => Uint8Array | undefined

const EMPTY = new Uint8Array(0)

/** Fetches each section once, on first use. */
export class Sections {
  private readonly cache = new Map<string, Uint8Array | undefined>()

  constructor(private readonly source: SectionSource) {}

  get(name: string): Uint8Array | undefined {
    if (!this.cache.has(name)) this.cache.set(name, this.source(name))
    return this.cache.get(name)
  }

  /** The section, or an empty one: offsets into it then fail as out of range with the section's name. */
  getOrEmpty(name: string): Uint8Array {
    return this.get(name) ?? EMPTY
  }
}
