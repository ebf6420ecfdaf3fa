import { resolve } from 'node:path'
import { assignRegisterABI, dictionaryPlacement } from './abi/register-abi.ts'
import { assignStackABI } from './abi/stack-abi.ts'
import type { AssignedValue, FrameAssignment } from './abi/location.ts'
import { hex } from './binary/bytes.ts'
import { atLeast } from './binary/go-version.ts'
import { GoBinary } from './binary/go-binary.ts'
import type { GoFunction } from './binary/functions.ts'
import { RuntimeTypes } from './binary/runtime-types.ts'
import type { Fact, FunctionFacts, GlobalVariable, LineSite, ProbeSite, TargetFacts, TypeNameFacts } from './compiler/target-facts.ts'
import { disassemble } from './disasm/capstone.ts'
import { ControlFlow } from './disasm/control-flow.ts'
import { lineEntries } from './disasm/line-entries.ts'
import { analyzeFunction, type CodeFacts } from './disasm/function-code.ts'
import { Dwarf } from './dwarf/dwarf.ts'
import { DwarfFunctions, type DwarfFunction } from './dwarf/go-functions.ts'
import { DwarfTypes } from './dwarf/go-types.ts'
import { DwarfVariables } from './dwarf/go-variables.ts'
import { BinaryFormatError, GoprobeError, UnknownNameError, UnsupportedError, UsageError } from './errors.ts'
import { packagePathsOf, typeNameSpellings } from './gotypes/aliases.ts'
import { parseSignature, parseType } from './gotypes/parse.ts'
import { versionTableFor, type VersionTable } from './gotypes/tables/version-table.ts'
import type { FactSource, GoType, Signature } from './gotypes/types.ts'
import { suggest } from './util/suggest.ts'
import { crossCheckLocations } from './abi/dwarf-cross-check.ts'
import { confirmAssumedLayout } from './newer-go.ts'
import { innerLocation, type InnerLocation } from './abi/line-location.ts'

/** ELF symbol type of data objects (package variables). */
const STT_OBJECT = 1

/**
 * The DWARF sections a compile reads: entries, their abbreviations, strings and
 * addresses, unit code ranges and location lists (line probes take positions from the
 * pclntab, so .debug_line is not among them).
 */
const PREFETCHED_DWARF_SECTIONS = [
  '.debug_info', '.debug_abbrev', '.debug_str', '.debug_str_offsets', '.debug_addr',
  '.debug_ranges', '.debug_rnglists', '.debug_loc', '.debug_loclists',
]

/**
 * Everything goprobe knows about one binary, computed lazily and once, each fact with
 * its source. This is the facade the compiler and the commands use; it is the only
 * place that combines the binary readers, DWARF, disassembly and the ABI calculators.
 */
export class Target implements TargetFacts {
  private dwarfCache?: { types: DwarfTypes; functions: DwarfFunctions; variables: DwarfVariables } | null
  private runtimeTypesCache?: RuntimeTypes | GoprobeError
  private versionTableCache?: VersionTable | string
  /** Package paths of the binary's functions, for type names written with a package's name only (`fs.FileMode`). */
  private packagePathsCache?: Set<string>
  private readonly codeCache = new Map<string, Promise<CodeFacts>>()

  private constructor(readonly binary: GoBinary, readonly path: string) {}

  static open(path: string): Target {
    return new Target(GoBinary.open(path), resolve(path))
  }

  close(): void {
    this.binary.close()
  }

  get goVersion(): string {
    return this.binary.goVersion?.raw ?? 'unknown'
  }

  get buildId(): string {
    const ids = this.binary.buildIds
    return ids.go ?? ids.gnu ?? 'none'
  }

  get abi(): Fact<'register' | 'stack'> {
    const v = this.binary.abi
    return { value: v.abi, source: 'heuristic', detail: v.evidence }
  }

  get isPIE(): boolean {
    return this.binary.isPIE
  }

  get isStripped(): boolean {
    return this.binary.isStripped
  }

  /** DWARF readers, or null when the binary has none (built with -w or stripped). */
  get dwarf(): { types: DwarfTypes; functions: DwarfFunctions; variables: DwarfVariables } | null {
    if (this.dwarfCache !== undefined) return this.dwarfCache
    if (!this.binary.hasDwarf) return (this.dwarfCache = null)
    const dwarf = new Dwarf((name) => this.binary.elf.sectionData(name))
    const types = new DwarfTypes(dwarf)
    return (this.dwarfCache = { types, functions: new DwarfFunctions(dwarf, types), variables: new DwarfVariables(dwarf, types) })
  }

  /**
   * Reads ahead what a compile needs: the DWARF sections lookups use inflate on the
   * thread pool while this thread builds the function table, which every probe needs.
   */
  async prepare(): Promise<void> {
    const inflating = this.binary.hasDwarf ? this.binary.elf.prefetch(PREFETCHED_DWARF_SECTIONS) : undefined
    void this.binary.functions
    await inflating
  }

  findFunction(names: readonly string[]): string | undefined {
    return names.find((n) => this.binary.functions.has(n))
  }

  matchFunctions(pattern: RegExp): string[] {
    return this.binary.functions.functions.map((f) => f.name).filter((n) => pattern.test(n)).sort()
  }

  suggestFunctions(name: string): string[] {
    return suggest(name, this.binary.functions.functions.map((f) => f.name))
  }

  function(name: string): GoFunction {
    return this.binary.functions.byExactName(name)
  }

  /** Disassembly facts of a function (RET sites, post-prologue point), decoded once. */
  code(fn: GoFunction): Promise<CodeFacts> {
    let facts = this.codeCache.get(fn.name)
    if (!facts) {
      facts = (async () => {
        const bytes = fn.end > fn.entry ? this.binary.elf.readVaddr(fn.entry, fn.end - fn.entry) : new Uint8Array(0)
        const { instructions, complete } = await disassemble(bytes, fn.entry)
        return analyzeFunction(fn.entry, fn.end, instructions, complete)
      })()
      this.codeCache.set(fn.name, facts)
    }
    return facts
  }

  site(fn: GoFunction, offset: number): ProbeSite {
    const vaddr = fn.entry + offset
    const fileOffset = this.binary.elf.vaddrToOffset(vaddr)
    if (fileOffset === undefined) throw new BinaryFormatError(`${fn.name}+${hex(offset)} (${hex(vaddr)}) is not backed by file bytes`)
    return { offset, vaddr, fileOffset }
  }

  async functionFacts(name: string, declared?: string): Promise<FunctionFacts> {
    const fn = this.function(name)
    const code = await this.code(fn)
    const abi = fn.name.endsWith('.abi0') ? 'stack' : this.binary.abi.abi
    // Shape instantiations take a dictionary: `F[go.shape.int]`, `(*T[go.shape.int]).M` (symbols,
    // DWARF), `F[...]` (Go 1.18-1.20 pclntab). Not other names with brackets (`type:.eq.[8]T`),
    // nor closures inside a generic function (`F[go.shape.int].func1`), which get it from their context.
    const generic = /\[(go\.shape\.|\.\.\.\])/.test(fn.name) && !/\.(func|gowrap|deferwrap)\d+(\.\d+)*$/.test(fn.name)
    let signature = this.signature(fn, declared)
    let frame: FrameAssignment | undefined
    let frameProblem: string | undefined
    const assign = (sig: Signature): FrameAssignment => {
      if (abi === 'stack') return assignStackABI(sig)
      const v = this.binary.goVersion
      return assignRegisterABI(sig, generic ? { dictionary: dictionaryPlacement(v?.major ?? 1, v?.minor ?? 99) } : {})
    }
    if (!signature) frameProblem = this.dwarf ? 'DWARF has no entry for it and no signature was declared' : 'the binary has no DWARF and no signature was declared'
    else if (signature.value.complete) frame = assign(signature.value)
    else {
      // DWARF may omit unnamed parameters; if the listed ones fill the argument frame the
      // pclntab records, nothing that takes space is missing and positions can be trusted.
      const candidate = assign({ ...signature.value, complete: true })
      const declaredSize = fn.pclntabIndex === undefined ? undefined : this.binary.pclntab.argumentSize(fn.pclntabIndex)
      if (declaredSize !== undefined && candidate.argumentAreaSize === declaredSize) {
        frame = candidate
        signature = { ...signature, detail: `${signature.detail}, checked against the pclntab argument size ${declaredSize}` }
      } else {
        frameProblem = `its signature from ${signature.detail} lacks parameters (${candidate.argumentAreaSize} bytes of arguments listed, the function takes ${declaredSize ?? 'an unknown number of'}); declare the signature`
      }
    }
    const entrySite = this.site(fn, code.postPrologueOffset ?? 0)
    const check = frame ? crossCheckLocations(this.dwarfFunction(fn), frame, entrySite.vaddr) : undefined
    return {
      name: fn.name,
      entry: fn.entry,
      end: fn.end,
      abi,
      entrySite,
      hasStackCheck: code.postPrologueOffset !== undefined,
      stackCheck: code.stackCheck,
      returnSites: code.retOffsets.map((o) => this.site(fn, o)),
      tailJumps: code.tailJumpOffsets.length,
      signature,
      frame,
      frameProblem,
      locationWarnings: check?.disagreements ?? [],
      dwarfContradictions: check?.dwarfContradictions ?? [],
      locationsConfirmed: check?.confirmed ?? 0,
      generic,
    }
  }

  dwarfFunction(fn: GoFunction): DwarfFunction | undefined {
    return this.dwarf?.functions.lookupFunction(fn.pclntabName ?? fn.name.replace(/\.abi0$/, ''), fn.entry)
  }

  /** DWARF's signature when complete; a declared one where DWARF lacks it or is incomplete. */
  signature(fn: GoFunction, declared?: string): Fact<Signature> | undefined {
    const fromDwarf = this.dwarfFunction(fn)?.signature
    if (fromDwarf && (fromDwarf.complete || declared === undefined)) return { value: fromDwarf, source: 'dwarf', detail: 'DWARF' }
    if (declared !== undefined) {
      try {
        return { value: parseSignature(declared, (n) => this.resolveNamedType(n)), source: 'declared', detail: 'declared in the probe' }
      } catch (e) {
        if (e instanceof GoprobeError) throw new UsageError(`declared signature of ${fn.name}: ${e.message}`)
        throw e
      }
    }
    return undefined
  }

  /**
   * Runtime type metadata, read on first use; null (with the reason kept for messages)
   * when it cannot be found or its index cannot be walked, so lookups go on to the tables.
   */
  get runtimeTypes(): RuntimeTypes | null {
    if (this.runtimeTypesCache === undefined) {
      try {
        const types = RuntimeTypes.open(this.binary)
        void types.index
        // A Go newer than every checked release: its layout is believed only when the binary confirms it.
        if (this.binary.goVersion) confirmAssumedLayout(types, this.binary.goVersion)
        this.runtimeTypesCache = types
      } catch (e) {
        if (!(e instanceof GoprobeError)) throw e
        this.runtimeTypesCache = e
      }
    }
    return this.runtimeTypesCache instanceof RuntimeTypes ? this.runtimeTypesCache : null
  }

  /** Names the runtime type metadata as a source, and the older release's layout it was read with when assumed. */
  private runtimeTypesDetail(what: string): string {
    const assumed = this.runtimeTypes?.layout.assumedFrom
    return assumed ? `${what}, read with ${assumed}'s layout as its runtime.g confirms` : what
  }

  /** The version table for this binary's Go release, or the reason there is none. */
  private versionTable(): VersionTable | string {
    return (this.versionTableCache ??= versionTableFor(this.binary.goVersion))
  }

  /**
   * A named type from the strongest source that has it: DWARF, then runtime type metadata, then
   * the version table; under the name as written, else as Go's aliases and package names allow.
   */
  private namedType(name: string): Fact<GoType> | undefined {
    const spellings = typeNameSpellings(name, () => (this.packagePathsCache ??= packagePathsOf(this.binary.functions.functions.map((f) => f.name))))
    for (const spelling of spellings) {
      const found = this.namedTypeSpelled(spelling)
      if (found) return found
    }
    return undefined
  }

  private namedTypeSpelled(name: string): Fact<GoType> | undefined {
    const fromDwarf = this.dwarf?.types.lookupType(name)
    if (fromDwarf) return { value: fromDwarf, source: 'dwarf', detail: 'DWARF' }
    const fromRuntime = this.runtimeTypes?.lookupType(name)
    if (fromRuntime) return { value: fromRuntime, source: 'runtime-types', detail: this.runtimeTypesDetail('runtime type metadata') }
    const table = this.versionTable()
    const fromTable = typeof table === 'string' ? undefined : table.lookupType(name)
    if (fromTable) return { value: fromTable, source: 'version-table', detail: `version table for ${this.goVersion}` }
    return undefined
  }

  private resolveNamedType(name: string): GoType | undefined {
    return this.namedType(name)?.value
  }

  lookupType(name: string): Fact<GoType> {
    const found = this.namedType(name)
    if (found) return found
    const known = new Set<string>([...(this.dwarf?.types.typeNames() ?? []), ...(this.runtimeTypes?.typeNames() ?? [])])
    const table = this.versionTable()
    if (typeof table !== 'string') for (const n of table.typeNames()) known.add(n)
    const tried = [
      this.dwarf ? 'not in DWARF' : 'no DWARF',
      this.runtimeTypes ? 'not in the runtime type metadata' : `no runtime type metadata (${this.runtimeTypesProblem()})`,
      typeof table === 'string' ? `no version table: ${table}` : table.explainMissing(name),
    ]
    throw new UnknownNameError(`type (${tried.join('; ')})`, name, suggest(name, [...known]))
  }

  private runtimeTypesProblem(): string {
    return this.runtimeTypesCache instanceof GoprobeError ? this.runtimeTypesCache.message : 'none'
  }

  /**
   * A type written as text. Its source is the weakest of the sources its named types
   * came from (a literal of predeclared types is plain type text).
   */
  parseType(text: string): Fact<GoType> {
    const used = new Map<FactSource, string>()
    const value = parseType(text, (n) => {
      const fact = this.namedType(n)
      if (fact) used.set(fact.source, fact.detail)
      return fact?.value
    })
    const weakest = (['version-table', 'runtime-types', 'dwarf'] as const).find((s) => used.has(s))
    if (!weakest) return { value, source: 'declared', detail: 'type text' }
    return { value, source: weakest, detail: `type text with named types from ${[...used.values()].join(' and ')}` }
  }

  /**
   * g.goid: DWARF's runtime.g, else the runtime type metadata's (present when something
   * reachable refers to runtime.g), else runtime.g as the version table declares it.
   */
  goidOffset(): Fact<number> {
    const goid = (g: GoType | undefined) => (g?.kind === 'struct' ? g.fields.find((x) => x.name === 'goid')?.offset : undefined)
    const fromDwarf = goid(this.dwarf?.types.lookupType('runtime.g'))
    if (fromDwarf !== undefined) return { value: fromDwarf, source: 'dwarf', detail: 'DWARF runtime.g' }
    const fromRuntime = goid(this.runtimeTypes?.lookupType('runtime.g'))
    if (fromRuntime !== undefined) return { value: fromRuntime, source: 'runtime-types', detail: this.runtimeTypesDetail('runtime.g of the runtime type metadata') }
    const v = this.binary.goVersion
    if (!v) throw new UsageError(`${this.path}: the Go version is unknown and the binary has no DWARF, so the goroutine id offset is unknown`)
    if (!atLeast(v, 1, 13)) throw new UsageError(`${this.path}: Go ${v.raw} is older than 1.13; goroutine ids are not supported`)
    const table = this.versionTable()
    if (typeof table === 'string') throw new UnsupportedError(`${this.path}: the goroutine id offset is unknown without DWARF: ${table}`)
    const offset = table.fieldOffset('runtime.g', 'goid')
    if (offset === undefined) throw new UnsupportedError(`${this.path}: the goroutine id offset is unknown without DWARF: ${table.explainMissing('runtime.g')}`)
    return { value: offset, source: 'version-table', detail: `runtime.g of the version table for ${v.raw}` }
  }

  /**
   * `runtime.types` is the start of the type data in every version: the symbol when the
   * binary has symbols; else the section the linker puts it first in (.data.rel.ro in
   * PIE builds, where descriptors need relocating; .rodata otherwise).
   */
  typeNameFacts(): Fact<TypeNameFacts> {
    const v = this.binary.goVersion
    if (!v) throw new UsageError(`${this.path}: the Go version is unknown, so the runtime type name format is unknown`)
    const varintLength = atLeast(v, 1, 17)
    // Name offsets are relative to moduledata.types, which the runtime type reader located.
    const types = this.runtimeTypes
    if (types) return { value: { typesBase: types.sections.types, varintLength }, source: 'runtime-types', detail: `moduledata.types; name format of ${v.raw}` }
    const symbol = this.binary.elf.symbols().find((s) => s.name === 'runtime.types')
    if (symbol) return { value: { typesBase: symbol.value, varintLength }, source: 'heuristic', detail: `symbol runtime.types; name format of ${v.raw}` }
    throw new UsageError(`${this.path}: runtime type names cannot be found: ${this.runtimeTypesProblem()}, and there is no runtime.types symbol`)
  }

  globalVariable(name: string, declaredType?: string): Fact<GlobalVariable> {
    const fromDwarf = this.dwarf?.variables.lookup(name)
    const symbol = fromDwarf ? undefined : this.binary.elf.symbols().find((s) => s.name === name && s.type === STT_OBJECT)
    const address = fromDwarf?.address ?? symbol?.value
    if (address === undefined) {
      const known = [...(this.dwarf?.variables.names() ?? []), ...this.binary.elf.symbols().filter((s) => s.type === STT_OBJECT).map((s) => s.name)]
      const why = this.isStripped ? ' (this binary has no symbol table and no DWARF, which are where package variables are named)' : ''
      throw new UnknownNameError(`package variable${why}`, name, suggest(name, new Set(known)))
    }
    const where = fromDwarf ? 'DWARF' : 'the symbol table'
    if (declaredType !== undefined) {
      const t = this.parseType(declaredType)
      // A type of the wrong size would read neighbouring memory or half the variable.
      if (symbol && symbol.size > 0 && symbol.size !== t.value.size) {
        throw new UsageError(`package variable ${name} is ${symbol.size} bytes (symbol table), but the declared type ${declaredType} is ${t.value.size}`)
      }
      return { value: { address, type: t.value }, source: t.source, detail: `address from ${where}, type ${declaredType} declared in the probe` }
    }
    if (!fromDwarf) throw new UsageError(`package variable ${name}: the binary has no DWARF for its type; declare it: global(${JSON.stringify(name)}, 'int64')`)
    return { value: { address, type: fromDwarf.type }, source: 'dwarf', detail: 'DWARF' }
  }

  async lineSites(file: string, line: number): Promise<LineSite[]> {
    const lines = this.binary.lines
    const code = lines.lineCode(lines.resolveFile(file), line)
    const sites: LineSite[] = []
    for (const pcFn of [...new Set(code.ranges.map((r) => r.function))]) {
      const fn = this.binary.functions.containing(pcFn.entry)
      if (!fn || fn.pclntabIndex !== pcFn.index) throw new BinaryFormatError(`${pcFn.name} at ${hex(pcFn.entry)} is not in the function table`)
      const flow = await this.controlFlow(fn)
      const entries = lineEntries(flow, lines.rangesOf(pcFn), (r) => r.file === code.file && r.line === code.line)
      for (const { address, range } of entries) {
        let offset = address - fn.entry
        // At the entry, the line's code includes the stack check: probed there, a call that
        // grows the stack would count twice (morestack restarts the function).
        const prologue = offset === 0 ? (await this.code(fn)).postPrologueOffset : undefined
        if (prologue !== undefined) offset = prologue
        const site = this.site(fn, offset)
        sites.push({
          file: range.file, line: range.line, function: fn.name, site, rangeStart: range.start, rangeEnd: range.end, inlined: range.inlined,
          afterPrologue: prologue !== undefined, spDelta: this.spDeltaAt(fn, site.vaddr),
          ...(range.inlinedFunction ? { inlinedFunction: range.inlinedFunction } : {}),
        })
      }
    }
    return sites.sort((a, b) => a.site.vaddr - b.site.vaddr)
  }

  /** A function's instructions and the edges between them, for finding where runs of a line begin. */
  private async controlFlow(fn: GoFunction): Promise<ControlFlow> {
    const bytes = this.binary.elf.readVaddr(fn.entry, fn.end - fn.entry)
    const { instructions, complete } = await disassemble(bytes, fn.entry)
    if (!complete) throw new UnsupportedError(`${fn.name}: its code does not disassemble completely, so where runs of its lines begin is unknown`)
    return new ControlFlow(instructions)
  }

  /** The pcsp value at `pc`: how far SP is below the entry SP. */
  private spDeltaAt(fn: GoFunction, pc: number): number {
    if (fn.pclntabIndex === undefined) throw new UnsupportedError(`${fn.name} has no pclntab record, so its stack frame at ${hex(pc)} is unknown`)
    const run = this.binary.pclntab.pcsp(fn.pclntabIndex).find((r) => r.start <= pc && pc < r.end)
    if (!run) throw new BinaryFormatError(`${fn.name}: the pclntab's SP table does not cover ${hex(pc)}`)
    return run.value
  }

  inputLocationAt(name: string, value: AssignedValue, pc: number): InnerLocation | { problem: string } | undefined {
    if (value.name === undefined) return undefined
    const param = this.dwarfFunction(this.function(name))?.params.find((p) => !p.isResult && p.name === value.name)
    let loc
    try {
      loc = param?.locationAt(pc)
    } catch (e) {
      if (e instanceof GoprobeError) return { problem: `DWARF's location expression is one goprobe cannot evaluate (${e.message})` }
      throw e
    }
    return loc && loc.pieces.length ? innerLocation(value.type, loc) : undefined
  }

  /**
   * bpftrace resolves a bare number against symbols first. In an executable it compares it
   * with symbol addresses; in a PIE (ET_DYN) bcc relocates symbols to file offsets first,
   * so there every function's own file offset range collides (observed with 0.17).
   */
  /**
   * Whether some file offset in the code may name a symbol (see fileOffsetHitsSymbol), so that
   * probes inside functions need a bpftrace that takes addresses there: PIE binaries with
   * symbols, and executables whose code reaches past the first symbol's address in the file
   * (non-PIE Go code starts at 0x401000 in memory and 0x1000 in the file: more than ~4 MB of it).
   */
  get fileOffsetsMayHitSymbols(): boolean {
    const elf = this.binary.elf
    const text = elf.section('.text')
    if (!text) return false
    const [lo, hi] = [text.offset, text.offset + text.size]
    return elf.symbols().some((s) => {
      const start = elf.isPIE ? elf.vaddrToOffset(s.value) ?? s.value : s.value
      return start < hi && lo < start + Math.max(s.size, 1)
    })
  }

  fileOffsetHitsSymbol(fileOffset: number): boolean {
    const elf = this.binary.elf
    return elf.symbols().some((s) => {
      const start = elf.isPIE ? elf.vaddrToOffset(s.value) ?? s.value : s.value
      return start <= fileOffset && fileOffset < start + Math.max(s.size, 1)
    })
  }
}
