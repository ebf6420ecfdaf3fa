import { NotGoBinaryError } from '../errors.ts'
import { hex, latin1OrUtf8 } from './bytes.ts'
import { detectAbi, type AbiVerdict } from './abi-detect.ts'
import { readBuildIds, type BuildIds } from './build-id.ts'
import { readBuildInfo, readGoStringBytes, type BuildInfo } from './buildinfo.ts'
import { ElfFile, SHT_SYMTAB } from './elf.ts'
import { FunctionTable, codeSymbols } from './functions.ts'
import { parseGoVersion, type GoVersion } from './go-version.ts'
import { findModuledata, inlineNameReader } from './moduledata.ts'
import { LineTable } from './line-table.ts'
import { Pclntab, locatePclntab, parsePclntabHeader, type PclntabLocation } from './pclntab.ts'

/** Where the text start that Go 1.18+ functab offsets are relative to came from. */
export type TextStartSource = 'pclntab header' | 'moduledata' | 'runtime.text symbol' | 'not needed (absolute entries)'

/**
 * A Go program on disk: the facade of src/binary. Opening reads the ELF headers and
 * the build info; the pclntab, function table, ABI and build ids are read on first use.
 */
export class GoBinary {
  private pclntabCache?: { readonly table: Pclntab; readonly textStartSource: TextStartSource }
  private functionsCache?: FunctionTable
  private linesCache?: LineTable
  private abiCache?: AbiVerdict
  private buildIdsCache?: BuildIds

  private constructor(
    readonly elf: ElfFile,
    /** Undefined for Go < 1.13 and for binaries whose build info was removed. */
    readonly buildInfo: BuildInfo | undefined,
    /** Undefined when neither build info nor a `runtime.buildVersion` symbol records it: the caller decides. */
    readonly goVersion: GoVersion | undefined,
    /** Where goVersion came from. */
    readonly goVersionSource: 'build info' | 'runtime.buildVersion' | 'unknown',
    private pclntabLocation: PclntabLocation | undefined,
  ) {}

  /**
   * Opens a Go binary. BinaryFormatError for files that are not readable x86-64 ELF
   * or are corrupted; NotGoBinaryError for an ELF without build info and pclntab.
   */
  static open(path: string): GoBinary {
    const elf = ElfFile.open(path)
    try {
      const buildInfo = readBuildInfo(elf)
      // Without build info, only a pclntab proves the file is Go; look for it now.
      const location = buildInfo ? undefined : locatePclntab(elf)
      if (!buildInfo && !location) throw new NotGoBinaryError(`${path} is not a Go program: no build info and no pclntab`)
      const rawVersion = buildInfo?.goVersion ?? versionFromSymbol(elf)
      const goVersion = rawVersion === undefined ? undefined : parseGoVersion(rawVersion)
      const source = goVersion === undefined ? 'unknown' : buildInfo ? 'build info' : 'runtime.buildVersion'
      return new GoBinary(elf, buildInfo, goVersion, source, location)
    } catch (e) {
      elf.close()
      throw e
    }
  }

  get path(): string {
    return this.elf.path
  }

  get isPIE(): boolean {
    return this.elf.isPIE
  }

  /** No `.symtab`: function names come from the pclntab alone. */
  get isStripped(): boolean {
    return !this.elf.sections.some((s) => s.type === SHT_SYMTAB)
  }

  get hasDwarf(): boolean {
    return this.elf.section('.debug_info') !== undefined || this.elf.section('.zdebug_info') !== undefined
  }

  get buildIds(): BuildIds {
    return (this.buildIdsCache ??= readBuildIds(this.elf))
  }

  /** GOEXPERIMENTs from the version suffix and the GOEXPERIMENT build setting. */
  get experiments(): readonly string[] {
    const fromSetting = this.buildInfo?.settings.find((s) => s.key === 'GOEXPERIMENT')?.value.split(',') ?? []
    return [...new Set([...(this.goVersion?.experiments ?? []), ...fromSetting.filter((e) => e.length > 0)])]
  }

  get pclntab(): Pclntab {
    return this.loadPclntab().table
  }

  get textStartSource(): TextStartSource {
    return this.loadPclntab().textStartSource
  }

  get functions(): FunctionTable {
    return (this.functionsCache ??= new FunctionTable(this.pclntab.functions(), codeSymbols(this.elf)))
  }

  /** Source positions of the code (pclntab line tables, present in stripped binaries too). */
  get lines(): LineTable {
    return (this.linesCache ??= new LineTable(this.pclntab, this.pclntab.functions(), inlineNameReader(this.elf, this.pclntab)))
  }

  get abi(): AbiVerdict {
    return (this.abiCache ??= detectAbi(this.elf, this.goVersion, this.experiments, this.functions.functions))
  }

  close(): void {
    this.elf.close()
  }

  private loadPclntab(): { table: Pclntab; textStartSource: TextStartSource } {
    if (this.pclntabCache) return this.pclntabCache
    const location = (this.pclntabLocation ??= locatePclntab(this.elf))
    if (!location) throw new NotGoBinaryError(`${this.path} has Go build info but no pclntab: its functions cannot be found`)
    const header = parsePclntabHeader(location.data, this.elf.vaddrToOffset(location.vaddr) ?? 0)
    // Entry offsets are not needed to find moduledata, so a table with the header's text start will do.
    const [textStart, textStartSource] = this.resolveTextStart(new Pclntab(location, header, header.textStart))
    return (this.pclntabCache = { table: new Pclntab(location, header, textStart), textStartSource })
  }

  /**
   * Go 1.18+ entries are offsets from the start of Go text. The header records it up to
   * Go 1.25; Go 1.26 writes 0, so it must come from moduledata (cross-checked against
   * the pclntab) or the `runtime.text` symbol. The `.text` section start is not used:
   * with external linking C code precedes Go text there, so offsets would silently shift.
   */
  private resolveTextStart(pcln: Pclntab): [number, TextStartSource] {
    if (!pcln.entriesAreRelative) return [0, 'not needed (absolute entries)']
    if (pcln.header.textStart !== 0) return [pcln.header.textStart, 'pclntab header']
    const moduledata = findModuledata(this.elf, pcln)
    if (moduledata) return [moduledata.text, 'moduledata']
    const symbol = this.elf.symbols().find((s) => s.name === 'runtime.text')
    if (symbol) return [symbol.value, 'runtime.text symbol']
    throw new NotGoBinaryError(
      `${this.path}: the pclntab at ${hex(pcln.location.vaddr)} records no text start (Go 1.26+ format) and neither moduledata nor a runtime.text symbol gives it, so function addresses are unknown`,
    )
  }
}

function versionFromSymbol(elf: ElfFile): string | undefined {
  const symbol = elf.symbols().find((s) => s.name === 'runtime.buildVersion')
  return symbol && latin1OrUtf8(readGoStringBytes(elf, symbol.value, 'runtime.buildVersion'))
}
