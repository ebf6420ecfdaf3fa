/**
 * The stack ABI (ABI0) calculator against `go vet`'s asmdecl check, which knows the
 * frame layout the compiler gives a Go-declared assembly function. Each random
 * signature gets a body-less Go declaration and an assembly TEXT that names every
 * argument and result at a deliberately wrong offset and declares a wrong argument
 * size; vet answers with "invalid offset x+999(FP); expected x+N(FP)" and "wrong
 * argument size 1; expected $...-M", which are the truth to compare with.
 * FP is the caller's SP, so N(FP) is N+8 from SP at entry.
 */
import { describe, expect, it } from 'vitest'
import { assignStackABI } from '../../src/abi/stack-abi.ts'
import { alignUp } from '../../src/gotypes/layout.ts'
import { parseSignature } from '../../src/gotypes/parse.ts'
import type { GoType } from '../../src/gotypes/types.ts'
import { toolchains } from '../support/fixtures.ts'
import { runGo, writeModule } from '../oracles/abi/go-workspace.ts'
import { namedStructResolver } from '../oracles/abi/named-structs.ts'
import { RandomGo, randomSignatures, signatureText, type RandomSignature } from '../oracles/abi/random-go.ts'

const SEED = 4242
const COUNT = 150

/** asmdecl does not check methods, so the assembly functions here have no receivers. */
const gen = new RandomGo(SEED)
const sigs: RandomSignature[] = randomSignatures(gen, COUNT).map((s, i) => ({ name: `A${i}`, params: s.params, results: s.results }))
const resolve = namedStructResolver(gen.structs)

function goFile(): string {
  return `package oracle

import "unsafe"

var _ unsafe.Pointer

${gen.structDeclarations()}

${sigs.map((s) => signatureText(s)).join('\n')}
`
}

function asmFile(): string {
  return sigs
    .map((s) => {
      const names = [...s.params.map((_, i) => `p${i}`), ...s.results.map((_, i) => `r${i}`)]
      return `TEXT ·${s.name}(SB),$0-1\n${names.map((n) => `\tMOVQ ${n}+999(FP), AX\n`).join('')}\tRET\n`
    })
    .join('\n')
}

interface VetFacts { offsets: Map<string, number>; argSize?: number }

/** Per function: each value's FP offset and the total argument size, from vet's messages. */
function parseVet(output: string): Map<string, VetFacts> {
  const facts = new Map<string, VetFacts>()
  const of = (fn: string) => facts.get(fn) ?? facts.set(fn, { offsets: new Map() }).get(fn)!
  for (const line of output.split('\n')) {
    const offset = /\] (\w+): invalid offset (\w+)\+999\(FP\); expected \2\+(\d+)\(FP\)/.exec(line)
    if (offset) of(offset[1]!).offsets.set(offset[2]!, Number(offset[3]))
    const size = /\] (\w+): wrong argument size 1; expected \$\.\.\.-(\d+)/.exec(line)
    if (size) of(size[1]!).argSize = Number(size[2])
  }
  return facts
}

/**
 * Whether a value contains, by value, a struct with tail padding: rounding up to its
 * alignment, or the extra byte after a zero-size last field. Older go/types (and so
 * older vet) sized structs without either.
 */
function hasTailPadding(t: GoType): boolean {
  if (t.kind === 'array') return t.len > 0 && hasTailPadding(t.elem)
  if (t.kind !== 'struct') return false
  const last = t.fields[t.fields.length - 1]
  return (last !== undefined && t.size > last.offset + last.type.size) || t.fields.some((f) => hasTailPadding(f.type))
}

const available = await toolchains()

describe(`stack ABI agrees with go vet (asmdecl) for ${COUNT} random signatures (seed ${SEED})`, () => {
  if (available.length === 0) {
    console.warn('stack ABI oracle: no Go toolchain available')
    it.skip('NO GO TOOLCHAIN: stack ABI oracle did not run', () => {})
  }
  for (const tc of available) {
    // Observed: go1.19 and go1.21 vet disagree with their own compiler on tail padding, go1.23+ agree.
    const [major, minor] = tc.version.split('.').map(Number)
    const vetSizesMatchCompiler = major! > 1 || minor! >= 23
    it(`${tc.id}: argument and result offsets and argument size`, async () => {
      const mod = await writeModule({ 'decl.go': goFile(), 'decl_amd64.s': asmFile() })
      try {
        const vet = await runGo(tc, mod.dir, ['vet', '-asmdecl', '.'])
        const facts = parseVet(vet.stderr + vet.stdout)
        const mismatches: string[] = []
        let values = 0
        let skipped = 0
        for (const s of sigs) {
          const frame = assignStackABI(parseSignature(signatureText(s), resolve))
          if (!vetSizesMatchCompiler && [...frame.params, ...frame.results].some((v) => hasTailPadding(v.type))) {
            skipped++
            continue
          }
          const theirs = facts.get(s.name)
          if (theirs === undefined) { mismatches.push(`${s.name}: vet said nothing`); continue }
          for (const v of [...frame.params, ...frame.results]) {
            values++
            const fp = theirs.offsets.get(v.name!)
            const ours = v.location.kind === 'stack' ? v.location.offset - 8 : undefined
            if (fp !== ours) mismatches.push(`${s.name} ${v.name} ${v.type.size}B: goprobe ${ours}(FP), vet ${fp}(FP)`)
          }
          // vet wants the exact end of the last value; the compiler rounds the area up to 8.
          const end = Math.max(0, ...[...frame.params, ...frame.results].map((v) => (v.location.kind === 'stack' ? v.location.offset - 8 + v.type.size : 0)))
          const vetEnd = theirs.argSize ?? 1 // no complaint: the declared $-1 was right
          if (vetEnd !== end || frame.argumentAreaSize !== alignUp(vetEnd, 8)) {
            mismatches.push(`${s.name}: argument size goprobe ${frame.argumentAreaSize} (values end at ${end}), vet ${vetEnd}`)
          }
        }
        if (skipped > 0) {
          console.warn(
            `stack ABI oracle ${tc.id}: ${skipped} signatures skipped: this vet sizes structs without their tail padding ` +
              '(go/types StdSizes, golang/go#12886 and #60431), unlike its compiler; the layout test checks tail padding against the compiler',
          )
        }
        console.log(`stack ABI oracle ${tc.id}: ${values - mismatches.length}/${values} offsets and ${COUNT - skipped} argument sizes checked; ${mismatches.length} disagreements`)
        expect(values).toBeGreaterThan(COUNT)
        expect(mismatches).toEqual([])
      } finally {
        await mod.remove()
      }
    })
  }
})
