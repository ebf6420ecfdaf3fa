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
    stripped: b.isStripped,
    dwarf: b.hasDwarf,
    buildId: { ...(b.buildIds.go ? { go: b.buildIds.go } : {}), ...(b.buildIds.gnu ? { gnu: b.buildIds.gnu } : {}) },
    ...(bi?.main ? { module: { path: bi.main.path, version: bi.main.version } } : {}),
    settings: Object.fromEntries((bi?.settings ?? []).map((s) => [s.key, s.value])),
    functions: b.functions.size,
    textStartSource: b.textStartSource,
  }
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
      ['pie', info.pie ? 'yes' : 'no'],
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
