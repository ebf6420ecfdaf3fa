/**
 * The register ABI calculator against the compiler. A generated program with random
 * signatures is built with `-gcflags=all=-N -l`; for such builds the compiler writes
 * each register parameter's DWARF location list straight from its own ABI analysis
 * (cmd/compile ssa.BuildFuncDebugNoOptimized): the argument registers, piece by piece,
 * at the first instruction, then the ABI spill slot. Stack parameters and stack results
 * get their frame offsets. The dwarfabi oracle (Delve's location-list decoder) prints them.
 *
 * Register results have no DWARF location at a RET, so each function gets a companion
 * whose parameters have the result types: results restart at RAX/X0 exactly as a
 * parameter list does from a fresh state, so the companion's registers are the results'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assignRegisterABI, dictionaryPlacement, type DictionaryPlacement } from '../../src/abi/register-abi.ts'
import type { AssignedValue } from '../../src/abi/location.ts'
import { structType } from '../../src/gotypes/layout.ts'
import { parseSignature, type TypeResolver } from '../../src/gotypes/parse.ts'
import { toolchains, type Toolchain } from '../support/fixtures.ts'
import { buildDwarfAbiOracle, execOracle, runGo, writeModule } from '../oracles/abi/go-workspace.ts'
import { namedStructResolver } from '../oracles/abi/named-structs.ts'
import { RandomGo, randomSignatures, signatureText, type RandomSignature } from '../oracles/abi/random-go.ts'

const SEED = 1707
const COUNT = 150

/** DWARF register numbers on amd64 (System V psABI): the ones Go uses for arguments. */
const DWARF_REGS: Record<number, string> = {
  0: 'rax', 1: 'rdx', 2: 'rcx', 3: 'rbx', 4: 'rsi', 5: 'rdi', 8: 'r8', 9: 'r9', 10: 'r10', 11: 'r11',
  ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [17 + i, `xmm${i}`])),
}

interface OraclePiece { size: number; reg?: number; cfaOffset?: number; padding?: boolean }
interface OracleParam { name: string; isResult: boolean; entry: OraclePiece[] | null; home: OraclePiece[] | null; error?: string }
interface OracleFunction { name: string; params: OracleParam[] }

/** Generic functions whose shape instantiations take the hidden dictionary; T is substituted per instantiation. */
const GENERIC_DECLARATIONS = `
func Gen0[T any](p0 T, p1 int) (r0 T) { return }
func Gen1[T any](p0 string, p1 T, p2 float64) (r0 int, r1 T) { return }
type Box[T any] struct{ v T }
func (recv *Box[T]) Get(p0 int, p1 T) (r0 T) { return }
`
const GENERIC_CASES: { fn: string; dwarfPrefix: string; sig: (t: string) => string }[] = [
  { fn: 'Gen0', dwarfPrefix: 'main.Gen0[', sig: (t) => `func(p0 ${t}, p1 int) (r0 ${t})` },
  { fn: 'Gen1', dwarfPrefix: 'main.Gen1[', sig: (t) => `func(p0 string, p1 ${t}, p2 float64) (r0 int, r1 ${t})` },
  { fn: 'Get', dwarfPrefix: 'main.(*Box[', sig: (t) => `func (recv *main.Box) Get(p0 int, p1 ${t}) (r0 ${t})` },
]
/** Only pointers to Box are passed, so its layout does not matter here. */
const BOX = structType('main.Box', [])
/** One instantiation per shape: distinct underlying types get distinct shape functions. */
const TYPE_ARGUMENTS = ['int', 'string', 'float64', 'int8', '[2]int', 'struct{ a int8; b float32 }', 'complex128']

function goProgram(gen: RandomGo, sigs: readonly RandomSignature[]): string {
  const funcs = sigs.map((s) => `${signatureText(s)} { return }\nfunc ${companionName(s)}(${s.results.map((t, i) => `p${i} ${t}`).join(', ')}) {}`)
  const refs = sigs.map((s) => {
    const fn = s.receiver === undefined ? s.name : `(${s.receiver.pointer ? '*' : ''}${s.receiver.type}).${s.name}`
    return `\t${fn}, ${companionName(s)},`
  })
  const genericRefs = TYPE_ARGUMENTS.flatMap((t) => [`Gen0[${t}]`, `Gen1[${t}]`, `(*Box[${t}]).Get`])
  return `package main

import "unsafe"

var _ unsafe.Pointer

${gen.structDeclarations()}

${funcs.join('\n')}
${GENERIC_DECLARATIONS}
var sink = []any{
${refs.join('\n')}
${genericRefs.map((r) => `\t${r},`).join('\n')}
}

func main() { println(len(sink)) }
`
}

const companionName = (s: RandomSignature) => `${s.name}Results`

function dwarfName(s: RandomSignature): string {
  if (s.receiver === undefined) return `main.${s.name}`
  return s.receiver.pointer ? `main.(*${s.receiver.type}).${s.name}` : `main.${s.receiver.type}.${s.name}`
}

/** What the oracle should show for one of our values at entry, as comparable text. */
function describeOurs(v: AssignedValue): string {
  if (v.location.kind === 'stack') return `stack@${v.location.offset}`
  return v.location.pieces.map((p) => `${p.reg}/${p.size}`).join(' ')
}

/**
 * The oracle's entry location in the same notation; CFA is entry SP + 8. A register
 * location without DW_OP_piece means "the whole value"; it carries no size, so the one
 * piece is given `wholeSize` (our piece's size: a 16-byte struct with one int64 and a
 * trailing zero-size field has one 8-byte piece).
 */
function describeOracle(p: OracleParam, wholeSize: number): string {
  const entry = p.entry ?? []
  if (entry.length === 1 && entry[0]!.cfaOffset !== undefined) return `stack@${entry[0]!.cfaOffset + 8}`
  return entry
    .filter((x) => !x.padding)
    .map((x) => `${x.reg === undefined ? `?${JSON.stringify(x)}` : DWARF_REGS[x.reg] ?? `dwarfreg${x.reg}`}/${x.size === 0 ? wholeSize : x.size}`)
    .join(' ')
}

/** Piece offsets, when the oracle's list covers the whole value (Go 1.26 writes padding pieces; 1.19 leaves gaps). */
function oracleOffsets(p: OracleParam, size: number): number[] | undefined {
  const entry = p.entry ?? []
  if (entry.some((x) => x.size === 0) || entry.reduce((n, x) => n + x.size, 0) !== size) return undefined
  const offsets: number[] = []
  let at = 0
  for (const x of entry) {
    if (!x.padding) offsets.push(at)
    at += x.size
  }
  return offsets
}

interface Tally {
  values: number; agree: number; offsetsChecked: number; spillsChecked: number; dictionaries: number; argumentAreas: number; mismatches: string[]
  /**
   * Before go1.25 the compiler could write wrong padding pieces for register structs
   * (golang/go#72053, fixed by CL 656736's successor): offsets from those are logged, not trusted.
   */
  trustPadding: boolean
  dwarfPaddingBugs: string[]
}

function compareInput(fn: string, ours: AssignedValue, theirs: OracleParam | undefined, tally: Tally): void {
  tally.values++
  const where = `${fn} ${ours.name}`
  if (theirs === undefined) { tally.mismatches.push(`${where}: no DWARF entry`); return }
  if (theirs.error) { tally.mismatches.push(`${where}: oracle error ${theirs.error}`); return }
  const problems: string[] = []
  const onlyPiece = ours.location.kind === 'registers' && ours.location.pieces.length === 1 ? ours.location.pieces[0]!.size : ours.type.size
  const want = describeOracle(theirs, onlyPiece)
  if (describeOurs(ours) !== want) problems.push(`entry: goprobe ${describeOurs(ours)}, compiler ${want}`)
  if (ours.location.kind === 'registers') {
    const offsets = oracleOffsets(theirs, ours.type.size)
    if (offsets !== undefined) {
      tally.offsetsChecked++
      const mine = ours.location.pieces.map((p) => p.offset)
      if (JSON.stringify(mine) !== JSON.stringify(offsets)) {
        const text = `piece offsets: goprobe ${mine}, compiler ${offsets}`
        if (tally.trustPadding) problems.push(text)
        else tally.dwarfPaddingBugs.push(`${where}: ${text}`)
      }
    }
    const home = theirs.home ?? []
    if (home.length === 1 && home[0]!.cfaOffset !== undefined) {
      tally.spillsChecked++
      if (ours.spillOffset !== home[0]!.cfaOffset + 8) problems.push(`spill: goprobe ${ours.spillOffset}, compiler ${home[0]!.cfaOffset + 8}`)
    } else problems.push(`spill: compiler gave no single frame location ${JSON.stringify(home)}`)
  }
  if (problems.length === 0) tally.agree++
  else tally.mismatches.push(`${where} (${ours.type.size} bytes): ${problems.join('; ')}`)
}

/** A stack result must be at the compiler's frame offset; a register result is a local of the callee (negative CFA offset). */
function compareResultPlacement(fn: string, ours: AssignedValue, theirs: OracleParam | undefined, tally: Tally): void {
  tally.values++
  const where = `${fn} result ${ours.name}`
  const loc = theirs?.entry
  if (loc?.length !== 1 || loc[0]!.cfaOffset === undefined) { tally.mismatches.push(`${where}: no frame location ${JSON.stringify(theirs)}`); return }
  const cfa = loc[0]!.cfaOffset
  const ok = ours.location.kind === 'stack' ? ours.location.offset === cfa + 8 : cfa < 0
  if (ok) tally.agree++
  else tally.mismatches.push(`${where}: goprobe ${describeOurs(ours)}, compiler CFA${cfa >= 0 ? '+' : ''}${cfa}`)
}

function compareFunction(name: string, sigText: string, resolve: TypeResolver, compiled: Compiled, tally: Tally, dictionary?: DictionaryPlacement): void {
  const fn = compiled.functions.get(name)
  if (fn === undefined) { tally.mismatches.push(`${name}: not in DWARF`); return }
  const frame = assignRegisterABI(parseSignature(sigText, resolve), dictionary === undefined ? {} : { dictionary })
  const argumentAreaSize = compiled.argumentAreaSizes.get(name)
  if (argumentAreaSize !== undefined) {
    tally.argumentAreas++
    if (argumentAreaSize !== frame.argumentAreaSize) tally.mismatches.push(`${name}: argument area goprobe ${frame.argumentAreaSize}, compiler args=${argumentAreaSize}`)
  }
  const byName = new Map(fn.params.map((p) => [p.name, p]))
  for (const v of [...(frame.receiver ? [frame.receiver] : []), ...frame.params]) compareInput(name, v, byName.get(v.name!), tally)
  // Unoptimised builds describe the dictionary in DWARF as `.dict`: compare it too.
  if (frame.dictionary !== undefined && byName.has('.dict')) {
    tally.dictionaries++
    compareInput(name, frame.dictionary, byName.get('.dict'), tally)
  }
  for (const v of frame.results) compareResultPlacement(name, v, byName.get(v.name!), tally)
}

const available = await toolchains()
const gen = new RandomGo(SEED)
const sigs = randomSignatures(gen, COUNT)
const resolve = namedStructResolver(gen.structs)

describe(`register ABI agrees with the compiler's DWARF for ${COUNT} random signatures (seed ${SEED})`, () => {
  let oracleDir: string
  let oracle: string
  beforeAll(async () => {
    oracleDir = await mkdtemp(join(tmpdir(), 'goprobe-dwarfabi-'))
    const pathGo = available.find((t) => t.goBin.startsWith('/usr/local/go')) ?? available[0]
    if (pathGo) oracle = await buildDwarfAbiOracle(pathGo, oracleDir)
  })
  afterAll(async () => { await rm(oracleDir, { recursive: true, force: true }) })

  const regabi = available.filter((t) => Number(t.version.split('.')[1]) >= 17)
  if (regabi.length === 0) {
    console.warn('register ABI oracle: no Go >= 1.17 toolchain available')
    it.skip('NO GO >= 1.17 TOOLCHAIN: register ABI oracle did not run', () => {})
  }
  for (const tc of regabi) {
    it(`${tc.id}: params, receivers, spill slots, stack results; companion functions for register results; dictionaries`, async () => {
      const compiled = await compile(tc, oracle)
      const [major, minor] = tc.version.split('.').map(Number)
      const tally: Tally = {
        values: 0, agree: 0, offsetsChecked: 0, spillsChecked: 0, dictionaries: 0, argumentAreas: 0, mismatches: [],
        trustPadding: major! > 1 || minor! >= 25, dwarfPaddingBugs: [],
      }
      for (const s of sigs) {
        compareFunction(dwarfName(s), signatureText(s), resolve, compiled, tally)
        const companion: RandomSignature = { name: companionName(s), params: s.results, results: [] }
        compareFunction(`main.${companion.name}`, signatureText(companion), resolve, compiled, tally)
      }
      const placement = dictionaryPlacement(major!, minor!)
      let shapes = 0
      for (const g of GENERIC_CASES) {
        const instances = [...compiled.functions.keys()].filter((n) => n.startsWith(g.dwarfPrefix) && n.includes('go.shape'))
        shapes += instances.length
        for (const name of instances) {
          const typeArg = shapeArgument(name, g.dwarfPrefix)
          compareFunction(name, g.sig(typeArg), (n) => (n === 'main.Box' ? BOX : resolve(n)), compiled, tally, placement)
        }
      }
      console.log(
        `register ABI oracle ${tc.id}: ${tally.agree}/${tally.values} values agree over ${COUNT} functions + ${COUNT} result companions + ${shapes} shape instantiations; ` +
          `${tally.offsetsChecked} piece-offset lists, ${tally.spillsChecked} spill slots, ${tally.dictionaries} DWARF .dict entries, ${tally.argumentAreas} argument area sizes (-S args=) checked`,
      )
      if (tally.dwarfPaddingBugs.length > 0) {
        console.warn(`register ABI oracle ${tc.id}: ${tally.dwarfPaddingBugs.length} piece-offset lists disagree, attributed to the compiler's DWARF padding bug golang/go#72053:\n  ${tally.dwarfPaddingBugs.join('\n  ')}`)
      }
      expect(shapes).toBe(GENERIC_CASES.length * TYPE_ARGUMENTS.length)
      expect(tally.argumentAreas).toBeGreaterThanOrEqual(2 * COUNT)
      expect(tally.mismatches).toEqual([])
    })
  }
})

interface Compiled {
  functions: Map<string, OracleFunction>
  /** `args=` of each function's header in the compiler's -S listing: the argument area size (ArgWidth). */
  argumentAreaSizes: Map<string, number>
}

async function compile(tc: Toolchain, oracle: string): Promise<Compiled> {
  const mod = await writeModule({ 'main.go': goProgram(gen, sigs) })
  try {
    const build = await runGo(tc, mod.dir, ['build', '-gcflags=all=-N -l', '-gcflags=oracle=-N -l -S', '-ldflags=-compressdwarf=false', '-o', 'prog', '.'])
    if (build.code !== 0) throw new Error(`${tc.id}: go build failed:\n${build.stderr.slice(0, 4000)}`)
    const argumentAreaSizes = new Map<string, number>()
    for (const m of build.stderr.matchAll(/^(\S+) STEXT .*\bargs=0x([0-9a-f]+)/gm)) argumentAreaSizes.set(m[1]!, parseInt(m[2]!, 16))
    const fns = JSON.parse(await execOracle(oracle, [join(mod.dir, 'prog'), 'main.'])) as OracleFunction[]
    return { functions: new Map(fns.map((f) => [f.name, f])), argumentAreaSizes }
  } finally {
    await mod.remove()
  }
}

/**
 * The Go type a shape instantiation stands for, from its DWARF name: `main.Gen0[go.shape.int]`
 * (go1.19 appends `_0`), `main.(*Box[go.shape.string]).Get`.
 */
function shapeArgument(name: string, prefix: string): string {
  const start = prefix.length
  let depth = 1
  let end = start
  while (depth > 0) {
    const c = name[end++]
    if (c === '[') depth++
    else if (c === ']') depth--
  }
  return name.slice(start, end - 1).replace(/^go\.shape\./, '').replace(/_\d+$/, '')
}
