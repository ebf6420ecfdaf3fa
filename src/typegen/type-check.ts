/**
 * Type-checking a probe module with the TypeScript compiler (through ts-morph), with the
 * settings every probe gets (probe-tsconfig.ts). goprobe's implementation is not reported:
 * it is checked by goprobe's own build.
 */
import { dirname, resolve } from 'node:path'
import { Project, ts } from 'ts-morph'
import { AMBIENT_DECLARATIONS, GOPROBE_ROOT, probeCompilerOptions } from './probe-tsconfig.ts'

export interface SourceDiagnostic {
  readonly file: string
  /** 1-based. */
  readonly line: number
  /** 1-based. */
  readonly column: number
  readonly message: string
}

/** goprobe's implementation, checked by its own build; its stdlib, probes and examples are reported like the user's files. */
const IMPLEMENTATION = ['src/', 'types/', 'node_modules/'].map((dir) => `${GOPROBE_ROOT}${dir}`)

export function typeCheckProbe(path: string): SourceDiagnostic[] {
  const file = resolve(path)
  const converted = ts.convertCompilerOptionsFromJson(probeCompilerOptions(), dirname(file))
  if (converted.errors.length) throw new Error(`goprobe's probe compiler options are invalid: ${converted.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, ' ')).join('; ')}`)
  const project = new Project({ compilerOptions: converted.options, skipAddingFilesFromTsConfig: true })
  project.addSourceFilesAtPaths(AMBIENT_DECLARATIONS)
  project.addSourceFileAtPath(file)
  project.resolveSourceFileDependencies()
  const result: SourceDiagnostic[] = []
  for (const d of project.getPreEmitDiagnostics()) {
    const source = d.getSourceFile()
    const sourcePath = source?.getFilePath()
    if (sourcePath !== undefined && IMPLEMENTATION.some((dir) => sourcePath.startsWith(dir))) continue
    const start = source ? source.getLineAndColumnAtPos(d.getStart() ?? 0) : { line: 1, column: 1 }
    const text = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n')
    result.push({ file: sourcePath ?? file, line: start.line, column: start.column, message: `error TS${d.getCode()}: ${text}` })
  }
  return result
}
