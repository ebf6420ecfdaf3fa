/**
 * The worked examples of go-internals.md §1 and §2, which were checked against go1.19.8
 * code generation, DWARF location lists and `go vet` asmdecl; plus the calculators'
 * contract (incomplete signatures refused, hidden arguments reported, zero-size warnings).
 * The random-signature oracles are in abi-register.test.ts and abi-stack.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { UnsupportedError } from '../../src/errors.ts'
import { assignRegisterABI } from '../../src/abi/register-abi.ts'
import { assignStackABI } from '../../src/abi/stack-abi.ts'
import type { AssignedValue, FrameAssignment } from '../../src/abi/location.ts'
import { structType } from '../../src/gotypes/layout.ts'
import { parseSignature } from '../../src/gotypes/parse.ts'

const T = structType('main.T', [])
const sig = (text: string) => parseSignature(text, (n) => (n === 'main.T' ? T : undefined))

/** `rax`, `rbx/1`, `stack@8`: register names with the piece size when it is not a full word. */
function where(v: AssignedValue): string {
  if (v.location.kind === 'stack') return `stack@${v.location.offset}`
  return v.location.pieces.map((p) => (p.size === 8 ? p.reg : `${p.reg}/${p.size}`)).join(' ')
}
const inputs = (f: FrameAssignment) => [...(f.receiver ? [f.receiver] : []), ...f.params].map(where)
const results = (f: FrameAssignment) => f.results.map(where)
const spills = (f: FrameAssignment) => [...(f.receiver ? [f.receiver] : []), ...f.params].map((v) => v.spillOffset)

describe('register ABI: worked examples', () => {
  it('F: every kind of register value, 9 integer registers exactly', () => {
    const f = assignRegisterABI(sig('func F(a int, b string, c float64, d []byte, e interface{}, f struct{x int8; y float32}) (int, error)'))
    expect(inputs(f)).toEqual(['rax', 'rbx rcx', 'xmm0', 'rdi rsi r8', 'r9 r10', 'r11/1 xmm1/4'])
    expect(results(f)).toEqual(['rax', 'rbx rcx'])
    expect(spills(f)).toEqual([8, 16, 32, 40, 64, 80])
  })

  it('F: the struct pieces carry their offsets within the value, padding skipped', () => {
    const f = assignRegisterABI(sig('func F(f struct{x int8; y float32})'))
    const loc = f.params[0]!.location
    expect(loc.kind === 'registers' && loc.pieces.map((p) => [p.reg, p.offset, p.size, p.scalar])).toEqual([['rax', 0, 1, 'int8'], ['xmm0', 4, 4, 'float32']])
  })

  it('G: a value that does not fit goes to the stack and a later one still takes a register', () => {
    const f = assignRegisterABI(sig('func G(a,b,c,d,e,f,g,h int, s string, t int) (r1 int, r2 string)'))
    expect(inputs(f)).toEqual(['rax', 'rbx', 'rcx', 'rdi', 'rsi', 'r8', 'r9', 'r10', 'stack@8', 'r11'])
    expect(results(f)).toEqual(['rax', 'rbx rcx'])
  })

  it('J: arrays longer than 1 go to the stack; stack results follow stack params', () => {
    const f = assignRegisterABI(sig('func J(a [2]int, b int, s string) (r [2]int, t int)'))
    expect(inputs(f)).toEqual(['stack@8', 'rax', 'rbx rcx'])
    expect(results(f)).toEqual(['stack@24', 'rax'])
    expect(spills(f)).toEqual([undefined, 40, 48])
  })

  it('K: a struct holding an array goes to the stack whole', () => {
    const f = assignRegisterABI(sig('func K(p struct{a int8; b [2]int32}, q int)'))
    expect(inputs(f)).toEqual(['stack@8', 'rax'])
  })

  it('method: the receiver comes first', () => {
    const f = assignRegisterABI(sig('func (t *main.T) M(a int) int'))
    expect([where(f.receiver!), ...f.params.map(where), ...results(f)]).toEqual(['rax', 'rbx', 'rax'])
  })

  it('H: sub-word values record their size', () => {
    const f = assignRegisterABI(sig('func H(x int, y int8) (int, error)'))
    expect([...inputs(f), ...results(f)]).toEqual(['rax', 'rbx/1', 'rax', 'rbx rcx'])
  })
})

describe('stack ABI: worked examples (go vet asmdecl)', () => {
  it('H: results start at the next 8-byte boundary', () => {
    const f = assignStackABI(sig('func H(x int, y int8) (int, error)'))
    expect([...inputs(f), ...results(f)]).toEqual(['stack@8', 'stack@16', 'stack@24', 'stack@32'])
    expect(f.argumentAreaSize).toBe(40)
  })

  it('K0: each argument at its own alignment (complex64 aligns to 4)', () => {
    const f = assignStackABI(sig('func K0(a int8, s string, b int16, c complex64, d [3]byte) (r bool)'))
    // FP offsets 0, 8, 24, 28, 36, 40 are entry-SP offsets 8 higher.
    expect([...inputs(f), ...results(f)]).toEqual(['stack@8', 'stack@16', 'stack@32', 'stack@36', 'stack@44', 'stack@48'])
  })

  it('puts the receiver first', () => {
    const f = assignStackABI(sig('func (t *main.T) M(a int) int'))
    expect([where(f.receiver!), ...f.params.map(where), ...results(f)]).toEqual(['stack@8', 'stack@16', 'stack@24'])
  })
})

describe('ABI calculators: contract', () => {
  const incomplete = { ...sig('func(a int)'), complete: false, source: 'dwarf' as const }

  it('refuses a signature that may be missing parameters', () => {
    expect(() => assignRegisterABI(incomplete)).toThrow(UnsupportedError)
    expect(() => assignStackABI(incomplete)).toThrow(UnsupportedError)
  })

  it('reports the closure context register and, on request, the dictionary argument', () => {
    const fn = assignRegisterABI(sig('func(xs []int) int'), { dictionary: 'after-receiver' })
    expect([fn.closureContext, where(fn.dictionary!), ...inputs(fn)]).toEqual(['rdx', 'rax', 'rbx rcx rdi'])
    const method = sig('func (b *main.T) Get(x int)')
    expect(where(assignRegisterABI(method, { dictionary: 'after-receiver' }).dictionary!)).toBe('rbx')
    expect(where(assignRegisterABI(method, { dictionary: 'before-receiver' }).dictionary!)).toBe('rax')
  })

  it('warns about zero-size values, which occupy no storage', () => {
    const f = assignRegisterABI(sig('func(a struct{}, b int) (r [0]int)'))
    expect(f.warnings).toEqual(['parameter "a" has zero size and occupies no storage', 'result "r" has zero size and occupies no storage'])
    expect(inputs(f)).toEqual(['stack@8', 'rax'])
  })
})
