/**
 * Names for the code addresses in a run's output. bpftrace prints `ustack` frames and `usym`
 * values of a stripped Go binary as raw addresses (`created at 0x48893f`, a frame line
 * `        0x4567ff`): it reads only the ELF symbol table, which stripping removes, while
 * the pclntab that names every function stays. Frame lines become Go's own names with the
 * offset (`runtime.newproc+63`), preceded by the functions inlined at that pc; other
 * addresses become the innermost function's name. Symbolized frames bpftrace printed
 * (`main.f+84`) get their inlined frames too. Anything that is not a code address of the
 * binary stays as it is.
 */
import { readFileSync } from 'node:fs'
import { CodeLocator, type CodeLocation } from '../binary/frames.ts'
import type { Segment } from '../binary/elf.ts'
import type { Target } from '../target.ts'

export interface SymbolSource {
  /** The code at a link-time address, if it lies in a function of the binary. */
  at(pc: number, returnAddress: boolean): CodeLocation | undefined
  /** Link-time address of a function's entry by one of its names (bpftrace's symbol names). */
  entryOf(name: string): number | undefined
}

const FRAME_ADDRESS = /^(\s+)0x([0-9a-f]+)$/
const FRAME_SYMBOL = /^(\s+)(\S+)\+(\d+)$/
const ADDRESS = /\b0x([0-9a-f]{4,16})\b/g
const PT_LOAD = 1

export class StackSymbolizer {
  private previousWasFrame = false

  /**
   * @param loadBias how far the binary's code was moved when it was loaded: 0 unless it is a
   * PIE, undefined while that is not known (addresses are then left as they are).
   */
  constructor(private readonly source: SymbolSource, private readonly loadBias: () => number | undefined) {}

  /** One output line in, one or more out (a frame expands into its inlined frames). */
  line(text: string): string[] {
    const innermost = !this.previousWasFrame
    const address = FRAME_ADDRESS.exec(text)
    const symbol = address ? null : FRAME_SYMBOL.exec(text)
    this.previousWasFrame = address !== null || symbol !== null
    if (address) {
      const loc = this.locate(parseInt(address[2]!, 16), !innermost)
      return loc ? frameLines(address[1]!, loc) : [text]
    }
    if (symbol) {
      const entry = this.source.entryOf(symbol[2]!)
      const loc = entry === undefined ? undefined : this.source.at(entry + Number(symbol[3]), !innermost)
      return loc && loc.function.entry === entry ? [...loc.inlined.map((n) => `${symbol[1]}${n} (inlined)`), text] : [text]
    }
    if (!text.includes('0x')) return [text]
    return [text.replace(ADDRESS, (whole, hex: string) => {
      const loc = this.locate(parseInt(hex, 16), true)
      return loc ? loc.inlined[0] ?? loc.function.name : whole
    })]
  }

  private locate(runtimeAddress: number, returnAddress: boolean): CodeLocation | undefined {
    if (!Number.isSafeInteger(runtimeAddress)) return undefined
    const bias = this.loadBias()
    return bias === undefined ? undefined : this.source.at(runtimeAddress - bias, returnAddress)
  }
}

function frameLines(indent: string, loc: CodeLocation): string[] {
  return [...loc.inlined.map((n) => `${indent}${n} (inlined)`), `${indent}${loc.function.name}+${loc.offset}`]
}

/**
 * The load bias of `binary` in a process, from its /proc/PID/maps text: a mapping of file
 * offset `o` at `start` belongs to the PT_LOAD segment holding `o`, which was linked at
 * `vaddr + (o - offset)`.
 */
export function loadBiasFromMaps(maps: string, binary: string, segments: readonly Segment[]): number | undefined {
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ \S+ ([0-9a-f]+) \S+ \d+\s+(.*)$/.exec(line)
    if (!m || m[3] !== binary) continue
    const start = parseInt(m[1]!, 16)
    const offset = parseInt(m[2]!, 16)
    const seg = segments.find((s) => s.type === PT_LOAD && offset >= s.offset && offset < s.offset + s.filesz)
    if (seg) return start - (seg.vaddr + offset - seg.offset)
  }
  return undefined
}

/** The load bias of `binary` in the first of `pids` that runs it; undefined when none does (yet). */
export function loadBiasOfProcesses(pids: readonly number[], binary: string, segments: readonly Segment[]): number | undefined {
  for (const pid of pids) {
    let maps: string
    try {
      maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
    } catch {
      continue // gone already
    }
    const bias = loadBiasFromMaps(maps, binary, segments)
    if (bias !== undefined) return bias
  }
  return undefined
}

/**
 * The symbolizer for a run of `target`'s binary. `pids` lists the processes that may run it
 * (asked only for a PIE, whose load bias is read from the first one's maps and kept).
 */
export function symbolizerFor(target: Target, pids: () => number[]): StackSymbolizer {
  const binary = target.binary
  let locator: CodeLocator | undefined
  const source: SymbolSource = {
    at: (pc, returnAddress) => (locator ??= new CodeLocator(binary)).at(pc, returnAddress),
    entryOf: (name) => (binary.functions.has(name) ? binary.functions.byExactName(name).entry : undefined),
  }
  let bias: number | undefined = target.isPIE ? undefined : 0
  return new StackSymbolizer(source, () => (bias ??= loadBiasOfProcesses(pids(), target.path, binary.elf.segments)))
}
