// Signatures read from DWARF equal the fixtures' own declarations: each top-level func
// declaration of the probe targets is parsed from the Go source with goprobe's signature
// parser (its named types resolved against the same binary) and compared with DWARF's.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSignature } from '../../src/gotypes/parse.ts'
import { typeString, type Signature } from '../../src/gotypes/types.ts'
import { Target } from '../../src/target.ts'
import { buildFixture, FIXTURES_DIR, toolchains } from '../support/fixtures.ts'

const SOURCES = [['basic', 'targets.go'], ['lang', 'main.go']] as const

/** `func (c *T) Name(params) results {` on one line, non-generic, as the symbol name and signature text. */
function declarations(fixture: string, file: string): { symbol: string; text: string }[] {
  const out: { symbol: string; text: string }[] = []
  for (const line of readFileSync(join(FIXTURES_DIR, fixture, file), 'utf8').split('\n')) {
    const m = /^func (?:\((\w+) (\*?)(\w+)\) )?([A-Z]\w*)(\(.*?)\s*\{/.exec(line)
    if (!m) continue
    const [, recvName, star, recvType, name, rest] = m
    const symbol = recvType ? (star ? `main.(*${recvType}).${name}` : `main.${recvType}.${name}`) : `main.${name}`
    const qualify = (s: string) => s.replace(/\b(Counter|Wide|Outer|T|XT)\b/g, 'main.$1')
    out.push({ symbol, text: recvType ? `func (${recvName} ${star}main.${recvType}) ${name}${qualify(rest!)}` : `func${qualify(rest!)}` })
  }
  return out
}

const shape = (sig: Signature) => ({
  receiver: sig.receiver && typeString(sig.receiver.type),
  params: sig.params.map((p) => `${p.name ?? '_'} ${typeString(p.type)}`),
  results: sig.results.map((p) => typeString(p.type)),
})

const tcs = await toolchains()

describe('DWARF signatures equal the fixtures\' source declarations', () => {
  for (const tc of tcs) {
    it(`${tc.id}`, async () => {
      let compared = 0
      for (const [fixture, file] of SOURCES) {
        const build = await buildFixture(fixture, tc, 'default')
        const target = Target.open(build.path)
        try {
          for (const { symbol, text } of declarations(fixture, file)) {
            const fromSource = parseSignature(text, (n) => target.lookupType(n).value)
            const fromDwarf = target.signature(target.function(symbol))
            expect(fromDwarf?.source, symbol).toBe('dwarf')
            // DWARF before Go 1.23 leaves out unnamed parameters: compare what it lists.
            const want = shape(fromSource)
            if (!fromDwarf!.value.complete) want.params = want.params.filter((p) => !p.startsWith('_ '))
            expect(shape(fromDwarf!.value), `${symbol} built with ${tc.id}`).toEqual(want)
            compared++
          }
        } finally {
          target.close()
        }
      }
      expect(compared).toBeGreaterThanOrEqual(18)
    })
  }
})
