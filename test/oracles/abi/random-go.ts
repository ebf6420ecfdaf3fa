/**
 * Seeded random Go type and signature text for the oracle tests: the same seed gives the
 * same program, so a disagreement with the Go toolchain can be reproduced. The mix leans
 * on what the layout and ABI rules treat specially: sub-word integers, floats and complex
 * numbers, multi-word headers, zero-size fields (last or not), arrays of length 0, 1 and
 * more (nested, and of zero-size elements), embedded fields and named structs.
 */

/** mulberry32: a tiny, well-distributed 32-bit PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SCALARS = [
  'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'int', 'uint', 'uintptr',
  'bool', 'byte', 'rune', 'float32', 'float64', 'complex64', 'complex128',
]
const WORDY = [
  'string', '[]byte', '[]string', 'any', 'error', 'interface{ M() }', '*int', 'map[string]int', 'chan int',
  '<-chan string', 'func(int) string', 'unsafe.Pointer',
]
const ZERO_SIZE = ['struct{}', '[0]int64', '[2]struct{}', '[0]string']

export interface NamedStruct {
  /** Go identifier, e.g. `S3`. */
  readonly name: string
  /** The struct literal text after `type S3 `. */
  readonly literal: string
}

export class RandomGo {
  readonly structs: NamedStruct[] = []
  private readonly rand: () => number

  constructor(seed: number, namedStructs = 6) {
    this.rand = seededRandom(seed)
    for (let i = 0; i < namedStructs; i++) this.structs.push({ name: `S${i}`, literal: this.structLiteral(2, true) })
  }

  int(n: number): number {
    return Math.floor(this.rand() * n)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** A type expression; `depth` bounds nesting. */
  type(depth = 2): string {
    const r = this.rand()
    if (depth <= 0 || r < 0.35) return this.pick(SCALARS)
    if (r < 0.55) return this.pick(WORDY)
    if (r < 0.6) return this.pick(ZERO_SIZE)
    if (r < 0.72) return `[${this.pick([0, 1, 1, 1, 2, 3])}]${this.type(depth - 1)}`
    if (r < 0.85) return this.structLiteral(depth - 1, false)
    if (r < 0.95 && this.structs.length > 0) return this.pick(this.structs).name
    return `*${this.type(depth - 1)}`
  }

  /**
   * `struct{ ... }` with 0-4 fields; named-struct definitions may embed earlier named
   * structs (by value or pointer) and sometimes end with a zero-size field.
   */
  private structLiteral(depth: number, allowEmbedding: boolean): string {
    const fields: string[] = []
    const count = this.int(5)
    for (let i = 0; i < count; i++) {
      if (allowEmbedding && this.structs.length > 0 && this.rand() < 0.2) {
        const target = this.pick(this.structs).name
        if (!fields.some((f) => f.replace('*', '') === target)) fields.push(this.rand() < 0.5 ? target : `*${target}`)
        continue
      }
      fields.push(`f${i} ${this.type(depth)}`)
    }
    if (this.rand() < 0.15) fields.push(`z ${this.pick(ZERO_SIZE)}`)
    return fields.length === 0 ? 'struct{}' : `struct{ ${fields.join('; ')} }`
  }

  /** Go declarations of the named structs, in dependency order (each refers only to earlier ones). */
  structDeclarations(): string {
    return this.structs.map((s) => `type ${s.name} ${s.literal}`).join('\n')
  }
}

export interface RandomSignature {
  readonly name: string
  /** `(p *S1)` or undefined. */
  readonly receiver?: { readonly name: string; readonly type: string; readonly pointer: boolean }
  readonly params: readonly string[]
  readonly results: readonly string[]
}

/** Go text of the signature, `func (p0 *S1) M3(p1 T, ...) (r0 U, ...)`; all names given so DWARF lists them. */
export function signatureText(sig: RandomSignature, paramPrefix = 'p', resultPrefix = 'r'): string {
  const recv = sig.receiver === undefined ? '' : `(${sig.receiver.name} ${sig.receiver.pointer ? '*' : ''}${sig.receiver.type}) `
  const params = sig.params.map((t, i) => `${paramPrefix}${i} ${t}`).join(', ')
  const results = sig.results.map((t, i) => `${resultPrefix}${i} ${t}`).join(', ')
  return `func ${recv}${sig.name}(${params}) (${results})`
}

export function randomSignatures(gen: RandomGo, count: number): RandomSignature[] {
  const out: RandomSignature[] = []
  for (let i = 0; i < count; i++) {
    // Mostly short lists, sometimes long enough to run out of registers.
    const paramCount = gen.pick([0, 1, 2, 3, 4, 5, 6, 8, 10, 12])
    const resultCount = gen.pick([0, 1, 1, 2, 2, 3, 5])
    const params = Array.from({ length: paramCount }, () => gen.type())
    const results = Array.from({ length: resultCount }, () => gen.type())
    const method = gen.structs.length > 0 && gen.int(4) === 0
    out.push({
      name: method ? `M${i}` : `F${i}`,
      ...(method ? { receiver: { name: 'recv', type: gen.pick(gen.structs).name, pointer: gen.int(2) === 0 } } : {}),
      params,
      results,
    })
  }
  return out
}
