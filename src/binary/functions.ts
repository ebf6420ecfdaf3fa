import { UnknownNameError } from '../errors.ts'
import { suggest } from '../util/suggest.ts'
import { hex } from './bytes.ts'
import { SHF_EXECINSTR, type ElfFile, type ElfSymbol } from './elf.ts'
import type { PclntabFunction } from './pclntab.ts'

const STT_NOTYPE = 0
const STT_FUNC = 2
const SHN_UNDEF = 0
const ABI0_SUFFIX = '.abi0'

/** A function of the binary, with where each fact came from. */
export interface GoFunction {
  /** The symbol table's name when there is one (`runtime.memmove.abi0`), else the pclntab's. */
  readonly name: string
  /** Name as recorded in the pclntab; undefined for symtab-only code (C functions, markers). */
  readonly pclntabName?: string
  /** Other names that find this function: pclntab spellings and other symbols at the entry. */
  readonly aliases: readonly string[]
  readonly entry: number
  /** Exclusive end of the code. */
  readonly end: number
  readonly endSource: 'symtab' | 'pcsp' | 'next-entry'
  /**
   * 'symtab': named by `.symtab`. 'pclntab': the pclntab's name. 'pclntab+abi0': a
   * stripped binary's ABI0 half of a same-name pair, named `<name>.abi0` like the
   * linker's symbol table would (see abi0Twins).
   */
  readonly nameSource: 'symtab' | 'pclntab' | 'pclntab+abi0'
  /** Functab index, for per-function pclntab tables; undefined for symtab-only code. */
  readonly pclntabIndex?: number
}

/**
 * All functions of a binary: the pclntab's (present even when stripped) merged with
 * `.symtab` FUNC symbols, which supply linker names (`.abi0`) and exact sizes.
 */
export class FunctionTable {
  readonly functions: readonly GoFunction[]
  /** Disagreements between pclntab and symtab, one line each, for the caller to show. */
  readonly warnings: readonly string[]
  private readonly byName = new Map<string, GoFunction>()

  /** `symbols`: the code symbols of `.symtab` (see codeSymbols), empty for stripped binaries. */
  constructor(pclntab: readonly PclntabFunction[], symbols: readonly ElfSymbol[]) {
    const warnings: string[] = []
    const functions = symbols.length > 0 ? mergeWithSymbols(pclntab, symbols, warnings) : fromPclntabOnly(pclntab)
    functions.sort((a, b) => a.entry - b.entry)
    this.functions = functions
    this.warnings = warnings
    // Primary names win over aliases, so index them first.
    for (const f of functions) if (!this.byName.has(f.name)) this.byName.set(f.name, f)
    for (const f of functions) for (const a of f.aliases) if (!this.byName.has(a)) this.byName.set(a, f)
  }

  get size(): number {
    return this.functions.length
  }

  /** The function with this name or alias; UnknownNameError with suggestions otherwise. */
  byExactName(name: string): GoFunction {
    const found = this.byName.get(name)
    if (!found) throw new UnknownNameError('function', name, suggest(name, this.byName.keys()))
    return found
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** The function whose code [entry, end) contains `address`, if any. */
  containing(address: number): GoFunction | undefined {
    let lo = 0
    let hi = this.functions.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const f = this.functions[mid]!
      if (address < f.entry) hi = mid - 1
      else if (address >= f.end) lo = mid + 1
      else return f
    }
    return undefined
  }

  /** Functions any of whose names match, in address order. */
  matching(pattern: RegExp): GoFunction[] {
    return this.functions.filter((f) => pattern.test(f.name) || f.aliases.some((a) => pattern.test(a)))
  }
}

/**
 * Symbols naming code: FUNC symbols, and untyped labels in executable sections
 * (assembly entry points such as cgo's crosscall1), as `nm` lists them with T/t.
 * Undefined symbols (cgo's dynamic imports such as malloc) have no code here.
 */
export function codeSymbols(elf: ElfFile): ElfSymbol[] {
  return elf.symbols().filter((s) => {
    if (s.sectionIndex === SHN_UNDEF) return false
    const executable = ((elf.sections[s.sectionIndex]?.flags ?? 0) & SHF_EXECINSTR) !== 0
    return s.type === STT_FUNC || (s.type === STT_NOTYPE && executable)
  })
}

function mergeWithSymbols(pclntab: readonly PclntabFunction[], symbols: readonly ElfSymbol[], warnings: string[]): GoFunction[] {
  // Both lists in address order, walked side by side: a map from address to symbols cost
  // a good part of the table's time in large binaries. The sort is stable, so symbols at
  // one address stay in symbol-table order.
  const sorted = [...symbols].sort((a, b) => a.value - b.value)
  const out: GoFunction[] = []
  // Code the pclntab does not describe: C functions linked in by cgo, and linker markers.
  const addUndescribed = (from: number, to: number): void => {
    for (let i = from; i < to; ) {
      let end = i + 1
      while (end < to && sorted[end]!.value === sorted[i]!.value) end++
      const [first, ...rest] = sorted.slice(i, end).sort((a, b) => b.size - a.size)
      out.push({ name: first!.name, aliases: rest.map((s) => s.name), entry: first!.value, end: first!.value + first!.size, endSource: 'symtab', nameSource: 'symtab' })
      i = end
    }
  }
  // Only consulted to explain a disagreement, which is rare: built on first need.
  let symbolByName: Map<string, ElfSymbol> | undefined
  let next = 0
  for (const f of pclntab) {
    let start = next
    while (start < sorted.length && sorted[start]!.value < f.entry) start++
    addUndescribed(next, start)
    let end = start
    while (end < sorted.length && sorted[end]!.value === f.entry) end++
    next = end
    const here = { symbols: sorted, start, end }
    const primary = linkerSymbol(f.name, here)
    if (!primary) {
      symbolByName ??= new Map(symbols.map((s) => [s.name, s]))
      const elsewhere = symbolByName.get(f.name)
      if (elsewhere) warnings.push(`pclntab puts ${f.name} at ${hex(f.entry)}, the symbol table at ${hex(elsewhere.value)}`)
      out.push(pclntabFunction(f, f.name, 'pclntab', otherNames(undefined, here, undefined)))
      continue
    }
    const symEnd = primary.value + primary.size
    if (primary.size > 0 && f.endSource === 'pcsp' && symEnd !== f.end) {
      warnings.push(`${primary.name}: symbol size ends at ${hex(symEnd)}, pclntab's SP table at ${hex(f.end)}`)
    }
    out.push(pclntabFunction(f, primary.name, 'symtab', otherNames(f.name, here, primary.name), primary.size > 0 ? symEnd : undefined))
  }
  addUndescribed(next, sorted.length)
  return out
}

/** Shared by the many functions known by one name only. */
const NO_ALIASES: readonly string[] = Object.freeze([])

/** The symbols at one address: `symbols[start..end)`. */
interface SymbolRun {
  readonly symbols: readonly ElfSymbol[]
  readonly start: number
  readonly end: number
}

/*
 * The two helpers below run once per function of the binary (60,000 in a large one);
 * they are loops rather than find/filter/spread chains because the temporary arrays
 * those built made the garbage collector a good part of the table's cost.
 */

/**
 * The linker's name for this code among the symbols at its entry: the same name, its
 * ABI0 mangling, or the one sized symbol there (the pclntab writes generic
 * instantiations as `[...]` where the symtab has `[5]`, and `·` for `.`).
 */
function linkerSymbol(name: string, here: SymbolRun): ElfSymbol | undefined {
  let abi0: ElfSymbol | undefined
  let sized: ElfSymbol | undefined
  let sizedCount = 0
  for (let i = here.start; i < here.end; i++) {
    const s = here.symbols[i]!
    if (s.name === name) return s
    if (!abi0 && s.name.length === name.length + ABI0_SUFFIX.length && s.name.startsWith(name) && s.name.endsWith(ABI0_SUFFIX)) abi0 = s
    if (s.size > 0) {
      sizedCount++
      sized ??= s
    }
  }
  return abi0 ?? (sizedCount === 1 ? sized : undefined)
}

/** The pclntab name (when given) and the symbols' names, each once, in that order, without the primary name. */
function otherNames(pclntabName: string | undefined, here: SymbolRun, primary: string | undefined): readonly string[] {
  if (here.end - here.start === 1 && here.symbols[here.start]!.name === primary && (pclntabName === undefined || pclntabName === primary)) return NO_ALIASES
  const out: string[] = []
  if (pclntabName !== undefined && pclntabName !== primary) out.push(pclntabName)
  for (let i = here.start; i < here.end; i++) {
    const name = here.symbols[i]!.name
    if (name !== primary && !out.includes(name)) out.push(name)
  }
  return out
}

function fromPclntabOnly(pclntab: readonly PclntabFunction[]): GoFunction[] {
  const abi0 = abi0Twins(pclntab)
  return pclntab.map((f) => (abi0.has(f) ? pclntabFunction(f, f.name + ABI0_SUFFIX, 'pclntab+abi0', [f.name]) : pclntabFunction(f, f.name, 'pclntab', NO_ALIASES)))
}

/**
 * In register-ABI binaries a function called across ABIs exists twice under one
 * pclntab name: the body and a wrapper for the other ABI. The symbol table calls the
 * ABI0 one `<name>.abi0`; without it, the ABI0 half is the one whose record carries
 * the ASM flag (an assembly body, Go 1.19+), else the later one (the linker emits ABI
 * wrappers after ordinary code). Checked against unstripped twins in the tests.
 *
 * Lone ABI0 assembly functions are also `.abi0` in the symbol table, but nothing in
 * the pclntab tells them from assembly written for ABIInternal (runtime.memequal) or
 * file-local assembly (which is never renamed), so they keep the pclntab's name.
 */
function abi0Twins(pclntab: readonly PclntabFunction[]): Set<PclntabFunction> {
  const byName = new Map<string, PclntabFunction[]>()
  for (const f of pclntab) {
    const list = byName.get(f.name)
    if (list) list.push(f)
    else byName.set(f.name, [f])
  }
  const twins = new Set<PclntabFunction>()
  for (const list of byName.values()) {
    // Go 1.18–1.20 write every instantiation of a generic function as `F[...]`: those are not ABI pairs.
    if (list.length !== 2 || list[0]!.name.includes('[...]')) continue
    const [a, b] = list as [PclntabFunction, PclntabFunction]
    const asm = list.filter((f) => f.assembly)
    twins.add(asm.length === 1 ? asm[0]! : a.entry > b.entry ? a : b)
  }
  return twins
}

/** `symtabEnd`: the end the symbol's size gives, which wins over the pclntab's. */
function pclntabFunction(f: PclntabFunction, name: string, nameSource: GoFunction['nameSource'], aliases: readonly string[], symtabEnd?: number): GoFunction {
  const end = symtabEnd ?? f.end
  const endSource = symtabEnd === undefined ? f.endSource : 'symtab'
  return { name, pclntabName: f.name, aliases, entry: f.entry, end, endSource, nameSource, pclntabIndex: f.index }
}
