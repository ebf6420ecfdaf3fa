/**
 * The layout engine against Go itself: a generated Go program prints, for a table of
 * type literals, what reflect (the compiler's layout, as the runtime sees it) and
 * unsafe.Sizeof/Alignof say about sizes, alignments and field offsets, recursively.
 * goprobe parses the same text with its own parser, lays it out, and must agree with
 * every toolchain available.
 */
import { describe, expect, it } from 'vitest'
import { arrayType, structType, withName } from '../../src/gotypes/layout.ts'
import { parseType } from '../../src/gotypes/parse.ts'
import { basicType, type GoType } from '../../src/gotypes/types.ts'
import { toolchains } from '../support/fixtures.ts'
import { runGoOk, writeModule } from '../oracles/abi/go-workspace.ts'
import { namedStructResolver } from '../oracles/abi/named-structs.ts'
import { RandomGo, type NamedStruct } from '../oracles/abi/random-go.ts'

/** Hand-picked cases: each names the rule it exercises. */
const TABLE: readonly string[] = [
  'struct{}',
  'struct{ a int8; b int64; c int8 }', // interior and tail padding
  'struct{ a int64; b struct{} }', // zero-size last field: one padding byte, then rounding
  'struct{ a int8; b [0]int64 }', // zero-size last field whose alignment moves the end
  'struct{ a int32; b struct{}; c int8 }', // zero-size field not last: no extra byte
  'struct{ a struct{}; b struct{} }', // all zero-size: stays empty
  'struct{ a int16; b [3]int8; c complex64 }', // complex64 aligns to 4
  'struct{ a bool; b complex128; c [2][3]int16 }', // nested arrays
  'struct{ a string; b []int; c any; d error; e map[int]bool; f chan int; g func(); h unsafe.Pointer; i *int }',
  'struct{ E; *U; x int8 }', // embedded by value and by pointer
  'struct{ a int8; b struct{ c int8; d int32 }; e int8 }', // nested struct alignment
  '[3]struct{ a int32; b int8 }', // array of padded structs
  '[0]struct{ a int64 }',
  'struct{ a, b int8; c uint16; d float32; e float64; f uintptr; g rune; h byte }',
  'struct{ a [5]byte; b E }',
]

const FIXED_STRUCTS: NamedStruct[] = [
  { name: 'E', literal: 'struct{ a int8; b int64; c struct{} }' },
  { name: 'U', literal: 'struct{ a int32 }' },
]

const RANDOM_COUNT = 200
const SEED = 20260101

interface Layout {
  size: number
  align: number
  len?: number
  elem?: Layout
  fields?: { name: string; offset: number; embedded: boolean; type: Layout }[]
}

/** The JSON shape the Go program prints, built from goprobe's type. */
function layoutOf(t: GoType): Layout {
  const base = { size: t.size, align: t.align }
  if (t.kind === 'array') return { ...base, len: t.len, elem: layoutOf(t.elem) }
  if (t.kind === 'struct') return { ...base, fields: t.fields.map((f) => ({ name: f.name, offset: f.offset, embedded: f.embedded, type: layoutOf(f.type) })) }
  return base
}

function goProgram(structs: readonly NamedStruct[], literals: readonly string[]): string {
  return `package main

import (
	"encoding/json"
	"os"
	"reflect"
	"unsafe"
)

var _ unsafe.Pointer

${structs.map((s) => `type ${s.name} ${s.literal}`).join('\n')}

${literals.map((l, i) => `type L${i} ${l}`).join('\n')}

type field struct {
	Name     string \`json:"name"\`
	Offset   uintptr \`json:"offset"\`
	Embedded bool    \`json:"embedded"\`
	Type     layout  \`json:"type"\`
}

type layout struct {
	Size   uintptr  \`json:"size"\`
	Align  int      \`json:"align"\`
	Len    *int     \`json:"len,omitempty"\`
	Elem   *layout  \`json:"elem,omitempty"\`
	Fields *[]field \`json:"fields,omitempty"\`
}

func dump(t reflect.Type) layout {
	l := layout{Size: t.Size(), Align: t.Align()}
	switch t.Kind() {
	case reflect.Array:
		n := t.Len()
		e := dump(t.Elem())
		l.Len, l.Elem = &n, &e
	case reflect.Struct:
		fs := []field{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			fs = append(fs, field{f.Name, f.Offset, f.Anonymous, dump(f.Type)})
		}
		l.Fields = &fs
	}
	return l
}

type entry struct {
	Reflect      layout  \`json:"reflect"\`
	UnsafeSize   uintptr \`json:"unsafeSize"\`
	UnsafeAlign  uintptr \`json:"unsafeAlign"\`
}

func main() {
	out := []entry{
${literals.map((_, i) => `		{dump(reflect.TypeOf((*L${i})(nil)).Elem()), unsafe.Sizeof(*new(L${i})), unsafe.Alignof(*new(L${i}))},`).join('\n')}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
`
}

describe('layout engine: unit rules', () => {
  it('pads a non-empty struct ending in a zero-size field by one byte before rounding', () => {
    const t = structType(undefined, [{ name: 'a', type: basicType('int64') }, { name: 'b', type: structType(undefined, []) }])
    expect([t.size, t.align, t.fields[1]!.offset]).toEqual([16, 8, 8])
  })
  it('gives sync/atomic.align64 (and structs holding it) 8-byte alignment', () => {
    const align64 = structType('sync/atomic.align64', [])
    const int64Box = structType('sync/atomic.Int64', [{ name: '_', type: align64 }, { name: 'v', type: basicType('int64') }])
    expect([align64.align, int64Box.align, withName(structType(undefined, [{ name: 'x', type: basicType('int32') }]), 'sync/atomic.align64').align]).toEqual([8, 8, 8])
  })
  it('lays arrays out as N elements with the element alignment', () => {
    const a = arrayType(basicType('complex64'), 3)
    expect([a.size, a.align]).toEqual([24, 4])
  })
})

const available = await toolchains()
const random = new RandomGo(SEED)
const randomLiterals = Array.from({ length: RANDOM_COUNT }, () => random.type(3))
const structs = [...FIXED_STRUCTS, ...random.structs]
const literals = [...TABLE, ...randomLiterals]

describe('layout engine agrees with reflect and unsafe for every toolchain', () => {
  if (available.length === 0) {
    console.warn('layout oracle: no Go toolchain available')
    it.skip('NO GO TOOLCHAIN: layout oracle did not run', () => {})
  }
  for (const tc of available) {
    it(`${tc.id}: ${TABLE.length} table types and ${RANDOM_COUNT} random types (seed ${SEED})`, async () => {
      const mod = await writeModule({ 'main.go': goProgram(structs, literals) })
      try {
        const printed = JSON.parse(await runGoOk(tc, mod.dir, ['run', '.'])) as { reflect: Layout; unsafeSize: number; unsafeAlign: number }[]
        const resolve = namedStructResolver(structs)
        const mismatches: string[] = []
        literals.forEach((text, i) => {
          const ours = layoutOf(parseType(text, resolve))
          const go = printed[i]!
          if (JSON.stringify(ours) !== JSON.stringify(go.reflect)) mismatches.push(`L${i} ${text}: goprobe ${JSON.stringify(ours)} reflect ${JSON.stringify(go.reflect)}`)
          if (go.unsafeSize !== ours.size || go.unsafeAlign !== ours.align) mismatches.push(`L${i} ${text}: unsafe.Sizeof/Alignof ${go.unsafeSize}/${go.unsafeAlign}, goprobe ${ours.size}/${ours.align}`)
        })
        const disagreeing = new Set(mismatches.map((m) => m.split(' ')[0])).size
        console.log(`layout oracle ${tc.id}: ${literals.length - disagreeing}/${literals.length} types agree`)
        expect(printed).toHaveLength(literals.length)
        expect(mismatches).toEqual([])
      } finally {
        await mod.remove()
      }
    })
  }
})
