import { ET_DYN, ET_EXEC } from '../../binary/elf.ts'
import { Target } from '../../target.ts'
import { table, terminalWidth, writeJson } from '../output.ts'

/** What `goprobe info` reports, also its --json shape. */
export interface BinaryInfo {
  path: string
  goVersion: string
  goVersionSource: string
  abi: 'register' | 'stack'
  abiEvidence: string
  pie: boolean
  /** The ELF type that decides it: DYN (position-independent, loaded anywhere) or EXEC (loaded at its link addresses). */
  elfType: string
  stripped: boolean
  dwarf: boolean
  buildId: { go?: string; gnu?: string }
  module?: { path: string; version: string }
  settings: Record<string, string>
  functions: number
  textStartSource: string
}

export function binaryInfo(target: Target): BinaryInfo {
  const b = target.binary
  const bi = b.buildInfo
  return {
    path: target.path,
    goVersion: b.goVersion?.raw ?? 'unknown',
    goVersionSource: b.goVersionSource,
    abi: b.abi.abi,
    abiEvidence: b.abi.evidence,
    pie: b.isPIE,
    elfType: ELF_TYPES[b.elf.type] ?? `0x${b.elf.type.toString(16)}`,
    stripped: b.isStripped,
    dwarf: b.hasDwarf,
    buildId: { ...(b.buildIds.go ? { go: b.buildIds.go } : {}), ...(b.buildIds.gnu ? { gnu: b.buildIds.gnu } : {}) },
    ...(bi?.main ? { module: { path: bi.main.path, version: bi.main.version } } : {}),
    settings: Object.fromEntries((bi?.settings ?? []).map((s) => [s.key, s.value])),
    functions: b.functions.size,
    textStartSource: b.textStartSource,
  }
}

const ELF_TYPES: Record<number, string> = { [ET_EXEC]: 'EXEC', [ET_DYN]: 'DYN' }

/**
 * Whether the binary is position-independent is the ELF type's word, not the build setting's:
 * `-buildmode=pie` linked with `-extldflags -static` (docker's release builds) gives a
 * fixed-address EXEC, so the row says why it disagrees with the build mode below it.
 */
function pieText(info: BinaryInfo): string {
  if (info.pie) return `yes (ELF type ${info.elfType})`
  if (info.settings['-buildmode'] !== 'pie') return `no (ELF type ${info.elfType})`
  const isStatic = /(^|\s)-extldflags[= ]("?)[^"]*-static/.test(info.settings['-ldflags'] ?? '')
  return `no (ELF type ${info.elfType}, loaded at its link addresses: -buildmode=pie was asked for, but the external linker made a fixed-address executable${isStatic ? ', as -extldflags -static does' : ''})`
}

export function infoCommand(path: string, json: boolean): number {
  const target = Target.open(path)
  try {
    const info = binaryInfo(target)
    if (json) {
      writeJson(info)
      return 0
    }
    const rows: string[][] = [
      ['binary', info.path],
      ['go version', `${info.goVersion} (from ${info.goVersionSource})`],
      ['abi', `${info.abi} (${info.abiEvidence})`],
      ['pie', pieText(info)],
      ['stripped', info.stripped ? 'yes (functions from the pclntab)' : 'no'],
      ['dwarf', info.dwarf ? 'yes' : 'no'],
      ['build id', info.buildId.go ?? info.buildId.gnu ?? 'none'],
      ['module', info.module ? `${info.module.path} ${info.module.version}` : 'unknown'],
      ['build mode', info.settings['-buildmode'] ?? 'unknown'],
      ['cgo', info.settings['CGO_ENABLED'] ?? 'unknown'],
      ['functions', String(info.functions)],
      ['text start', info.textStartSource],
    ]
    process.stdout.write(`${table(rows, { width: terminalWidth(), wrap: [1] })}\n`)
    for (const w of target.binary.functions.warnings.slice(0, 5)) process.stderr.write(`goprobe: warning: ${w}\n`)
    return 0
  } finally {
    target.close()
  }
}
