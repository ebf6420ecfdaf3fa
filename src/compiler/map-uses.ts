import type { Aggregation } from '../dsl/ir.ts'
import { UsageError } from '../errors.ts'

/**
 * Thrown in a survey pass by a read of a map no statement has been seen to write yet: the
 * statement is skipped rather than taken to store numbers (the map may hold strings).
 */
export class KindNotKnownYet extends Error {}

/** What a user map holds: numbers, strings, stacks, or one aggregation's state. */
export type MapValueKind = 'int' | 'str' | 'stack' | Aggregation

/** What one map key position holds. bpftrace gives each position one type for the whole program. */
export type MapKeyKind = 'int' | 'str' | 'stack'

interface Learned<T> {
  readonly kind: T
  /** The statement and handler that fixed it, for a message naming both uses of a conflict. */
  readonly use: string
}

/**
 * The value and key kinds of every user map, for the whole program. bpftrace types a map by
 * every use at once, so a read written before the write that fixes the map's kind (a BEGIN
 * printing what END sets) must still see that kind. The compiler therefore surveys the
 * program first (`surveying`: statements that cannot compile yet are skipped, see
 * compile.ts), then compiles it for real with every kind known, and a conflict is one error
 * naming both uses, whatever the order the probes were written in.
 */
export class MapUses {
  private readonly values = new Map<string, Learned<MapValueKind>>()
  private readonly keys = new Map<string, Learned<readonly MapKeyKind[]>>()

  constructor(
    /** A survey pass: learn kinds, and let the compiler skip statements that depend on kinds not known yet. */
    readonly surveying: boolean,
    known?: MapUses,
  ) {
    if (known) {
      for (const [m, v] of known.values) this.values.set(m, v)
      for (const [m, k] of known.keys) this.keys.set(m, k)
    }
  }

  /** The value kind a read sees: what the program stores in the map (numbers when nothing does). */
  valueKind(map: string): MapValueKind | undefined {
    return this.values.get(map)?.kind
  }

  noteValue(map: string, kind: MapValueKind, use: string): void {
    const prev = this.values.get(map)
    if (!prev) {
      this.values.set(map, { kind, use })
      return
    }
    if (prev.kind === kind) return
    throw new UsageError(`map @${map} holds ${describeValue(prev.kind)} (${prev.use}) and ${describeValue(kind)} (${use}); a map holds one kind of value: use two maps`)
  }

  noteKeys(map: string, kinds: readonly MapKeyKind[], use: string): void {
    const prev = this.keys.get(map)
    if (!prev) {
      this.keys.set(map, { kind: kinds, use })
      return
    }
    if (prev.kind.length === kinds.length && prev.kind.every((k, i) => k === kinds[i])) return
    throw new UsageError(`map @${map} is keyed by ${describeKeys(prev.kind)} (${prev.use}) and by ${describeKeys(kinds)} (${use}); every use of a map needs the same keys: use two maps, or convert the keys`)
  }

  /** Has this pass learned something `before` did not know? (The survey repeats until nothing new is learned.) */
  learnedMoreThan(before: MapUses): boolean {
    return this.values.size !== before.values.size || this.keys.size !== before.keys.size
  }
}

function describeValue(kind: MapValueKind): string {
  switch (kind) {
    case 'int': return 'numbers'
    case 'str': return 'strings'
    case 'stack': return 'stacks'
    default: return `${kind}()`
  }
}

function describeKeys(kinds: readonly MapKeyKind[]): string {
  if (kinds.length === 0) return 'no key'
  const names = kinds.map((k) => (k === 'int' ? 'a number' : k === 'str' ? 'a string' : 'a stack'))
  return names.length === 1 ? names[0]! : `(${names.join(', ')})`
}
