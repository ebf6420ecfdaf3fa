/**
 * A value's memory layout flattened into the machine words the register ABI moves:
 * strings, slices and interfaces are their header words, structs their fields, arrays
 * their elements, complex numbers their real and imaginary halves. Zero-size parts
 * vanish. This is the order in which registers are handed out.
 */
import type { GoKind, GoType } from '../gotypes/types.ts'
import { UnsupportedError } from '../errors.ts'

export interface ScalarLeaf {
  readonly kind: GoKind
  readonly size: number
  /** Byte offset within the outermost value. */
  readonly offset: number
  readonly float: boolean
}

/** Leaves of `type`, in memory order. Only pointers can close a type cycle, and the walk never follows them. */
export function scalarLeaves(type: GoType, base = 0, out: ScalarLeaf[] = []): ScalarLeaf[] {
  if (type.size === 0) return out
  const word = (kind: GoKind, offset: number) => out.push({ kind, size: 8, offset, float: false })
  switch (type.kind) {
    case 'float32': case 'float64':
      out.push({ kind: type.kind, size: type.size, offset: base, float: true })
      break
    case 'complex64': case 'complex128': {
      const half = type.size / 2
      const kind = type.kind === 'complex64' ? 'float32' : 'float64'
      out.push({ kind, size: half, offset: base, float: true }, { kind, size: half, offset: base + half, float: true })
      break
    }
    case 'string': word('pointer', base); word('int', base + 8); break
    case 'slice': word('pointer', base); word('int', base + 8); word('int', base + 16); break
    case 'interface': word('pointer', base); word('pointer', base + 8); break
    case 'struct':
      for (const f of type.fields) scalarLeaves(f.type, base + f.offset, out)
      break
    case 'array':
      for (let i = 0; i < type.len; i++) scalarLeaves(type.elem, base + i * type.elem.size, out)
      break
    case 'pointer': case 'map': case 'chan': case 'func': case 'unsafe.Pointer':
      word(type.kind, base)
      break
    default:
      // bool and the integer kinds
      if (type.size > 8) throw new UnsupportedError(`${type.kind} of ${type.size} bytes does not fit a register`)
      out.push({ kind: type.kind, size: type.size, offset: base, float: false })
  }
  return out
}

/**
 * Whether the register ABI may pass the value in registers at all: arrays of more than
 * one element never are (only lengths 0 and 1 are "trivial"), wherever they are nested,
 * even when their elements have zero size (`[2]struct{}` inside a struct forces the stack).
 */
export function registerEligible(type: GoType): boolean {
  switch (type.kind) {
    case 'array': return type.len <= 1 && registerEligible(type.elem)
    case 'struct': return type.fields.every((f) => registerEligible(f.type))
    default: return true
  }
}
